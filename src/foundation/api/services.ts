// /v3/service_instances and /v3/service_credential_bindings. User-provided
// operations are synchronous in CC: 201/200/204, no job; managed ones go to
// their broker as jobs (managed-instances.ts, managed-bindings.ts).
import type { Foundation } from '../context';
import {
  ApiError,
  emptyList,
  isObj,
  filterList,
  includes,
  notFound,
  paginate,
  readJson,
  rejectUnknown,
  relGuid,
  send,
  unprocessable,
  type Ctx,
  type RouteDef,
} from '../http';
import { fetch as brokerFetch, planParts } from '../osbapi/calls';
import { bindApp, deleteServiceInstance, nameTaken } from '../services';
import { meta, now, type ServiceInstanceRec, type UserProvidedInstanceRec } from '../store';
import { createManagedBinding, deleteManagedBinding, managedDetails } from './managed-bindings';
import { createManaged, deleteManaged, updateManaged } from './managed-instances';
import { instanceIncluded } from './service-instance-fields';

const UPSI_CREATE_KEYS = ['type', 'name', 'relationships', 'credentials', 'syslog_drain_url', 'route_service_url', 'tags', 'metadata'];
const UPSI_UPDATE_KEYS = ['name', 'credentials', 'syslog_drain_url', 'route_service_url', 'tags', 'metadata'];
const BINDING_CREATE_KEYS = ['type', 'name', 'relationships', 'parameters', 'metadata'];

function instance(c: Ctx): ServiceInstanceRec {
  const si = c.f.store.get('service_instances', c.params.guid);
  if (!si) throw notFound('Service instance');
  return si;
}

/** The user-provided fields shared by create and update; every problem at once, as CC's message validation does. */
function upsiFields(body: Record<string, any>, errs: string[]): Partial<UserProvidedInstanceRec> {
  const out: Partial<UserProvidedInstanceRec> = {};
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
  if (body.type === 'managed') return createManaged(c, body);
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
  if (si.type === 'managed') return updateManaged(c, si, body);
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
async function deleteInstance(c: Ctx): Promise<void> {
  const si = instance(c);
  if (si.type === 'managed') return deleteManaged(c, si);
  deleteServiceInstance(c.f, si);
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
  const page = paginate(c, list, (s) => c.f.present.serviceInstance(s), ['created_at', 'updated_at', 'name']) as { resources: { guid: string }[] };
  const included = instanceIncluded(
    c,
    page.resources.map((r) => c.f.store.get('service_instances', r.guid)!),
  );
  send(c.res, 200, included ? { ...page, included } : page);
}

function showInstance(c: Ctx): void {
  const si = instance(c);
  const included = instanceIncluded(c, [si]);
  send(c.res, 200, included ? { ...c.f.present.serviceInstance(si), included } : c.f.present.serviceInstance(si));
}

/** Only user-provided instances have credentials of their own (CC answers 404 for managed ones). */
function credentials(c: Ctx): void {
  const si = instance(c);
  if (si.type !== 'user-provided') throw notFound('Service instance');
  send(c.res, 200, si.credentials);
}

/** Managed: asked of the broker when its offering says instances are retrievable (CC's ServiceFetchInstanceParametersNotSupported otherwise). */
async function instanceParameters(c: Ctx): Promise<void> {
  const si = instance(c);
  const p = si.type === 'managed' ? planParts(c.f, si.service_plan_guid) : undefined;
  if (!p?.offering.broker_catalog.features.instances_retrievable)
    throw new ApiError(400, 120004, 'CF-ServiceFetchInstanceParametersNotSupported', 'This service does not support fetching service instance parameters.');
  const got = await brokerFetch(p, si, null);
  send(c.res, 200, got.parameters && typeof got.parameters === 'object' ? got.parameters : {});
}

// --- bindings --------------------------------------------------------------

async function createBinding(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, BINDING_CREATE_KEYS);
  if (body.type !== 'app' && body.type !== 'key') throw unprocessable("Type must be 'app' or 'key'");
  if (body.name !== undefined && body.name !== null && typeof body.name !== 'string') throw unprocessable('Name must be a string');
  const siGuid = relGuid(body.relationships?.service_instance);
  const si = c.f.store.get('service_instances', siGuid);
  if (!si) throw unprocessable(`The service instance could not be found: '${siGuid ?? ''}'.`);
  if (body.type === 'key' && si.type !== 'managed')
    throw unprocessable("Service credential bindings of type 'key' are not supported for user-provided service instances.");
  const appGuid = relGuid(body.relationships?.app);
  const app = body.type === 'app' ? c.f.store.get('apps', appGuid) : undefined;
  if (body.type === 'app' && !app) throw unprocessable(`The app could not be found: '${appGuid ?? ''}'.`);
  if (app && app.space_guid !== si.space_guid) throw unprocessable('The service instance and the app are in different spaces');
  if (si.type === 'managed') return createManagedBinding(c, si, app, (body.name as string | undefined) ?? null, body.parameters);
  const b = bindApp(c.f, app!, si, (body.name as string | undefined) ?? null);
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
  if (si?.type === 'managed') return send(c.res, 200, managedDetails(b));
  send(c.res, 200, { credentials: si?.credentials ?? {}, syslog_drain_url: si?.syslog_drain_url ?? null, volume_mounts: [] });
}

