// routes, map-route, unmap-route, swap.
import { mapRoute, swapRoutes, unmapRoute } from '../../core/push';
import { need, parse, spec } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';

export const ROUTES = spec({
  name: 'routes',
  summary: 'List routes in the targeted space',
  flags: { json: { type: 'boolean', help: 'Print the result as JSON' } },
});

export const routesCmd: Command = async (argv) => {
  const { values } = parse(argv, ROUTES);
  const s = await session(terminalReporter(!!values.json));
  const [routes, apps] = await Promise.all([s.cc.routes.list({ spaceGuids: [s.space.guid] }), s.cc.apps.inSpace(s.space.guid)]);
  const name = (guid: string) => apps.find((a) => a.guid === guid)?.name ?? guid;
  const rows = routes.map((rt) => ({
    guid: rt.guid,
    host: rt.host,
    path: rt.path,
    url: rt.url,
    browserUrl: s.routeUrl(rt.url),
    apps: rt.destinations.map((d) => name(d.app.guid)),
  }));
  if (values.json) return console.log(JSON.stringify({ org: s.org.name, space: s.space.name, routes: rows }, null, 2));
  console.log(`Getting routes in org ${s.org.name} / space ${s.space.name}\n`);
  table(
    ['route', 'apps'],
    rows.map((x) => [x.url, x.apps.join(', ')]),
  );
};

function routeSpec(name: string, summary: string) {
  return spec({
    name,
    args: 'APP DOMAIN',
    summary,
    flags: {
      hostname: { type: 'string', short: 'n', arg: 'HOST', help: 'Hostname of the route (HOST.DOMAIN)' },
      path: { type: 'string', arg: 'PATH', help: 'Path of the route (DOMAIN/PATH)' },
      json: { type: 'boolean', help: 'Print the result as JSON' },
    },
  });
}
export const MAP_ROUTE = routeSpec('map-route', 'Map a route to an app');
export const UNMAP_ROUTE = routeSpec('unmap-route', 'Unmap a route from an app');

function routeCmd(op: typeof mapRoute, usage: ReturnType<typeof routeSpec>): Command {
  return async (argv) => {
    const { values, positionals } = parse(argv, usage);
    const r = terminalReporter(!!values.json);
    const app = await op(
      await session(r),
      need(positionals[0], 'APP', usage),
      { domain: need(positionals[1], 'DOMAIN', usage), hostname: values.hostname, path: values.path },
      r,
    );
    if (values.json) console.log(JSON.stringify({ app }, null, 2));
    else console.log(`OK\n${app.name}: ${app.urls.join(', ') || '(no routes)'}`);
  };
}
export const mapRouteCmd = routeCmd(mapRoute, MAP_ROUTE);
export const unmapRouteCmd = routeCmd(unmapRoute, UNMAP_ROUTE);

export const SWAP = spec({
  name: 'swap',
  args: 'APP_A APP_B',
  summary: "Exchange two apps' routes",
  flags: { json: { type: 'boolean', help: 'Print the result as JSON' } },
});

export const swapCmd: Command = async (argv) => {
  const usage = SWAP;
  const { values, positionals } = parse(argv, usage);
  const r = terminalReporter(!!values.json);
  const res = await swapRoutes(await session(r), need(positionals[0], 'APP_A', usage), need(positionals[1], 'APP_B', usage), r);
  if (values.json) return console.log(JSON.stringify(res, null, 2));
  console.log(`OK\n${res.a.name}: ${res.a.urls.join(', ') || '(no routes)'}\n${res.b.name}: ${res.b.urls.join(', ') || '(no routes)'}`);
};
