// /v3/app_usage_events (usage.ts records them), and CC's purge-and-reseed
// admin action: the history goes, one STARTED event per running process stays.
import { filterList, notFound, paginate, send, type Ctx, type RouteDef } from '../http';
import type { UsageEventRec } from '../store';
import { recordAppUsage } from '../usage';

function present(c: Ctx, e: UsageEventRec) {
  return { ...e, links: { self: { href: `${c.f.apiUrl}/v3/app_usage_events/${e.guid}` } } };
}

function list(c: Ctx): void {
  // after_guid: the events recorded after that one (a usage reader's cursor).
  const all = c.f.store.list('app_usage_events');
  const after = c.query.get('after_guid');
  const from = after ? all.findIndex((e) => e.guid === after) + 1 : 0;
  const events = filterList(all.slice(from), c.query, { guids: (e) => e.guid });
  send(
    c.res,
    200,
    paginate(c, events, (e) => present(c, e)),
  );
}

function purge(c: Ctx): void {
  for (const e of c.f.store.list('app_usage_events')) c.f.store.remove('app_usage_events', e.guid);
  for (const app of c.f.store.list('apps')) if (app.state === 'STARTED') recordAppUsage(c.f, app, 'STARTED');
  send(c.res, 200, {});
}

export const usageEventRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/app_usage_events', handler: list },
  {
    method: 'GET',
    path: '/v3/app_usage_events/:guid',
    handler: (c) => {
      const e = c.f.store.get('app_usage_events', c.params.guid);
      if (!e) throw notFound('Event');
      send(c.res, 200, present(c, e));
    },
  },
  { method: 'POST', path: '/v3/app_usage_events/actions/destructively_purge_all_and_reseed', handler: purge },
];
