// /v3/routes and destinations (cf-reference.md §1.5).
import { runJob } from '../jobs';
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { addDestinations, createRoute } from '../model';
import type { RouteRec } from '../store';
import { deleteRoute } from '../teardown';

function byGuid(c: Ctx): RouteRec {
  const r = c.f.store.get('routes', c.params.guid);
  if (!r) throw notFound('Route');
  return r;
}

function list(c: Ctx): void {
  const spaces = c.f.store.state.spaces;
  const routes = filterList(c.f.store.list('routes'), c.query, {
    guids: (r) => r.guid,
    hosts: (r) => r.host,
    paths: (r) => r.path,
    domain_guids: (r) => r.domain_guid,
    space_guids: (r) => r.space_guid,
    organization_guids: (r) => spaces[r.space_guid]?.org_guid,
    app_guids: (r) => r.destinations.map((d) => d.app_guid),
  });
  send(
    c.res,
    200,
    paginate(c, routes, (r) => c.f.present.route(r), ['created_at', 'updated_at', 'host']),
  );
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['host', 'path', 'port', 'relationships', 'options', 'metadata']);
  if (body.host !== undefined && typeof body.host !== 'string') throw unprocessable('Host must be a string');
  if (body.path !== undefined && typeof body.path !== 'string') throw unprocessable('Path must be a string');
  if (body.port !== undefined && body.port !== null) throw unprocessable("Routes with protocol 'tcp' are not supported by the local foundation");
  const route = createRoute(c.f, {
    host: body.host ?? '',
    path: body.path ?? '',
    domainGuid: relGuid(body.relationships?.domain) ?? '',
    spaceGuid: relGuid(body.relationships?.space) ?? '',
  });
  send(c.res, 201, c.f.present.route(route));
}

async function remove(c: Ctx): Promise<void> {
  const r = byGuid(c);
  await runJob(c, 'route.delete', async () => deleteRoute(c.f, r));
}

function parseDestinations(body: Record<string, any>): { appGuid: string; processType: string }[] {
  if (!Array.isArray(body.destinations)) throw unprocessable('Destinations must be an array');
  return body.destinations.map((d: any) => {
    const appGuid = d?.app?.guid;
    if (typeof appGuid !== 'string') throw unprocessable('Destinations[0] must have an app guid');
    const t = d?.app?.process?.type;
    return { appGuid, processType: typeof t === 'string' && t ? t : 'web' };
  });
}

async function add(c: Ctx): Promise<void> {
  const r = byGuid(c);
  addDestinations(c.f, r, parseDestinations(await readJson(c)));
  send(c.res, 200, c.f.present.destinations(r));
}

/** PATCH replaces every destination (used for atomic swaps). */
async function replace(c: Ctx): Promise<void> {
  const r = byGuid(c);
  const wanted = parseDestinations(await readJson(c));
  const before = r.destinations;
  r.destinations = before.filter((d) => wanted.some((w) => w.appGuid === d.app_guid && w.processType === d.process_type));
  try {
    addDestinations(c.f, r, wanted);
  } catch (err) {
    r.destinations = before;
    throw err;
  }
  send(c.res, 200, c.f.present.destinations(r));
}

function removeDestination(c: Ctx): void {
  const r = byGuid(c);
  const kept = r.destinations.filter((d) => d.guid !== c.params.dest);
  if (kept.length === r.destinations.length) throw unprocessable('Unable to unmap route from destination. Ensure the route has a destination with this guid.');
  r.destinations = kept;
  c.f.store.touch(r);
  c.f.routesChanged();
  send(c.res, 204);
}

export const routeRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/routes', handler: list },
  { method: 'POST', path: '/v3/routes', handler: create },
  { method: 'GET', path: '/v3/routes/:guid', handler: (c) => send(c.res, 200, c.f.present.route(byGuid(c))) },
  { method: 'DELETE', path: '/v3/routes/:guid', handler: remove },
  { method: 'GET', path: '/v3/routes/:guid/destinations', handler: (c) => send(c.res, 200, c.f.present.destinations(byGuid(c))) },
  { method: 'POST', path: '/v3/routes/:guid/destinations', handler: add },
  { method: 'PATCH', path: '/v3/routes/:guid/destinations', handler: replace },
  { method: 'DELETE', path: '/v3/routes/:guid/destinations/:dest', handler: removeDestination },
];
