// /v3/spaces: the default space `space` and those added with cf
// create-space; renamed with PATCH, deleted by a job that takes the space's
// service instances, apps, routes and roles with it (CC's SpaceDelete,
// teardown.ts).
import { recordEvent } from '../events';
import { runJob } from '../jobs';
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { uniquenessError } from '../model';
import { meta, type SpaceRec } from '../store';
import { deleteSpace } from '../teardown';
import { nameOf } from './orgs';

export function spaceByGuid(c: Ctx): SpaceRec {
  const s = c.f.store.get('spaces', c.params.guid);
  if (!s) throw notFound('Space');
  return s;
}

/** CC's SpaceCreate/SpaceUpdate: names are unique per org ("Name must be unique per organization", what the cf CLI matches). */
function taken(c: Ctx, orgGuid: string, name: string, self?: SpaceRec): boolean {
  return c.f.store.list('spaces').some((s) => s.org_guid === orgGuid && s.name === name && s !== self);
}

const spaceTarget = (s: SpaceRec) => ({ guid: s.guid, type: 'space' as const, name: s.name });

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'relationships', 'metadata']);
  const name = nameOf(body);
  const orgGuid = relGuid(body.relationships?.organization);
  if (!orgGuid || !c.f.store.get('orgs', orgGuid)) throw unprocessable('Invalid organization. Ensure the organization exists and you have access to it.');
  if (taken(c, orgGuid, name)) throw uniquenessError('Name must be unique per organization');
  const space = c.f.store.put('spaces', { ...meta(), name, org_guid: orgGuid });
  recordEvent(c.f, 'audit.space.create', spaceTarget(space), space.guid, { request: { name, organization_guid: orgGuid } });
  send(c.res, 201, c.f.present.space(space));
}

async function update(c: Ctx): Promise<void> {
  const space = spaceByGuid(c);
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'metadata']);
  if (body.name !== undefined) {
    const name = nameOf(body);
    if (taken(c, space.org_guid, name, space)) throw uniquenessError('Name must be unique per organization');
    space.name = name;
  }
  c.f.store.touch(space);
  recordEvent(c.f, 'audit.space.update', spaceTarget(space), space.guid, { request: body });
  send(c.res, 200, c.f.present.space(space));
}

async function remove(c: Ctx): Promise<void> {
  const space = spaceByGuid(c);
  await runJob(c, 'space.delete', () => deleteSpace(c.f, space));
}

function list(c: Ctx): void {
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

export const spaceRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/spaces', handler: list },
  { method: 'POST', path: '/v3/spaces', handler: create },
  { method: 'GET', path: '/v3/spaces/:guid', handler: (c) => send(c.res, 200, c.f.present.space(spaceByGuid(c))) },
  { method: 'PATCH', path: '/v3/spaces/:guid', handler: update },
  { method: 'DELETE', path: '/v3/spaces/:guid', handler: remove },
];
