// A broker's /v2/catalog, checked as CC checks it (every problem at once,
// ServiceBrokerCatalogInvalid 270012) and kept as offerings and plans: an
// offering or plan is matched by its catalog id, so a re-fetch
// (`cf update-service-broker`) updates what is there, adds what is new and
// removes what the broker no longer offers. New plans start visible to
// admins only (`cf enable-service-access` opens them), those of a
// space-scoped broker to its space.
import type { Foundation } from '../context';
import { ApiError } from '../http';
import { meta, type ServiceBrokerRec, type ServiceOfferingRec, type ServicePlanRec } from '../store';
import { BrokerError, brokerCall } from './client';

interface CatalogPlan {
  id: string;
  name: string;
  description: string;
  free?: boolean;
  bindable?: boolean;
  plan_updateable?: boolean;
  metadata?: Record<string, unknown>;
  schemas?: Record<string, unknown>;
  maximum_polling_duration?: number;
  maintenance_info?: Record<string, unknown>;
}

interface CatalogService {
  id: string;
  name: string;
  description: string;
  bindable: boolean;
  tags?: string[];
  requires?: string[];
  plan_updateable?: boolean;
  instances_retrievable?: boolean;
  bindings_retrievable?: boolean;
  allow_context_updates?: boolean;
  metadata?: Record<string, unknown>;
  plans: CatalogPlan[];
}

const str = (v: unknown) => typeof v === 'string' && v.length > 0;
const obj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The id, name and description rules that services and plans share (ids and names unique in their scope). */
function entryProblems(kind: 'Service' | 'Plan', x: Record<string, unknown>, seen: { ids: Set<string>; names: Set<string> }, scope: string): string[] {
  const out: string[] = [];
  for (const [field, set, unique] of [
    ['id', seen.ids, `${kind} ids must be unique`],
    ['name', seen.names, `${kind} names must be unique within ${scope}`],
  ] as const) {
    const v = x[field];
    if (!str(v)) out.push(`${kind} ${field} must be a string, but has value ${JSON.stringify(v)}`);
    else if (set.has(v as string)) out.push(unique);
    else set.add(v as string);
  }
  if (!str(x.description)) out.push(`${kind} description is required`);
  return out;
}

/** The problems CC's catalog validation would list (OSBAPI "Catalog Management"). */
export function catalogProblems(catalog: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (!Array.isArray(catalog.services)) return ['Catalog must have a services list'];
  const services = { ids: new Set<string>(), names: new Set<string>() };
  (catalog.services as unknown[]).forEach((s, i) => {
    const where = obj(s) && str(s.name) ? `Service ${s.name as string}` : `Service at index ${i}`;
    if (!obj(s)) return void out.push(`${where}: must be an object`);
    out.push(...entryProblems('Service', s, services, 'a broker').map((m) => `${where}: ${m}`));
    if (typeof s.bindable !== 'boolean') out.push(`${where}: Service "bindable" field must be a boolean, but has value ${JSON.stringify(s.bindable)}`);
    if (s.tags !== undefined && !(Array.isArray(s.tags) && s.tags.every(str))) out.push(`${where}: Service tags must be an array of strings`);
    if (!Array.isArray(s.plans) || s.plans.length === 0) return void out.push(`${where}: At least one plan is required`);
    const plans = { ids: new Set<string>(), names: new Set<string>() };
    (s.plans as unknown[]).forEach((p, j) => {
      const at = obj(p) && str(p.name) ? `${where}, Plan ${p.name as string}` : `${where}, Plan at index ${j}`;
      if (!obj(p)) return void out.push(`${at}: must be an object`);
      out.push(...entryProblems('Plan', p, plans, 'a service').map((m) => `${at}: ${m}`));
      if (p.free !== undefined && typeof p.free !== 'boolean') out.push(`${at}: Plan free must be a boolean`);
    });
  });
  return out;
}

