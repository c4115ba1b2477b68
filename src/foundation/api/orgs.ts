// Organizations, spaces and domains: fixed at one org `org`, one space
// `space` and the shared domain `localhost` (read-only for now).
import { filterList, notFound, paginate, send, type Ctx, type RouteDef } from '../http';

function listOrgs(c: Ctx): void {
  const orgs = filterList(c.f.store.list('orgs'), c.query, { names: (o) => o.name, guids: (o) => o.guid });
  send(c.res, 200, paginate(c, orgs, (o) => c.f.present.org(o), ['created_at', 'updated_at', 'name']));
}

function getOrg(c: Ctx): void {
  const o = c.f.store.get('orgs', c.params.guid);
  if (!o) throw notFound('Organization');
  send(c.res, 200, c.f.present.org(o));
}

function listSpaces(c: Ctx): void {
  const spaces = filterList(c.f.store.list('spaces'), c.query, {
    names: (s) => s.name,
    guids: (s) => s.guid,
    organization_guids: (s) => s.org_guid,
  });
  send(c.res, 200, paginate(c, spaces, (s) => c.f.present.space(s), ['created_at', 'updated_at', 'name']));
}

function getSpace(c: Ctx): void {
  const s = c.f.store.get('spaces', c.params.guid);
  if (!s) throw notFound('Space');
  send(c.res, 200, c.f.present.space(s));
}

function listDomains(c: Ctx): void {
  const domains = filterList(c.f.store.list('domains'), c.query, { names: (d) => d.name, guids: (d) => d.guid });
  send(c.res, 200, paginate(c, domains, (d) => c.f.present.domain(d), ['created_at', 'updated_at', 'name']));
}

function getDomain(c: Ctx): void {
  const d = c.f.store.get('domains', c.params.guid);
  if (!d) throw notFound('Domain');
  send(c.res, 200, c.f.present.domain(d));
}

function orgDomains(c: Ctx): void {
  if (!c.f.store.get('orgs', c.params.guid)) throw notFound('Organization');
  listDomains(c);
}

/** The org default domain: the first shared domain (there is only `localhost`). */
export function defaultDomain(c: Ctx) {
  const d = c.f.store.list('domains').sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
  if (!d) throw notFound('Domain');
  return d;
}

function orgDefaultDomain(c: Ctx): void {
  if (!c.f.store.get('orgs', c.params.guid)) throw notFound('Organization');
  send(c.res, 200, c.f.present.domain(defaultDomain(c)));
}

export const orgRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/organizations', handler: listOrgs },
  { method: 'GET', path: '/v3/organizations/:guid', handler: getOrg },
  { method: 'GET', path: '/v3/organizations/:guid/domains', handler: orgDomains },
  { method: 'GET', path: '/v3/organizations/:guid/domains/default', handler: orgDefaultDomain },
  { method: 'GET', path: '/v3/spaces', handler: listSpaces },
  { method: 'GET', path: '/v3/spaces/:guid', handler: getSpace },
  { method: 'GET', path: '/v3/domains', handler: listDomains },
  { method: 'GET', path: '/v3/domains/:guid', handler: getDomain },
];
