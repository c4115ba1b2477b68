// Managed service instances (the cf CLI's marketplace / create-service /
// delete-service / create-service-key / service-key / service-keys /
// delete-service-key actors): plans found by offering and plan name, CC's
// jobs waited for. cf stops waiting when a job reaches POLLING (the broker
// is still provisioning) unless told to wait; callers choose with `wait`.
import type { CcBindingDetails, CcCredentialBinding, CcServiceInstance, CcServicePlan } from '../cc/requests/services';
import type { CcJob } from '../cc/types';
import { CfPushError, ccTitle } from '../errors';
import { pollUntil } from '../push/poll';
import type { Session } from '../session';
import { findInstance } from './services';

export interface MarketplacePlan {
  guid: string;
  name: string;
  description: string;
  free: boolean;
  available: boolean;
  /** The plan's maintenance_info.version: absent when the built-in broker's server package is missing. */
  version?: string;
}

export interface MarketplaceOffering {
  guid: string;
  name: string;
  description: string;
  broker: string;
  tags: string[];
  plans: MarketplacePlan[];
}

/** `cf marketplace [-e OFFERING] [-b BROKER]`: the offerings visible in the targeted space, each with its plans. */
export async function marketplace(session: Session, filter: { offering?: string; broker?: string } = {}): Promise<MarketplaceOffering[]> {
  const found = await session.cc.servicePlans.withOfferings({
    available: true,
    brokerNames: filter.broker ? [filter.broker] : undefined,
    offeringNames: filter.offering ? [filter.offering] : undefined,
    spaceGuid: session.space.guid,
  });
  const out = found.offerings.map((o): MarketplaceOffering => ({
    guid: o.guid,
    name: o.name,
    description: o.description ?? '',
    broker: found.brokers.find((b) => b.guid === o.relationships.service_broker.data.guid)?.name ?? '',
    tags: o.tags ?? [],
    plans: found.plans
      .filter((p) => p.relationships.service_offering.data.guid === o.guid)
      .map((p) => ({
        guid: p.guid,
        name: p.name,
        description: p.description ?? '',
        free: p.free !== false,
        available: p.available !== false,
        ...(p.maintenance_info?.version ? { version: p.maintenance_info.version } : {}),
      })),
  }));
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.broker.localeCompare(b.broker));
}

export interface JobWait {
  /** true: until COMPLETE or FAILED; false (cf's default): stop at POLLING too. */
  wait: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each job state seen (progress). */
  onState?: (state: CcJob['state']) => void;
}

/** Polls a service job; a FAILED job throws with CC's detail. Undefined when there was no job (a 201/204). */
export async function waitForServiceJob(session: Session, location: string | undefined, what: string, w: JobWait): Promise<CcJob | undefined> {
  if (!location) return undefined;
  let last: string | undefined;
  const job = await pollUntil(
    async () => {
      const j = await session.cc.jobs.get(location);
      if (j.state !== last) w.onState?.((last = j.state));
      return j;
    },
    (j) => j.state === 'COMPLETE' || j.state === 'FAILED' || (!w.wait && j.state === 'POLLING'),
    {
      what,
      timeoutMs: w.timeoutMs ?? 600_000,
      signal: w.signal,
      hint: 'The broker is still working on it: check with `cfpush services`.',
    },
  );
  if (job.state === 'FAILED') {
    const e = job.errors[0];
    throw new CfPushError(`${what[0]!.toUpperCase()}${what.slice(1)} failed: ${e?.detail ?? 'unknown error'}`, {
      code: ccTitle(e?.title),
      hint: 'See the detail above; `cfpush services` shows the last operation of each instance.',
    });
  }
  return job;
}

export interface CreateServiceOptions {
  offering: string;
  plan: string;
  name: string;
  broker?: string;
  parameters?: Record<string, unknown>;
  tags?: string[];
}

/** The plan `create-service` means, or an error that lists what there is instead. */
async function findPlan(session: Session, o: CreateServiceOptions): Promise<CcServicePlan> {
  const plans = await session.cc.servicePlans.find({ planNames: [o.plan], offeringNames: [o.offering], brokerNames: o.broker ? [o.broker] : undefined });
  if (plans.length === 1) return plans[0]!;
  const market = await marketplace(session);
  if (plans.length > 1) {
    const brokers = market.filter((m) => m.name === o.offering && m.plans.some((p) => p.name === o.plan)).map((m) => m.broker);
    throw new CfPushError(`Service offering '${o.offering}' with plan '${o.plan}' is offered by several brokers: ${brokers.join(', ')}.`, {
      hint: `Say which with -b BROKER, e.g. \`cfpush create-service ${o.offering} ${o.plan} ${o.name} -b ${brokers[0] ?? 'BROKER'}\`.`,
    });
  }
  const offerings = market.filter((m) => m.name === o.offering && (!o.broker || m.broker === o.broker));
  if (!offerings.length) {
    const names = [...new Set(market.map((m) => m.name))];
    throw new CfPushError(`Service offering '${o.offering}' not found${o.broker ? ` for service broker '${o.broker}'` : ''}.`, {
      code: 'CF-ResourceNotFound',
      hint: names.length
        ? `Available offerings: ${names.join(', ')} (see \`cfpush marketplace\`).`
        : 'The marketplace of this space is empty: an admin registers a broker with `cf create-service-broker`.',
    });
  }
  const planNames = [...new Set(offerings.flatMap((m) => m.plans.map((p) => p.name)))];
  throw new CfPushError(`The plan '${o.plan}' could not be found for service offering '${o.offering}'.`, {
    code: 'CF-ResourceNotFound',
    hint: `Plans of ${o.offering}: ${planNames.join(', ')} (see \`cfpush marketplace -e ${o.offering}\`).`,
  });
}

