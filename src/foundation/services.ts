// Service instances and their app bindings: what an app sees as
// VCAP_SERVICES (cf-reference.md §4.3; CC's ServiceBindingPresenter and
// ServiceInstancePresenter), and the bind / delete steps that the API,
// apply_manifest (`services:`), app and space deletion share.
import type { Foundation } from './context';
import { ApiError, unprocessable } from './http';
import { planParts, deprovision, unbind } from './osbapi/calls';
import { meta, ordinal, type AppRec, type JobRec, type ManagedInstanceRec, type ServiceBindingRec, type ServiceInstanceRec } from './store';

export type VcapServices = Record<string, Record<string, unknown>[]>;

/**
 * VCAP_SERVICES for an app: each binding that was made (a managed one only
 * once its broker said so) under its label: `user-provided`, or the
 * offering's name with its plan and the offering's tags before the
 * instance's own.
 */
export function vcapServices(f: Foundation, appGuid: string): VcapServices {
  const out: VcapServices = {};
  const bindings = f.store
    .list('service_bindings')
    .filter((b) => b.app_guid === appGuid)
    .sort((a, b) => ordinal(a.created_at, b.created_at));
  for (const b of bindings) {
    const si = f.store.get('service_instances', b.service_instance_guid);
    if (!si) continue;
    const names = { instance_guid: si.guid, instance_name: si.name, binding_guid: b.guid, binding_name: b.name };
    if (si.type === 'user-provided') {
      (out[si.type] ??= []).push({
        label: si.type,
        name: b.name ?? si.name,
        tags: si.tags,
        ...names,
        credentials: si.credentials,
        syslog_drain_url: si.syslog_drain_url,
        volume_mounts: [],
      });
      continue;
    }
    if (b.last_operation && !(b.last_operation.type === 'create' && b.last_operation.state === 'succeeded')) continue;
    const plan = f.store.get('service_plans', si.service_plan_guid);
    const offering = f.store.get('service_offerings', plan?.service_offering_guid);
    const label = offering?.name ?? 'unknown';
    (out[label] ??= []).push({
      label,
      provider: null,
      plan: plan?.name ?? null,
      name: b.name ?? si.name,
      tags: [...(offering?.tags ?? []), ...si.tags],
      ...names,
      credentials: b.credentials ?? {},
      syslog_drain_url: b.syslog_drain_url ?? null,
      volume_mounts: b.volume_mounts ?? [],
    });
  }
  return out;
}

/** CC ServiceInstanceNameTaken (60002). */
export function nameTaken(name: string): ApiError {
  return new ApiError(422, 60002, 'CF-ServiceInstanceNameTaken', `The service instance name is taken: ${name}.`);
}

/** A user-provided instance's binding: made at once (201). */
export function bindApp(f: Foundation, app: AppRec, si: ServiceInstanceRec, name: string | null = null): ServiceBindingRec {
  if (f.store.list('service_bindings').some((b) => b.app_guid === app.guid && b.service_instance_guid === si.guid)) {
    // CC v3 (ServiceCredentialBindingAppCreate#already_bound!): an UnprocessableEntity, not v2's ServiceBindingAppServiceTaken.
    throw new ApiError(422, 10008, 'CF-UnprocessableEntity', 'The app is already bound to the service instance');
  }
  if (name !== null && f.store.list('service_bindings').some((b) => b.app_guid === app.guid && b.name === name)) {
    throw unprocessable(`The binding name is invalid. App binding names must be unique. The app already has a binding with name '${name}'.`);
  }
  return f.store.put('service_bindings', { ...meta(), name, type: 'app', app_guid: app.guid, service_instance_guid: si.guid });
}

/**
 * Manifest `services: [name]`: binds each instance found by name in the
 * app's space (already bound = fine). A managed instance is bound by its
 * broker inside the apply_manifest job, as CC's manifest-triggered binding
 * is; a failed one fails the job with the broker's error.
 */
export async function bindByNames(f: Foundation, app: AppRec, names: string[], job: JobRec | null = null): Promise<void> {
  for (const name of names) {
    const si = f.store.list('service_instances').find((s) => s.space_guid === app.space_guid && s.name === name);
    if (!si) throw unprocessable(`Service instance '${name}' not found`);
    const existing = f.store.list('service_bindings').find((b) => b.app_guid === app.guid && b.service_instance_guid === si.guid);
    if (existing && existing.last_operation?.state !== 'failed') continue;
    if (si.type === 'user-provided') {
      bindApp(f, app, si);
      continue;
    }
    if (si.last_operation.state !== 'succeeded' && si.last_operation.type === 'create')
      throw unprocessable(`Service instance '${name}' is not ready: its create is ${si.last_operation.state}.`);
    if (existing) f.store.remove('service_bindings', existing.guid);
    const m = meta();
    const b = f.store.put('service_bindings', {
      ...m,
      name: null,
      type: 'app',
      app_guid: app.guid,
      service_instance_guid: si.guid,
      last_operation: { type: 'create', state: 'initial', description: '', created_at: m.created_at, updated_at: m.updated_at },
    });
    await f.services.bind(job, si, b, undefined);
  }
}

/** An instance going with its space: a managed one is unbound and deprovisioned at its broker in the background. */
export function deleteServiceInstance(f: Foundation, si: ServiceInstanceRec): void {
  for (const b of f.store.list('service_bindings')) if (b.service_instance_guid === si.guid) removeBinding(f, b, si);
  if (si.type === 'managed') {
    const p = safeParts(f, si);
    if (p) f.services.cleanUp(p, () => deprovision(p, si), `service instance ${si.name}`);
  }
  f.store.remove('service_instances', si.guid);
}

/** An app's bindings go with it; a managed one is unbound at its broker in the background. */
export function removeAppBindings(f: Foundation, appGuid: string): void {
  for (const b of f.store.list('service_bindings')) if (b.app_guid === appGuid) removeBinding(f, b, f.store.get('service_instances', b.service_instance_guid));
}

function removeBinding(f: Foundation, b: ServiceBindingRec, si: ServiceInstanceRec | undefined): void {
  if (si?.type === 'managed') {
    const p = safeParts(f, si);
    if (p) f.services.cleanUp(p, () => unbind(p, si, b), `binding ${b.guid}`);
  }
  f.store.remove('service_bindings', b.guid);
}

function safeParts(f: Foundation, si: ManagedInstanceRec) {
  try {
    return planParts(f, si.service_plan_guid);
  } catch {
    return undefined;
  }
}
