// Managed service instances (`type: managed`): create, update and delete go
// to the plan's broker as jobs (service-operations.ts), with CC's checks
// before any job starts (docs/design/services.md §2.2). A change of name or
// tags alone needs no broker and answers 200 at once, as CC's does.
import { runJob } from '../jobs';
import { ApiError, isObj, rejectUnknown, relGuid, send, unprocessable, type Ctx } from '../http';
import { nameTaken } from '../services';
import { meta, type ManagedInstanceRec, type ServicePlanRec } from '../store';
import { visibleIn } from './service-catalog';

const CREATE_KEYS = ['type', 'name', 'relationships', 'parameters', 'tags', 'metadata', 'maintenance_info'];
const UPDATE_KEYS = ['name', 'relationships', 'parameters', 'tags', 'metadata', 'maintenance_info'];

const invalidPlan = () => unprocessable('Invalid service plan. Ensure that the service plan exists, is available, and you have access to it.');

export const operationInProgress = () => unprocessable('There is an operation in progress for the service instance.');

/** name, tags and parameters as CC's message validations check them, every problem at once. */
function common(body: Record<string, any>, creating: boolean): { name?: string; tags?: string[]; parameters?: Record<string, unknown> } {
  const errs: string[] = [];
  const out: { name?: string; tags?: string[]; parameters?: Record<string, unknown> } = {};
  if (body.name !== undefined || creating) {
    if (typeof body.name !== 'string' || body.name.trim() === '')
      errs.push(typeof body.name === 'string' || creating ? "Name can't be blank" : 'Name must be a string');
    else if (body.name.length > 255) errs.push('Name is too long (maximum is 255 characters)');
    else out.name = body.name;
  }
  if (body.tags !== undefined) {
    if (!Array.isArray(body.tags) || body.tags.some((t: unknown) => typeof t !== 'string')) errs.push('Tags must be a list of strings');
    else if (body.tags.join('').length > 2048) errs.push('Tags combined length must be 2048 characters or less');
    else out.tags = body.tags as string[];
  }
  if (body.parameters !== undefined) {
    if (!isObj(body.parameters)) errs.push('Parameters must be an object');
    else out.parameters = body.parameters;
  }
  if (errs.length) throw unprocessable(errs.join(', '));
  return out;
}

function usablePlan(c: Ctx, guid: string | undefined, spaceGuid: string): ServicePlanRec {
  const plan = c.f.store.get('service_plans', guid);
  // The local user is an admin, who may use any plan CC lists; the marketplace shows the visible ones.
  if (!plan || !plan.available || !(visibleIn(c.f, plan, spaceGuid) || plan.visibility_type === 'admin')) throw invalidPlan();
  return plan;
}

export async function createManaged(c: Ctx, body: Record<string, any>): Promise<void> {
  rejectUnknown(body, CREATE_KEYS);
  const fields = common(body, true);
  const spaceGuid = relGuid(body.relationships?.space);
  const planGuid = relGuid(body.relationships?.service_plan);
  const errs: string[] = [];
  if (!spaceGuid) errs.push("Relationships Space can't be blank");
  if (!planGuid) errs.push("Relationships Service plan can't be blank");
  if (errs.length) throw unprocessable(errs.join(', '));
  if (!c.f.store.get('spaces', spaceGuid)) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.');
  const plan = usablePlan(c, planGuid, spaceGuid!);
  if (c.f.store.list('service_instances').some((s) => s.space_guid === spaceGuid && s.name === fields.name)) throw nameTaken(fields.name!);
  const m = meta();
  const si = c.f.store.put('service_instances', {
    ...m,
    type: 'managed',
    name: fields.name!,
    space_guid: spaceGuid!,
    tags: fields.tags ?? [],
    service_plan_guid: plan.guid,
    dashboard_url: null,
    maintenance_info: plan.maintenance_info,
    last_operation: { type: 'create', state: 'initial', description: '', created_at: m.created_at, updated_at: m.updated_at },
  }) as ManagedInstanceRec;
  await runJob(c, 'service_instance.create', (job) => c.f.services.create(job, si, fields.parameters), `service_instances/${si.guid}`);
}

export async function updateManaged(c: Ctx, si: ManagedInstanceRec, body: Record<string, any>): Promise<void> {
  rejectUnknown(body, UPDATE_KEYS);
  const fields = common(body, false);
  if (si.last_operation.state === 'in progress') throw operationInProgress();
  let planGuid = relGuid(body.relationships?.service_plan);
  if (planGuid !== undefined) {
    const plan = usablePlan(c, planGuid, si.space_guid);
    const current = c.f.store.get('service_plans', si.service_plan_guid);
    if (current && plan.service_offering_guid !== current.service_offering_guid)
      throw new ApiError(400, 1002, 'CF-InvalidRelation', 'service plan relates to a different service offering');
    if (plan.guid === si.service_plan_guid) planGuid = undefined;
  }
  if (fields.name && fields.name !== si.name && c.f.store.list('service_instances').some((s) => s.space_guid === si.space_guid && s.name === fields.name))
    throw nameTaken(fields.name);
  if (fields.name) si.name = fields.name;
  if (fields.tags) si.tags = fields.tags;
  c.f.store.touch(si);
  if (planGuid === undefined && fields.parameters === undefined) return send(c.res, 200, c.f.present.serviceInstance(si));
  await runJob(c, 'service_instance.update', (job) => c.f.services.update(job, si, planGuid, fields.parameters), `service_instances/${si.guid}`);
}

export async function deleteManaged(c: Ctx, si: ManagedInstanceRec): Promise<void> {
  if (c.query.get('purge') === 'true') {
    // `cf purge-service-instance`: the records go, the broker is not asked.
    for (const b of c.f.store.list('service_bindings')) if (b.service_instance_guid === si.guid) c.f.store.remove('service_bindings', b.guid);
    c.f.store.remove('service_instances', si.guid);
    return send(c.res, 204);
  }
  if (c.f.store.list('service_bindings').some((b) => b.service_instance_guid === si.guid))
    throw new ApiError(
      422,
      10006,
      'CF-AssociationNotEmpty',
      'Please delete the service_bindings, service_keys, and routes associations for your service_instances.',
    );
  if (si.last_operation.state === 'in progress') throw operationInProgress();
  await runJob(c, 'service_instance.delete', (job) => c.f.services.delete(job, si), `service_instances/${si.guid}`);
}