async function bindingParameters(c: Ctx): Promise<void> {
  const b = binding(c);
  const si = c.f.store.get('service_instances', b.service_instance_guid);
  const p = si?.type === 'managed' ? planParts(c.f, si.service_plan_guid) : undefined;
  if (!p?.offering.broker_catalog.features.bindings_retrievable)
    throw new ApiError(400, 90007, 'CF-ServiceFetchBindingParametersNotSupported', 'This service does not support fetching service binding parameters.');
  const got = await brokerFetch(p, si!, b);
  send(c.res, 200, got.parameters && typeof got.parameters === 'object' ? got.parameters : {});
}

async function deleteBinding(c: Ctx): Promise<void> {
  const b = binding(c);
  const si = c.f.store.get('service_instances', b.service_instance_guid);
  if (si?.type === 'managed') return deleteManagedBinding(c, si, b);
  c.f.store.remove('service_bindings', b.guid);
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
    resources: { relationships: { app?: { data: { guid: string } }; service_instance: { data: { guid: string } } } }[];
  };
  const inc = includes(c, ['app', 'service_instance']);
  const included: Record<string, unknown[]> = {};
  const uniq = (guids: string[]) => [...new Set(guids)];
  if (inc.has('app'))
    included.apps = uniq(page.resources.flatMap((b) => (b.relationships.app ? [b.relationships.app.data.guid] : []))).flatMap((g) => {
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
  { method: 'GET', path: '/v3/service_route_bindings', handler: (c) => emptyList(c, ['service_instance', 'route']) },
  { method: 'GET', path: '/v3/service_instances/:guid/parameters', handler: instanceParameters },
  // Sharing is off on the local foundation (feature flag service_instance_sharing): no instance is shared.
  {
    method: 'GET',
    path: '/v3/service_instances/:guid/relationships/shared_spaces',
    handler: (c) =>
      send(c.res, 200, { data: [], links: { self: { href: `${c.f.apiUrl}/v3/service_instances/${instance(c).guid}/relationships/shared_spaces` } } }),
  },
  { method: 'GET', path: '/v3/service_instances', handler: listInstances },
  { method: 'POST', path: '/v3/service_instances', handler: createInstance },
  { method: 'GET', path: '/v3/service_instances/:guid', handler: showInstance },
  { method: 'PATCH', path: '/v3/service_instances/:guid', handler: updateInstance },
  { method: 'DELETE', path: '/v3/service_instances/:guid', handler: deleteInstance },
  { method: 'GET', path: '/v3/service_instances/:guid/credentials', handler: credentials },
  { method: 'GET', path: '/v3/service_credential_bindings', handler: listBindings },
  { method: 'POST', path: '/v3/service_credential_bindings', handler: createBinding },
  { method: 'GET', path: '/v3/service_credential_bindings/:guid', handler: (c) => send(c.res, 200, c.f.present.serviceBinding(binding(c))) },
  { method: 'GET', path: '/v3/service_credential_bindings/:guid/details', handler: bindingDetails },
  { method: 'GET', path: '/v3/service_credential_bindings/:guid/parameters', handler: bindingParameters },
  { method: 'DELETE', path: '/v3/service_credential_bindings/:guid', handler: deleteBinding },
];
