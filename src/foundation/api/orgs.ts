// Organizations, spaces and domains: fixed at one org `org`, one space
// `space` and the shared domain `localhost` (read-only for now).
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { uniquenessError } from '../model';
import { meta } from '../store';

function nameOf(body: Record<string, unknown>): string {
  if (typeof body.name !== 'string') throw unprocessable(body.name === undefined ? "Name can't be blank" : 'Name must be a string');
  if (body.name.trim() === '') throw unprocessable("Name can't be blank");
  if (body.name.length > 255) throw unprocessable('Name is too long (maximum is 255 characters)');
  return body.name;
}

async function createOrg(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'suspended', 'metadata']);
  const name = nameOf(body);
  if (c.f.store.list('orgs').some((o) => o.name === name)) throw uniquenessError(`Organization '${name}' already exists.`);
  send(c.res, 201, c.f.present.org(c.f.store.put('orgs', { ...meta(), name })));
}

async function createSpace(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'relationships', 'metadata']);
  const name = nameOf(body);
  const orgGuid = relGuid(body.relationships?.organization);
  if (!orgGuid || !c.f.store.get('orgs', orgGuid)) throw unprocessable('Invalid organization. Ensure the organization exists and you have access to it.');
  if (c.f.store.list('spaces').some((s) => s.org_guid === orgGuid && s.name === name)) throw uniquenessError(`Space '${name}' already exists.`);
  send(c.res, 201, c.f.present.space(c.f.store.put('spaces', { ...meta(), name, org_guid: orgGuid })));
}

function listOrgs(c: Ctx): void {
  const orgs = filterList(c.f.store.list('orgs'), c.query, { names: (o) => o.name, guids: (o) => o.guid });
  send(
    c.res,
    200,
    paginate(c, orgs, (o) => c.f.present.org(o), ['created_at', 'updated_at', 'name']),
  );
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
  send(
    c.res,
    200,
    paginate(c, spaces, (s) => c.f.present.space(s), ['created_at', 'updated_at', 'name']),
  );
}

function getSpace(c: Ctx): void {
  const s = c.f.store.get('spaces', c.params.guid);
  if (!s) throw notFound('Space');
  send(c.res, 200, c.f.present.space(s));
}

function listDomains(c: Ctx): void {
  const domains = filterList(c.f.store.list('domains'), c.query, { names: (d) => d.name, guids: (d) => d.guid });
  send(
    c.res,
    200,
    paginate(c, domains, (d) => c.f.present.domain(d), ['created_at', 'updated_at', 'name']),
  );
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
  { method: 'POST', path: '/v3/organizations', handler: createOrg },
  { method: 'POST', path: '/v3/spaces', handler: createSpace },
  { method: 'GET', path: '/v3/organizations/:guid', handler: getOrg },
  { method: 'GET', path: '/v3/organizations/:guid/domains', handler: orgDomains },
  { method: 'GET', path: '/v3/organizations/:guid/domains/default', handler: orgDefaultDomain },
  { method: 'GET', path: '/v3/spaces', handler: listSpaces },
  { method: 'GET', path: '/v3/spaces/:guid', handler: getSpace },
  { method: 'GET', path: '/v3/domains', handler: listDomains },
  { method: 'GET', path: '/v3/domains/:guid', handler: getDomain },
];
