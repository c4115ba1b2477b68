// User-provided service instances and app bindings (the cf CLI's
// create-user-provided-service / update-user-provided-service / services /
// bind-service / unbind-service actors): names resolved in the targeted
// space, CC's jobs waited for.
import type { CcCredentialBinding, CcServiceInstance, UserProvidedFields } from '../cc/requests/services';
import { CfPushError } from '../errors';
import { findApp, waitForJob } from '../push/steps';
import type { Session } from '../session';

export async function findInstance(session: Session, name: string): Promise<CcServiceInstance> {
  const si = (await session.cc.serviceInstances.inSpace(session.space.guid)).find((s) => s.name === name);
  if (!si) {
    throw new CfPushError(`Service instance '${name}' not found in space '${session.space.name}'.`, {
      code: 'CF-ResourceNotFound',
      hint: 'Check the name with `cfpush services`, or create it with `cfpush create-service OFFERING PLAN NAME` (see `cfpush marketplace`) or `cfpush cups NAME -p CREDENTIALS`.',
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
  type: 'managed' | 'user-provided';
  /** The offering's name for a managed instance, `user-provided` otherwise. */
  offering: string;
  plan?: string;
  broker?: string;
  tags: string[];
  boundApps: string[];
  /** `create succeeded`, `create in progress`, `delete failed`, ... */
  lastOperation?: string;
  /** The last operation's state alone (`in progress`, `succeeded`, `failed`). */
  state?: string;
  /** What the broker said about the last operation (why it failed). */
  message?: string;
}

export async function listServices(session: Session): Promise<ServiceSummary[]> {
  const [found, apps] = await Promise.all([session.cc.serviceInstances.withPlans(session.space.guid), session.cc.apps.inSpace(session.space.guid)]);
  const instances = found.instances;
  const bindings = instances.length ? await session.cc.serviceInstances.bindings({ instanceGuids: instances.map((s) => s.guid) }) : [];
  const appName = (guid?: string) => apps.find((a) => a.guid === guid)?.name;
  return instances.map((si) => {
    const plan = found.plans.find((p) => p.guid === si.relationships?.service_plan?.data?.guid);
    const offering = found.offerings.find((o) => o.guid === plan?.relationships?.service_offering?.data.guid);
    const broker = found.brokers.find((b) => b.guid === offering?.relationships?.service_broker?.data.guid);
    const op = si.last_operation;
    const managed = si.type === 'managed';
    return {
      name: si.name,
      guid: si.guid,
      type: managed ? 'managed' : 'user-provided',
      offering: managed ? (offering?.name ?? '') : 'user-provided',
      ...(plan ? { plan: plan.name } : {}),
      ...(broker ? { broker: broker.name } : {}),
      tags: si.tags ?? [],
      boundApps: bindings
        .filter((b) => b.relationships.service_instance.data.guid === si.guid)
        .map((b) => appName(b.relationships.app?.data?.guid))
        .filter((n): n is string => !!n),
      lastOperation: op ? `${op.type} ${op.state ?? 'succeeded'}` : undefined,
      ...(op ? { state: op.state ?? 'succeeded' } : {}),
      ...(op?.description ? { message: op.description } : {}),
    };
  });
}

/** Binds; `false` when the app was bound to it already (cf says so and succeeds). */
export async function bindService(
  session: Session,
  appName: string,
  instanceName: string,
  bindingName?: string,
  parameters?: Record<string, unknown>,
): Promise<boolean> {
  const [app, si] = await Promise.all([findApp(session, appName), findInstance(session, instanceName)]);
  const existing = await session.cc.serviceInstances.bindings({ appGuids: [app.guid], instanceGuids: [si.guid] });
  if (existing.length) return false;
  await failedJob(session, await session.cc.serviceInstances.bind(app.guid, si.guid, bindingName, parameters), `Binding ${instanceName} to ${appName}`);
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
