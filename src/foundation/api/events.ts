// /v3/audit_events: what `cf events` lists (events.ts records them).
import type { AuditEventRec } from '../store';
import { badQuery, filterList, notFound, paginate, send, type Ctx, type RouteDef } from '../http';

/** `created_ats=T1,T2` or `created_ats[gte]=T` (also gt, lte, lt), as CC's timestamp filters. */
function byTime(c: Ctx, events: AuditEventRec[]): AuditEventRec[] {
  let out = events;
  for (const [key, value] of c.query) {
    const m = /^created_ats(?:\[(gte|gt|lte|lt)\])?$/.exec(key);
    if (!m) continue;
    if (!m[1]) {
      const wanted = new Set(value.split(','));
      out = out.filter((e) => wanted.has(e.created_at));
      continue;
    }
    if (Number.isNaN(Date.parse(value)))
      throw badQuery(`The query parameter is invalid: Created ats has an invalid timestamp format. Timestamps should be formatted as 'YYYY-MM-DDThh:mm:ssZ'`);
    const t = Date.parse(value);
    const op = m[1];
    out = out.filter((e) => {
      const x = Date.parse(e.created_at);
      return op === 'gte' ? x >= t : op === 'gt' ? x > t : op === 'lte' ? x <= t : x < t;
    });
  }
  return out;
}

function present(c: Ctx, e: AuditEventRec) {
  return {
    guid: e.guid,
    created_at: e.created_at,
    updated_at: e.updated_at,
    type: e.type,
    actor: e.actor,
    target: e.target,
    data: e.data,
    space: e.space_guid ? { guid: e.space_guid } : null,
    organization: e.org_guid ? { guid: e.org_guid } : null,
    links: { self: { href: `${c.f.apiUrl}/v3/audit_events/${e.guid}` } },
  };
}

function list(c: Ctx): void {
  const events = filterList(byTime(c, c.f.store.list('audit_events')), c.query, {
    types: (e) => e.type,
    target_guids: (e) => e.target.guid,
    space_guids: (e) => e.space_guid,
    organization_guids: (e) => e.org_guid,
  });
  send(
    c.res,
    200,
    paginate(c, events, (e) => present(c, e)),
  );
}

function get(c: Ctx): void {
  const e = c.f.store.get('audit_events', c.params.guid);
  if (!e) throw notFound('Event');
  send(c.res, 200, present(c, e));
}

export const eventRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/audit_events', handler: list },
  { method: 'GET', path: '/v3/audit_events/:guid', handler: get },
];