/** Fetches the broker's catalog and brings its offerings and plans in line with it. */
export async function syncCatalog(f: Foundation, broker: ServiceBrokerRec): Promise<void> {
  const { body } = await brokerCall(broker, 'GET', '/v2/catalog').catch((err: unknown) => {
    // CC's catalog fetch says where to look: the URL (ServiceBrokerRequestRejected, 270020).
    if (err instanceof BrokerError && (err.failure === 'rejected' || err.failure === 'server'))
      throw new ApiError(
        502,
        270020,
        'CF-ServiceBrokerRequestRejected',
        `The service broker rejected the request. Status Code: ${err.brokerStatus}. Please check that the URL points to a valid service broker.`,
      );
    throw err;
  });
  const problems = catalogProblems(body);
  if (problems.length) throw new ApiError(502, 270012, 'CF-ServiceBrokerCatalogInvalid', `Service broker catalog is invalid: \n${problems.join('\n')}`);
  const services = body.services as CatalogService[];
  const others = f.store.list('service_offerings').filter((o) => o.service_broker_guid !== broker.guid);
  const clash = services.filter((s) => others.some((o) => o.name === s.name));
  if (clash.length)
    throw new ApiError(
      422,
      270019,
      'CF-ServiceBrokerCatalogIncompatible',
      `Service broker catalog is incompatible: \n${clash.map((s) => `Service ${s.name} is already present in another broker`).join('\n')}`,
    );
  const mine = f.store.list('service_offerings').filter((o) => o.service_broker_guid === broker.guid);
  for (const s of services) {
    const offering = mine.find((o) => o.broker_catalog.id === s.id) ?? f.store.put('service_offerings', newOffering(broker, s));
    Object.assign(offering, {
      name: s.name,
      description: s.description,
      tags: s.tags ?? [],
      requires: s.requires ?? [],
      shareable: (s.metadata as { shareable?: boolean } | undefined)?.shareable === true,
      documentation_url: ((s.metadata as { documentationUrl?: string } | undefined)?.documentationUrl as string | undefined) ?? null,
      broker_catalog: {
        id: s.id,
        metadata: s.metadata ?? {},
        features: {
          plan_updateable: s.plan_updateable === true,
          bindable: s.bindable,
          instances_retrievable: s.instances_retrievable === true,
          bindings_retrievable: s.bindings_retrievable === true,
          allow_context_updates: s.allow_context_updates === true,
        },
      },
    });
    f.store.touch(offering);
    const plans = f.store.list('service_plans').filter((p) => p.service_offering_guid === offering.guid);
    for (const p of s.plans) {
      const plan = plans.find((x) => x.broker_catalog.id === p.id) ?? f.store.put('service_plans', newPlan(broker, offering, p));
      Object.assign(plan, {
        name: p.name,
        description: p.description,
        free: p.free !== false,
        costs: costsOf(p.metadata),
        maintenance_info: p.maintenance_info ?? {},
        schemas: p.schemas ?? {},
        broker_catalog: {
          id: p.id,
          metadata: p.metadata ?? {},
          maximum_polling_duration: p.maximum_polling_duration ?? null,
          features: { plan_updateable: p.plan_updateable ?? s.plan_updateable === true, bindable: p.bindable ?? s.bindable },
        },
      });
      f.store.touch(plan);
    }
    for (const p of plans) p.available = s.plans.some((x) => x.id === p.broker_catalog.id);
    offering.available = true;
    for (const gone of plans.filter((x) => !x.available)) removePlan(f, gone.guid);
  }
  for (const gone of mine.filter((o) => !services.some((s) => s.id === o.broker_catalog.id))) removeOffering(f, gone.guid);
}

/** A plan the catalog dropped goes, unless instances use it: then it stays, unavailable, as CC keeps it. */
function removePlan(f: Foundation, guid: string): boolean {
  if (f.store.list('service_instances').some((si) => si.type === 'managed' && si.service_plan_guid === guid)) {
    const plan = f.store.get('service_plans', guid)!;
    plan.available = false;
    f.store.touch(plan);
    return false;
  }
  f.store.remove('service_plans', guid);
  return true;
}

export function removeOffering(f: Foundation, guid: string): void {
  let kept = false;
  for (const p of f.store.list('service_plans').filter((x) => x.service_offering_guid === guid)) if (!removePlan(f, p.guid)) kept = true;
  const o = f.store.get('service_offerings', guid)!;
  if (!kept) return void f.store.remove('service_offerings', guid);
  o.available = false;
  f.store.touch(o);
}

function newOffering(broker: ServiceBrokerRec, s: CatalogService): ServiceOfferingRec {
  return {
    ...meta(),
    name: s.name,
    description: s.description,
    available: true,
    tags: [],
    requires: [],
    shareable: false,
    documentation_url: null,
    broker_catalog: { id: s.id, metadata: {}, features: {} },
    service_broker_guid: broker.guid,
  };
}

function newPlan(broker: ServiceBrokerRec, offering: ServiceOfferingRec, p: CatalogPlan): ServicePlanRec {
  return {
    ...meta(),
    name: p.name,
    description: p.description,
    available: true,
    free: true,
    costs: [],
    maintenance_info: {},
    broker_catalog: { id: p.id, metadata: {}, maximum_polling_duration: null, features: {} },
    schemas: {},
    service_offering_guid: offering.guid,
    visibility_type: broker.space_guid ? 'space' : 'admin',
    visibility_org_guids: [],
  };
}

/** OSBAPI plan metadata costs (`[{amount: {usd: 10}, unit: "MONTHLY"}]`) as CC presents them. */
function costsOf(metadata: Record<string, unknown> | undefined): ServicePlanRec['costs'] {
  const costs = metadata?.costs;
  if (!Array.isArray(costs)) return [];
  return costs.flatMap((c: { amount?: Record<string, number>; unit?: string }) =>
    Object.entries(c?.amount ?? {}).map(([currency, amount]) => ({ amount, currency: currency.toUpperCase(), unit: c.unit ?? '' })),
  );
}
