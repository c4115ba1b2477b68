// User-provided service instances and their app bindings: what an app sees as
// VCAP_SERVICES (cf-reference.md §4.3; CC `ServiceBindingPresenter`), and the
// create/bind operations that the API and apply_manifest (`services:`) share.
import type { Foundation } from './context';
import { ApiError, unprocessable } from './http';
import { meta, type AppRec, type ServiceBindingRec, type ServiceInstanceRec } from './store';

export type VcapServices = Record<string, Record<string, unknown>[]>;

/** VCAP_SERVICES for an app: every binding under its label (`user-provided` here), CC's entry shape. */
export function vcapServices(f: Foundation, appGuid: string): VcapServices {
  const out: VcapServices = {};
  const bindings = f.store
    .list('service_bindings')
    .filter((b) => b.app_guid === appGuid)
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const b of bindings) {
    const si = f.store.get('service_instances', b.service_instance_guid);
    if (!si) continue;
    (out[si.type] ??= []).push({
      label: si.type,
      name: b.name ?? si.name,
      tags: si.tags,
      instance_guid: si.guid,
      instance_name: si.name,
      binding_guid: b.guid,
      binding_name: b.name,
      credentials: si.credentials,
      syslog_drain_url: si.syslog_drain_url,
      volume_mounts: [],
    });
  }
  return out;
}

/** CC ServiceInstanceNameTaken (60002). */
export function nameTaken(name: string): ApiError {
  return new ApiError(422, 60002, 'CF-ServiceInstanceNameTaken', `The service instance name is taken: ${name}.`);
}

export function bindApp(f: Foundation, app: AppRec, si: ServiceInstanceRec, name: string | null = null): ServiceBindingRec {
  if (si.space_guid !== app.space_guid) throw unprocessable('The service instance and the app are in different spaces.');
  if (f.store.list('service_bindings').some((b) => b.app_guid === app.guid && b.service_instance_guid === si.guid)) {
    throw new ApiError(422, 90003, 'CF-ServiceBindingAppServiceTaken', 'The app is already bound to the service instance.');
  }
  if (name !== null && f.store.list('service_bindings').some((b) => b.app_guid === app.guid && b.name === name)) {
    throw unprocessable(`The binding name is invalid. App binding names must be unique. The app already has a binding with name '${name}'.`);
  }
  return f.store.put('service_bindings', { ...meta(), name, type: 'app', app_guid: app.guid, service_instance_guid: si.guid });
}

/** Manifest `services: [name]`: binds each instance found by name in the app's space (already bound = fine). */
export function bindByNames(f: Foundation, app: AppRec, names: string[]): void {
  for (const name of names) {
    const si = f.store.list('service_instances').find((s) => s.space_guid === app.space_guid && s.name === name);
    if (!si) throw unprocessable(`Service instance '${name}' not found`);
    if (f.store.list('service_bindings').some((b) => b.app_guid === app.guid && b.service_instance_guid === si.guid)) continue;
    bindApp(f, app, si);
  }
}

/** A user-provided instance goes at once, its bindings with it (CC's V3::ServiceInstanceDelete). */
export function deleteServiceInstance(f: Foundation, si: ServiceInstanceRec): void {
  for (const b of f.store.list('service_bindings')) if (b.service_instance_guid === si.guid) f.store.remove('service_bindings', b.guid);
  f.store.remove('service_instances', si.guid);
}

export function removeAppBindings(f: Foundation, appGuid: string): void {
  for (const b of f.store.list('service_bindings')) if (b.app_guid === appGuid) f.store.remove('service_bindings', b.guid);
}
