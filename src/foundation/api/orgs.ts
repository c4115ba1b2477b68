// /v3/organizations: the default org `org` and those an admin adds (cf
// create-org, rename-org, delete-org). Each has an org quota (`default`
// unless set). Deleting one is a job that takes its
// spaces, apps, routes, service instances, roles and private domains with it
// (teardown.ts), as CC's OrganizationDelete.
import { recordEvent } from '../events';
import { runJob } from '../jobs';
import { filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { uniquenessError } from '../model';
import { meta, type OrgRec } from '../store';
import { deleteOrg } from '../teardown';

/** CC's name rules for orgs and spaces (presence, string, varchar(255)). */
export function nameOf(body: Record<string, unknown>): string {
  if (typeof body.name !== 'string') throw unprocessable(body.name === undefined ? "Name can't be blank" : 'Name must be a string');
  if (body.name.trim() === '') throw unprocessable("Name can't be blank");
  if (body.name.length > 255) throw unprocessable('Name is too long (maximum is 255 characters)');
  return body.name;
}

export function orgByGuid(c: Ctx): OrgRec {
  const o = c.f.store.get('orgs', c.params.guid);
  if (!o) throw notFound('Organization');
  return o;
}

const orgTarget = (o: OrgRec) => ({ guid: o.guid, type: 'organization' as const, name: o.name });

function defaultQuotaGuid(c: Ctx): string {
  const q = c.f.store.list('org_quotas').find((x) => x.name === 'default');
  if (!q) throw unprocessable('Quota Definition could not be found');
  return q.guid;
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'suspended', 'metadata']);
  const name = nameOf(body);
  if (c.f.store.list('orgs').some((o) => o.name === name)) throw uniquenessError(`Organization '${name}' already exists.`);
  const org = c.f.store.put('orgs', { ...meta(), name, quota_guid: defaultQuotaGuid(c) });
  recordEvent(c.f, 'audit.organization.create', orgTarget(org), null, { request: { name } });
  send(c.res, 201, c.f.present.org(org));
}

async function update(c: Ctx): Promise<void> {
  const org = orgByGuid(c);
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'suspended', 'metadata']);
  if (body.name !== undefined) {
    const name = nameOf(body);
    if (c.f.store.list('orgs').some((o) => o.name === name && o.guid !== org.guid)) throw unprocessable('Name must be unique');
    org.name = name;
  }
  c.f.store.touch(org);
  recordEvent(c.f, 'audit.organization.update', orgTarget(org), null, { request: body });
  send(c.res, 200, c.f.present.org(org));
}

async function remove(c: Ctx): Promise<void> {
  const org = orgByGuid(c);
  await runJob(c, 'organization.delete', () => deleteOrg(c.f, org));
}

function list(c: Ctx): void {
  const orgs = filterList(c.f.store.list('orgs'), c.query, { names: (o) => o.name, guids: (o) => o.guid });
  send(
    c.res,
    200,
    paginate(c, orgs, (o) => c.f.present.org(o), ['created_at', 'updated_at', 'name']),
  );
}

export const orgRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/organizations', handler: list },
  { method: 'POST', path: '/v3/organizations', handler: create },
  { method: 'GET', path: '/v3/organizations/:guid', handler: (c) => send(c.res, 200, c.f.present.org(orgByGuid(c))) },
  { method: 'PATCH', path: '/v3/organizations/:guid', handler: update },
  { method: 'DELETE', path: '/v3/organizations/:guid', handler: remove },
];