export interface CreatedService {
  instance: CcServiceInstance;
  /** `succeeded`, or `in progress` when not waited for to the end. */
  state: string;
}

/** `cf create-service`: POST type managed, then the job (to POLLING, or with `wait` to the end). */
export async function createService(session: Session, o: CreateServiceOptions, w: JobWait): Promise<CreatedService> {
  const plan = await findPlan(session, o);
  const location = await session.cc.serviceInstances.createManaged(session.space.guid, {
    name: o.name,
    planGuid: plan.guid,
    parameters: o.parameters,
    tags: o.tags,
  });
  const job = await waitForServiceJob(session, location, `creating service instance ${o.name}`, w);
  const [instance] = await session.cc.serviceInstances.inSpace(session.space.guid, [o.name]);
  if (!instance) throw new CfPushError(`Service instance ${o.name} was created but is gone: it may have been deleted meanwhile.`);
  const state = instance.last_operation?.state ?? (job?.state === 'COMPLETE' ? 'succeeded' : 'in progress');
  if (state === 'failed')
    throw new CfPushError(`Creating service instance ${o.name} failed: ${instance.last_operation?.description ?? 'the broker gave no reason'}`, {
      hint: `Delete it with \`cfpush delete-service ${o.name}\` and try again.`,
    });
  return { instance, state };
}

/** `cf delete-service`: false when there was no such instance (cf says so and succeeds); `state` as for create. */
export async function deleteService(session: Session, name: string, w: JobWait): Promise<{ deleted: boolean; state?: string }> {
  const [si] = await session.cc.serviceInstances.inSpace(session.space.guid, [name]);
  if (!si) return { deleted: false };
  const location = await session.cc.serviceInstances.delete(si.guid);
  const job = await waitForServiceJob(session, location, `deleting service instance ${name}`, w);
  return { deleted: true, state: !job || job.state === 'COMPLETE' ? 'succeeded' : 'in progress' };
}

/** `cf create-service-key`: false when a key of that name exists (cf says so and succeeds). */
export async function createServiceKey(session: Session, instance: string, key: string, parameters?: Record<string, unknown>, w?: JobWait): Promise<boolean> {
  const si = await findInstance(session, instance);
  if ((await session.cc.serviceInstances.keys(si.guid, [key])).length) return false;
  await waitForServiceJob(
    session,
    await session.cc.serviceInstances.createKey(si.guid, key, parameters),
    `creating key ${key} of ${instance}`,
    w ?? { wait: true },
  );
  return true;
}

async function findKey(session: Session, instance: string, key: string): Promise<{ si: CcServiceInstance; key?: CcCredentialBinding }> {
  const si = await findInstance(session, instance);
  const [k] = await session.cc.serviceInstances.keys(si.guid, [key]);
  return { si, key: k };
}

export interface ServiceKeySummary {
  name: string;
  guid: string;
  lastOperation?: string;
  message?: string;
}

/** `cf service-keys`. */
export async function listServiceKeys(session: Session, instance: string): Promise<ServiceKeySummary[]> {
  const si = await findInstance(session, instance);
  return (await session.cc.serviceInstances.keys(si.guid)).map((k) => ({
    name: k.name ?? '',
    guid: k.guid,
    ...(k.last_operation ? { lastOperation: `${k.last_operation.type} ${k.last_operation.state ?? 'succeeded'}` } : {}),
    ...(k.last_operation?.description ? { message: k.last_operation.description } : {}),
  }));
}

/** `cf service-key`: the key's guid and (unless `guidOnly`) its details, null and empty fields left out as cf prints them. */
export async function serviceKey(session: Session, instance: string, key: string, guidOnly = false): Promise<{ guid: string; details?: CcBindingDetails }> {
  const found = await findKey(session, instance, key);
  if (!found.key) {
    throw new CfPushError(`No service key ${key} found for service instance ${instance}.`, {
      code: 'CF-ResourceNotFound',
      hint: `See its keys with \`cfpush service-keys ${instance}\`, or create one with \`cfpush create-service-key ${instance} ${key}\`.`,
    });
  }
  if (guidOnly) return { guid: found.key.guid };
  const raw = await session.cc.serviceInstances.details(found.key.guid);
  const details = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length)),
  ) as CcBindingDetails;
  return { guid: found.key.guid, details };
}

/** `cf delete-service-key`: false when there was no such key (cf says so and succeeds). */
export async function deleteServiceKey(session: Session, instance: string, key: string, w?: JobWait): Promise<boolean> {
  const found = await findKey(session, instance, key);
  if (!found.key) return false;
  await waitForServiceJob(session, await session.cc.serviceInstances.unbind(found.key.guid), `deleting key ${key} of ${instance}`, w ?? { wait: true });
  return true;
}
