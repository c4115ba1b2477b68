// The OSBAPI calls a platform makes for an instance or a binding, with what
// each answer means (docs/design/services.md §3.2): done, or in progress
// with the operation to poll with. Paths use CC's guids as instance_id and
// binding_id, as CC does.
import type { Foundation } from '../context';
import { notFound } from '../http';
import type { ManagedInstanceRec, ServiceBindingRec, ServiceBrokerRec, ServiceOfferingRec, ServicePlanRec } from '../store';
import { BrokerError, brokerCall, type BrokerAnswer } from './client';

export interface PlanParts {
  broker: ServiceBrokerRec;
  offering: ServiceOfferingRec;
  plan: ServicePlanRec;
}

export function planParts(f: Foundation, planGuid: string): PlanParts {
  const plan = f.store.get('service_plans', planGuid);
  const offering = f.store.get('service_offerings', plan?.service_offering_guid);
  const broker = f.store.get('service_brokers', offering?.service_broker_guid);
  if (!plan || !offering || !broker) throw notFound('Service plan');
  return { broker, offering, plan };
}

export type Outcome = { done: true; body: Record<string, unknown> } | { done: false; operation: string | null; body: Record<string, unknown> };

/** 200/201 done, 202 in progress; any other 2xx is a failure OSB wants cleaned up after. */
function outcome(a: BrokerAnswer, gone = false): Outcome {
  if (a.status === 200 || a.status === 201 || (gone && a.status === 410)) return { done: true, body: a.body };
  if (a.status === 202) return { done: false, operation: typeof a.body.operation === 'string' ? a.body.operation : null, body: a.body };
  throw new BrokerError(`The service broker returned an invalid response: status ${a.status}.`, 'malformed', a.status);
}

/** The context object of OSB 2.15 ("cloudfoundry" profile). */
export function osbContext(f: Foundation, si: ManagedInstanceRec): Record<string, unknown> {
  const space = f.store.get('spaces', si.space_guid);
  const org = f.store.get('orgs', space?.org_guid);
  return {
    platform: 'cloudfoundry',
    organization_guid: org?.guid,
    organization_name: org?.name,
    space_guid: space?.guid,
    space_name: space?.name,
    instance_name: si.name,
  };
}

const instancePath = (si: { guid: string }) => `/v2/service_instances/${si.guid}`;
const bindingPath = (si: { guid: string }, b: { guid: string }) => `${instancePath(si)}/service_bindings/${b.guid}`;
const ids = (p: PlanParts) => `service_id=${encodeURIComponent(p.offering.broker_catalog.id)}&plan_id=${encodeURIComponent(p.plan.broker_catalog.id)}`;

export async function provision(f: Foundation, p: PlanParts, si: ManagedInstanceRec, parameters: unknown, userId?: string): Promise<Outcome> {
  const ctx = osbContext(f, si);
  const body = {
    service_id: p.offering.broker_catalog.id,
    plan_id: p.plan.broker_catalog.id,
    organization_guid: ctx.organization_guid,
    space_guid: ctx.space_guid,
    context: ctx,
    ...(parameters !== undefined ? { parameters } : {}),
    ...(Object.keys(p.plan.maintenance_info).length ? { maintenance_info: p.plan.maintenance_info } : {}),
  };
  return outcome(await brokerCall(p.broker, 'PUT', `${instancePath(si)}?accepts_incomplete=true`, body, { userId }));
}

export async function updateInstance(
  f: Foundation,
  from: PlanParts,
  to: PlanParts,
  si: ManagedInstanceRec,
  parameters: unknown,
  userId?: string,
): Promise<Outcome> {
  const ctx = osbContext(f, si);
  const body = {
    service_id: from.offering.broker_catalog.id,
    plan_id: to.plan.broker_catalog.id,
    context: ctx,
    ...(parameters !== undefined ? { parameters } : {}),
    previous_values: {
      service_id: from.offering.broker_catalog.id,
      plan_id: from.plan.broker_catalog.id,
      organization_id: ctx.organization_guid,
      space_id: ctx.space_guid,
      ...(Object.keys(si.maintenance_info).length ? { maintenance_info: si.maintenance_info } : {}),
    },
  };
  return outcome(await brokerCall(from.broker, 'PATCH', `${instancePath(si)}?accepts_incomplete=true`, body, { userId }));
}

/** 410 Gone means already deprovisioned: done. */
export async function deprovision(p: PlanParts, si: { guid: string }, userId?: string): Promise<Outcome> {
  return outcome(await brokerCall(p.broker, 'DELETE', `${instancePath(si)}?${ids(p)}&accepts_incomplete=true`, undefined, { userId, accept: [410] }), true);
}

export async function bind(f: Foundation, p: PlanParts, si: ManagedInstanceRec, b: ServiceBindingRec, parameters: unknown, userId?: string): Promise<Outcome> {
  const app = b.app_guid ? f.store.get('apps', b.app_guid) : undefined;
  const body = {
    service_id: p.offering.broker_catalog.id,
    plan_id: p.plan.broker_catalog.id,
    context: osbContext(f, si),
    ...(app ? { app_guid: app.guid, bind_resource: { app_guid: app.guid, space_guid: app.space_guid } } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
  };
  return outcome(await brokerCall(p.broker, 'PUT', `${bindingPath(si, b)}?accepts_incomplete=true`, body, { userId }));
}

export async function unbind(p: PlanParts, si: { guid: string }, b: { guid: string }, userId?: string): Promise<Outcome> {
  return outcome(await brokerCall(p.broker, 'DELETE', `${bindingPath(si, b)}?${ids(p)}&accepts_incomplete=true`, undefined, { userId, accept: [410] }), true);
}

export type LastOperation = { state: 'in progress' | 'succeeded' | 'failed' | 'gone'; description: string; retryAfter?: number };

/** GET …/last_operation; an empty body reads as in progress (CC's extract_state), 410 as gone. */
export async function lastOperation(
  p: PlanParts,
  si: { guid: string },
  b: { guid: string } | null,
  operation: string | null | undefined,
): Promise<LastOperation> {
  const path = `${b ? bindingPath(si, b) : instancePath(si)}/last_operation?${ids(p)}${operation ? `&operation=${encodeURIComponent(operation)}` : ''}`;
  const a = await brokerCall(p.broker, 'GET', path, undefined, { accept: [410] });
  if (a.status === 410) return { state: 'gone', description: '', retryAfter: a.retryAfter };
  const state = a.body.state;
  const description = typeof a.body.description === 'string' ? a.body.description : '';
  return { state: state === 'succeeded' || state === 'failed' ? state : 'in progress', description, retryAfter: a.retryAfter };
}

/** GET the instance (instances_retrievable) or binding (bindings_retrievable) as the broker has it. */
export async function fetch(p: PlanParts, si: { guid: string }, b: { guid: string } | null): Promise<Record<string, unknown>> {
  return (await brokerCall(p.broker, 'GET', b ? bindingPath(si, b) : instancePath(si))).body;
}
