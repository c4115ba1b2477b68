// User-provided service instances and app bindings (the cf CLI's
// create-user-provided-service / update-user-provided-service / services /
// bind-service / unbind-service actors): names resolved in the targeted
// space, CC's jobs waited for.
import type { CcCredentialBinding, CcServiceInstance, UserProvidedFields } from '../cc/requests/misc';
import { CfPushError } from '../errors';
import { findApp, waitForJob } from '../push/steps';
import type { Session } from '../session';

async function findInstance(session: Session, name: string): Promise<CcServiceInstance> {
  const si = (await session.cc.serviceInstances.inSpace(session.space.guid)).find((s) => s.name === name);
  if (!si) {
    throw new CfPushError(`Service instance '${name}' not found in space '${session.space.name}'.`, {
      code: 'CF-ResourceNotFound',
      hint: 'Check the name with `cfpush services`, or create it with `cfpush cups NAME -p CREDENTIALS`.',
    });
  }
  return si;
}

async function failedJob(session: Session, location: string | undefined, what: string): Promise<void> {
  const job = await waitForJob(session, location, what);
  if (job?.state === 'FAILED') throw new CfPushError(`${what} failed: ${job.errors[0]?.detail ?? 'unknown error'}`);
}

export function createUserProvidedService(session: Session, name: string, fields: UserProvidedFields): Promise<CcServiceInstance> {
  return session.cc.serviceInstances.createUserProvided(session.space.guid, name, fields);
}

export async function updateUserProvidedService(session: Session, name: string, fields: UserProvidedFields): Promise<CcServiceInstance> {
  const si = await findInstance(session, name);
  if (si.type !== 'user-provided') throw new CfPushError(`Service instance '${name}' is not user-provided: update it with the service's own plan changes.`);
  return session.cc.serviceInstances.updateUserProvided(si.guid, fields);
}

export interface ServiceSummary {
  name: string;
  guid: string;
  offering: string;
  tags: string[];
  boundApps: string[];
  lastOperation?: string;
}

export async function listServices(session: Session): Promise<ServiceSummary[]> {
  const [instances, apps] = await Promise.all([session.cc.serviceInstances.inSpace(session.space.guid), session.cc.apps.inSpace(session.space.guid)]);
  const bindings = instances.length ? await session.cc.serviceInstances.bindings({ instanceGuids: instances.map((s) => s.guid) }) : [];
  const appName = (guid?: string) => apps.find((a) => a.guid === guid)?.name;
  return instances.map((si) => ({
    name: si.name,
    guid: si.guid,
    offering: si.type === 'user-provided' ? 'user-provided' : (si.type ?? ''),
    tags: si.tags ?? [],
    boundApps: bindings
      .filter((b) => b.relationships.service_instance.data.guid === si.guid)
      .map((b) => appName(b.relationships.app?.data?.guid))
      .filter((n): n is string => !!n),
    lastOperation: si.last_operation ? `${si.last_operation.type} ${si.last_operation.state ?? 'succeeded'}` : undefined,
  }));
}

/** Binds; `false` when the app was bound to it already (cf says so and succeeds). */
export async function bindService(session: Session, appName: string, instanceName: string, bindingName?: string): Promise<boolean> {
  const [app, si] = await Promise.all([findApp(session, appName), findInstance(session, instanceName)]);
  const existing = await session.cc.serviceInstances.bindings({ appGuids: [app.guid], instanceGuids: [si.guid] });
  if (existing.length) return false;
  await failedJob(session, await session.cc.serviceInstances.bind(app.guid, si.guid, bindingName), `Binding ${instanceName} to ${appName}`);
  return true;
}

/** Unbinds; `false` when there was no binding (cf says so and succeeds). */
export async function unbindService(session: Session, appName: string, instanceName: string): Promise<boolean> {
  const [app, si] = await Promise.all([findApp(session, appName), findInstance(session, instanceName)]);
  const [binding]: CcCredentialBinding[] = await session.cc.serviceInstances.bindings({ appGuids: [app.guid], instanceGuids: [si.guid] });
  if (!binding) return false;
  await failedJob(session, await session.cc.serviceInstances.unbind(binding.guid), `Unbinding ${instanceName} from ${appName}`);
  return true;
}
