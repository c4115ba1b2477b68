// /v3/service_instances (type user-provided) and /v3/service_credential_bindings
// (type app). User-provided operations are synchronous in CC: 201/200/204, no job.
import type { Foundation } from '../context';
import { emptyList, filterList, includes, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { bindApp, deleteServiceInstance, nameTaken } from '../services';
import { meta, now, type ServiceInstanceRec } from '../store';

const UPSI_CREATE_KEYS = ['type', 'name', 'relationships', 'credentials', 'syslog_drain_url', 'route_service_url', 'tags', 'metadata'];
const UPSI_UPDATE_KEYS = ['name', 'credentials', 'syslog_drain_url', 'route_service_url', 'tags', 'metadata'];
const BINDING_CREATE_KEYS = ['type', 'name', 'relationships', 'parameters', 'metadata'];

function instance(c: Ctx): ServiceInstanceRec {
  const si = c.f.store.get('service_instances', c.params.guid);
  if (!si) throw notFound('Service instance');
  return si;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The user-provided fields shared by create and update; every problem at once, as CC's message validation does. */
function upsiFields(body: Record<string, any>, errs: string[]): Partial<ServiceInstanceRec> {
  const out: Partial<ServiceInstanceRec> = {};
  if (body.name !== undefined) {
    if (typeof body.name !== 'string') errs.push('Name must be a string');
    else if (body.name.trim() === '') errs.push("Name can't be blank");
    else if (body.name.length > 255) errs.push('Name is too long (maximum is 255 characters)');
    else out.name = body.name;
  }
  if (body.credentials !== undefined) {
    if (!isObj(body.credentials)) errs.push('Credentials must be an object');
    else out.credentials = body.credentials;
  }
  for (const [key, label, https] of [
    ['syslog_drain_url', 'Syslog drain url', false],
    ['route_service_url', 'Route service url', true],
  ] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (v === null) {
      out[key] = null;
      continue;
    }
    let url: URL | undefined;
    try {
      url = typeof v === 'string' ? new URL(v) : undefined;
    } catch {
      url = undefined;
    }
    if (!url) errs.push(`${label} must be a valid url`);
    else if (https && url.protocol !== 'https:') errs.push(`${label} must be https`);
    else out[key] = v as string;
  }
  if (body.tags !== undefined) {
    if (!Array.isArray(body.tags) || body.tags.some((t: unknown) => typeof t !== 'string')) errs.push('Tags must be a list of strings');
    else out.tags = body.tags as string[];
  }
  return out;
}

function failIf(errs: string[]): void {
  if (errs.length) throw unprocessable(errs.join(', '));
}

async function createInstance(c: Ctx): Promise<void> {
  const body = await readJson(c);
  if (body.type === 'managed') {
    throw unprocessable('Invalid service plan. Ensure that the service plan exists, is available, and you have access to it.');
  }
  if (body.type !== 'user-provided') throw unprocessable("Type must be one of 'managed', 'user-provided'");
  rejectUnknown(body, UPSI_CREATE_KEYS);
  const errs: string[] = [];
  if (body.name === undefined) errs.push("Name can't be blank");
  const fields = upsiFields(body, errs);
  const spaceGuid = relGuid(body.relationships?.space);
  if (!spaceGuid) errs.push("Relationships Space can't be blank");
  failIf(errs);
  if (!c.f.store.get('spaces', spaceGuid)) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.');
  if (c.f.store.list('service_instances').some((s) => s.space_guid === spaceGuid && s.name === fields.name)) throw nameTaken(fields.name!);
  const m = meta();
  const si = c.f.store.put('service_instances', {
    ...m,
    name: fields.name!,
    space_guid: spaceGuid!,
    type: 'user-provided',
    credentials: fields.credentials ?? {},
    syslog_drain_url: fields.syslog_drain_url ?? null,
    route_service_url: fields.route_service_url ?? null,
    tags: fields.tags ?? [],
    last_operation: { type: 'create', created_at: m.created_at, updated_at: m.updated_at },
  });
  send(c.res, 201, c.f.present.serviceInstance(si));
}

async function updateInstance(c: Ctx): Promise<void> {
  const si = instance(c);
  const body = await readJson(c);
  rejectUnknown(body, UPSI_UPDATE_KEYS);
  const errs: string[] = [];
  const fields = upsiFields(body, errs);
  failIf(errs);
  if (fields.name && fields.name !== si.name && c.f.store.list('service_instances').some((s) => s.space_guid === si.space_guid && s.name === fields.name)) {
    throw nameTaken(fields.name);
  }
  Object.assign(si, fields);
  const t = now();
  si.last_operation = { type: 'update', created_at: t, updated_at: t };
  c.f.store.touch(si);
  send(c.res, 200, c.f.present.serviceInstance(si));
}

/** User-provided: deleted at once (204), its bindings with it. */
function deleteInstance(c: Ctx): void {
  deleteServiceInstance(c.f, instance(c));
  send(c.res, 204);
}

function listInstances(c: Ctx): void {
  const spaces = c.f.store.state.spaces;
  const list = filterList(c.f.store.list('service_instances'), c.query, {
    names: (s) => s.name,
    guids: (s) => s.guid,
    space_guids: (s) => s.space_guid,
    organization_guids: (s) => spaces[s.space_guid]?.org_guid,
    type: (s) => s.type,
  });
  send(
    c.res,
    200,
    paginate(c, list, (s) => c.f.present.serviceInstance(s), ['created_at', 'updated_at', 'name']),
  );
}

function credentials(c: Ctx): void {
  send(c.res, 200, instance(c).credentials);
}

// --- bindings --------------------------------------------------------------

async function createBinding(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, BINDING_CREATE_KEYS);
  if (body.type !== 'app' && body.type !== 'key') throw unprocessable("Type must be 'app' or 'key'");
  if (body.type === 'key') throw unprocessable('Service credential bindings of type key need a managed service instance');
  if (body.name !== undefined && body.name !== null && typeof body.name !== 'string') throw unprocessable('Name must be a string');
  const siGuid = relGuid(body.relationships?.service_instance);
  const si = c.f.store.get('service_instances', siGuid);
  if (!si) throw unprocessable(`The service instance could not be found: '${siGuid ?? ''}'.`);
  const appGuid = relGuid(body.relationships?.app);
  const app = c.f.store.get('apps', appGuid);
  if (!app) throw unprocessable(`The app could not be found: '${appGuid ?? ''}'.`);
  const b = bindApp(c.f, app, si, (body.name as string | undefined) ?? null);
  send(c.res, 201, c.f.present.serviceBinding(b));
}

function binding(c: Ctx) {
  const b = c.f.store.get('service_bindings', c.params.guid);
  if (!b) throw notFound('Service credential binding');
  return b;
}

function bindingDetails(c: Ctx): void {
  const b = binding(c);
  const si = c.f.store.get('service_instances', b.service_instance_guid);
  send(c.res, 200, { credentials: si?.credentials ?? {}, syslog_drain_url: si?.syslog_drain_url ?? null, volume_mounts: [] });
}

function deleteBinding(c: Ctx): void {
  c.f.store.remove('service_bindings', binding(c).guid);
  send(c.res, 204);
}

function listBindings(c: Ctx): void {
  const f: Foundation = c.f;
  const list = filterList(f.store.list('service_bindings'), c.query, {
    guids: (b) => b.guid,
    names: (b) => b.name,
    type: (b) => b.type,
    app_guids: (b) => b.app_guid,
    app_names: (b) => f.store.get('apps', b.app_guid)?.name,
    service_instance_guids: (b) => b.service_instance_guid,
    service_instance_names: (b) => f.store.get('service_instances', b.service_instance_guid)?.name,
  });
  const page = paginate(c, list, (b) => f.present.serviceBinding(b), ['created_at', 'updated_at', 'name']) as {
    resources: { relationships: { app: { data: { guid: string } }; service_instance: { data: { guid: string } } } }[];
  };
  const inc = includes(c, ['app', 'service_instance']);
  const included: Record<string, unknown[]> = {};
  const uniq = (guids: string[]) => [...new Set(guids)];
  if (inc.has('app'))
    included.apps = uniq(page.resources.map((b) => b.relationships.app.data.guid)).flatMap((g) => {
      const a = f.store.get('apps', g);
      return a ? [f.present.app(a)] : [];
    });
  if (inc.has('service_instance')) {
    included.service_instances = uniq(page.resources.map((b) => b.relationships.service_instance.data.guid)).flatMap((g) => {
      const s = f.store.get('service_instances', g);
      return s ? [f.present.serviceInstance(s)] : [];
    });
  }
  send(c.res, 200, inc.size ? { ...page, included } : page);
}

export const serviceRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/service_plans', handler: (c) => emptyList(c, ['service_offering', 'space.organization']) },
  {
    method: 'GET',
    path: '/v3/service_plans/:guid',
    handler: () => {
      throw notFound('Service plan');
    },
  },
  { method: 'GET', path: '/v3/service_offerings', handler: (c) => emptyList(c) },
  {
    method: 'GET',
    path: '/v3/service_offerings/:guid',
    handler: () => {
      throw notFound('Service offering');
    },
  },
  { method: 'GET', path: '/v3/service_brokers', handler: (c) => emptyList(c) },
  { method: 'GET', path: '/v3/service_route_bindings', handler: (c) => emptyList(c, ['service_instance', 'route']) },
  {
    method: 'GET',
    path: '/v3/service_instances/:guid/parameters',
    handler: (c) => {
      instance(c);
      throw unprocessable('This service does not support fetching service instance parameters.');
    },
  },
  { method: 'GET', path: '/v3/service_instances', handler: listInstances },
  { method: 'POST', path: '/v3/service_instances', handler: createInstance },
  { method: 'GET', path: '/v3/service_instances/:guid', handler: (c) => send(c.res, 200, c.f.present.serviceInstance(instance(c))) },
  { method: 'PATCH', path: '/v3/service_instances/:guid', handler: updateInstance },
  { method: 'DELETE', path: '/v3/service_instances/:guid', handler: deleteInstance },
  { method: 'GET', path: '/v3/service_instances/:guid/credentials', handler: credentials },
  { method: 'GET', path: '/v3/service_credential_bindings', handler: listBindings },
  { method: 'POST', path: '/v3/service_credential_bindings', handler: createBinding },
  { method: 'GET', path: '/v3/service_credential_bindings/:guid', handler: (c) => send(c.res, 200, c.f.present.serviceBinding(binding(c))) },
  { method: 'GET', path: '/v3/service_credential_bindings/:guid/details', handler: bindingDetails },
  { method: 'DELETE', path: '/v3/service_credential_bindings/:guid', handler: deleteBinding },
];
