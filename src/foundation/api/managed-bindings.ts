// Credential bindings of managed instances: app bindings and service keys,
// made and removed by the broker as jobs (service-operations.ts), after
// CC's checks (ServiceCredentialBindingAppCreate / KeyCreate).
import { runJob } from '../jobs';
import { ApiError, isObj, notFound, unprocessable, type Ctx } from '../http';
import { meta, type AppRec, type ManagedInstanceRec, type ServiceBindingRec } from '../store';
import { operationInProgress } from './managed-instances';

export async function createManagedBinding(c: Ctx, si: ManagedInstanceRec, app: AppRec | undefined, name: string | null, parameters: unknown): Promise<void> {
  if (parameters !== undefined && !isObj(parameters)) throw unprocessable('Parameters must be an object');
  if (si.last_operation.state === 'in progress') throw operationInProgress();
  if (si.last_operation.type === 'create' && si.last_operation.state !== 'succeeded') throw notFound('Service instance');
  const offering = c.f.store.get('service_offerings', c.f.store.get('service_plans', si.service_plan_guid)?.service_offering_guid);
  const plan = c.f.store.get('service_plans', si.service_plan_guid);
  if (plan?.broker_catalog.features.bindable === false || offering?.broker_catalog.features.bindable === false)
    throw unprocessable('Service plan does not allow bindings.');
  const bindings = c.f.store.list('service_bindings').filter((b) => b.service_instance_guid === si.guid);
  if (app) {
    const same = bindings.find((b) => b.app_guid === app.guid);
    // A binding whose create failed is replaced (CC's precursor), any other stands.
    if (same && same.last_operation?.state === 'failed' && same.last_operation.type === 'create') c.f.store.remove('service_bindings', same.guid);
    else if (same) throw new ApiError(422, 10008, 'CF-UnprocessableEntity', 'The app is already bound to the service instance');
    if (name !== null && c.f.store.list('service_bindings').some((b) => b.app_guid === app.guid && b.name === name))
      throw unprocessable(
        `The binding name is invalid. Binding names must be unique for a given service instance and app. The app already has a binding with name '${name}'.`,
      );
  } else {
    if (!name) throw unprocessable("Name can't be blank");
    if (bindings.some((b) => b.type === 'key' && b.name === name))
      throw unprocessable(`The binding name is invalid. Key binding names must be unique. The service instance already has a key binding with name '${name}'.`);
  }
  const m = meta();
  const b = c.f.store.put('service_bindings', {
    ...m,
    name,
    type: app ? 'app' : 'key',
    app_guid: app?.guid ?? null,
    service_instance_guid: si.guid,
    last_operation: { type: 'create', state: 'initial', description: '', created_at: m.created_at, updated_at: m.updated_at },
  });
  await runJob(c, 'service_bindings.create', (job) => c.f.services.bind(job, si, b, parameters), `service_credential_bindings/${b.guid}`);
}

export async function deleteManagedBinding(c: Ctx, si: ManagedInstanceRec, b: ServiceBindingRec): Promise<void> {
  if (b.last_operation?.state === 'in progress') throw unprocessable('There is an operation in progress for the service binding.');
  await runJob(c, 'service_bindings.delete', (job) => c.f.services.unbind(job, si, b), `service_credential_bindings/${b.guid}`);
}

/** What the broker gave, once the binding exists (CC answers 404 before). */
export function managedDetails(b: ServiceBindingRec) {
  if (b.last_operation?.type === 'create' && b.last_operation.state !== 'succeeded') throw notFound('Service credential binding');
  return { credentials: b.credentials ?? {}, syslog_drain_url: b.syslog_drain_url ?? null, volume_mounts: b.volume_mounts ?? [] };
}
