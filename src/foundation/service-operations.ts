// Managed service instances and bindings as CC's v3 jobs run them against a
// broker (docs/design/services.md §3): each operation records its
// last_operation, turns its job POLLING while the broker works
// asynchronously, polls last_operation (Retry-After honoured, backing off
// to 15 s, up to the plan's maximum_polling_duration), and after a provision
// or bind that failed in a way that may have left something behind, sends
// the broker a clean-up in the background (OSB orphan mitigation). Polls
// that a stopped foundation interrupted are resumed when it starts again.
import type { Foundation } from './context';
import { finishJob, markPolling } from './jobs';
import { logWarning } from './log';
import { ApiError } from './http';
import { BrokerError } from './osbapi/client';
import * as osb from './osbapi/calls';
import { now, type JobRec, type LastOperationRec, type ManagedInstanceRec, type ServiceBindingRec } from './store';

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 15_000;
/** When a plan sets no maximum_polling_duration (CC's default is a week; a laptop gives up sooner). */
const DEFAULT_MAX_POLL_S = 30 * 60;
const CLEANUP_TRIES = 8;

type Rec = ManagedInstanceRec | ServiceBindingRec;

export class ServiceOperations {
  private closed = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly f: Foundation) {}

  private get userId(): string {
    return this.f.auth.userId;
  }

  /** Sets a record's last_operation; the same operation keeps its created_at. */
  private op(rec: Rec, type: LastOperationRec['type'], state: NonNullable<LastOperationRec['state']>, description = '', brokerOp?: string | null): void {
    const t = now();
    const prev = rec.last_operation;
    const same = prev && prev.type === type && prev.state === 'in progress';
    rec.last_operation = { type, state, description, created_at: same ? prev.created_at : t, updated_at: t, broker_operation: brokerOp ?? null };
    this.f.store.touch(rec);
  }

  private failed(rec: Rec, type: LastOperationRec['type'], err: unknown): never {
    const detail = err instanceof ApiError ? err.detail : ((err as Error)?.message ?? String(err));
    this.op(rec, type, 'failed', detail);
    throw err;
  }

  // --- instances -----------------------------------------------------------

  async create(job: JobRec, si: ManagedInstanceRec, parameters: unknown): Promise<void> {
    const p = osb.planParts(this.f, si.service_plan_guid);
    this.op(si, 'create', 'in progress');
    let out: osb.Outcome;
    try {
      out = await osb.provision(this.f, p, si, parameters, this.userId);
    } catch (err) {
      if (err instanceof BrokerError && err.orphan) this.cleanUp(p, () => osb.deprovision(p, si), `service instance ${si.name}`);
      this.failed(si, 'create', err);
    }
    if (typeof out.body.dashboard_url === 'string') si.dashboard_url = out.body.dashboard_url;
    if (out.done) return this.op(si, 'create', 'succeeded', description(out.body));
    this.op(si, 'create', 'in progress', description(out.body), out.operation);
    markPolling(this.f, job, { kind: 'service_instance', guid: si.guid });
    await this.pollInstance(si);
  }

  /** A plan or parameters change goes to the broker; the plan moves when the broker says it did. */
  async update(job: JobRec, si: ManagedInstanceRec, planGuid: string | undefined, parameters: unknown): Promise<void> {
    const from = osb.planParts(this.f, si.service_plan_guid);
    const to = planGuid ? osb.planParts(this.f, planGuid) : from;
    si.proposed_plan_guid = to.plan.guid;
    this.op(si, 'update', 'in progress');
    let out: osb.Outcome;
    try {
      out = await osb.updateInstance(this.f, from, to, si, parameters, this.userId);
    } catch (err) {
      si.proposed_plan_guid = null;
      this.failed(si, 'update', err);
    }
    if (typeof out.body.dashboard_url === 'string') si.dashboard_url = out.body.dashboard_url;
    if (out.done) {
      this.movePlan(si);
      return this.op(si, 'update', 'succeeded', description(out.body));
    }
    this.op(si, 'update', 'in progress', description(out.body), out.operation);
    markPolling(this.f, job, { kind: 'service_instance', guid: si.guid });
    await this.pollInstance(si);
  }

  async delete(job: JobRec, si: ManagedInstanceRec): Promise<void> {
    const p = osb.planParts(this.f, si.service_plan_guid);
    this.op(si, 'delete', 'in progress');
    let out: osb.Outcome;
    try {
      out = await osb.deprovision(p, si, this.userId);
    } catch (err) {
      this.failed(si, 'delete', err);
    }
    if (out.done) return this.forget(si);
    this.op(si, 'delete', 'in progress', description(out.body), out.operation);
    markPolling(this.f, job, { kind: 'service_instance', guid: si.guid });
    await this.pollInstance(si);
  }

  private movePlan(si: ManagedInstanceRec): void {
    if (si.proposed_plan_guid) {
      si.service_plan_guid = si.proposed_plan_guid;
      si.maintenance_info = this.f.store.get('service_plans', si.service_plan_guid)?.maintenance_info ?? si.maintenance_info;
    }
    si.proposed_plan_guid = null;
  }

  private forget(si: ManagedInstanceRec): void {
    for (const b of this.f.store.list('service_bindings')) if (b.service_instance_guid === si.guid) this.f.store.remove('service_bindings', b.guid);
    this.f.store.remove('service_instances', si.guid);
  }

  private async pollInstance(si: ManagedInstanceRec): Promise<void> {
    const type = si.last_operation.type;
    const p = osb.planParts(this.f, si.service_plan_guid);
    const last = await this.poll(p, si, null, si.last_operation.broker_operation, (d) =>
      this.op(si, type, 'in progress', d, si.last_operation.broker_operation),
    );
    if (last.state === 'gone' && type !== 'delete') return this.failed(si, type, new Error('The service broker no longer knows this service instance.'));
    if (last.state === 'failed') {
      if (type === 'update') si.proposed_plan_guid = null;
      // CC's LastOperationFailedState: the job fails with the broker's description.
      this.failed(
        si,
        type,
        new ApiError(502, 10001, 'CF-ServiceBrokerBadResponse', last.description || `Service broker failed to ${verb(type)} the service instance.`),
      );
    }
    if (type === 'delete') return this.forget(si);
    if (type === 'update') this.movePlan(si);
    if (p.offering.broker_catalog.features.instances_retrievable) {
      const got = await osb.fetch(p, si, null).catch(() => undefined);
      if (typeof got?.dashboard_url === 'string') si.dashboard_url = got.dashboard_url;
    }
    this.op(si, type, 'succeeded', last.description);
  }

  // --- bindings and keys ---------------------------------------------------

  async bind(job: JobRec | null, si: ManagedInstanceRec, b: ServiceBindingRec, parameters: unknown): Promise<void> {
    const p = osb.planParts(this.f, si.service_plan_guid);
    this.op(b, 'create', 'in progress');
    let out: osb.Outcome;
    try {
      out = await osb.bind(this.f, p, si, b, parameters, this.userId);
    } catch (err) {
      if (err instanceof BrokerError && err.orphan) this.cleanUp(p, () => osb.unbind(p, si, b), `binding ${b.guid}`);
      this.failed(b, 'create', err);
    }
    if (out.done) {
      this.keepCredentials(b, out.body);
      return this.op(b, 'create', 'succeeded', description(out.body));
    }
    this.op(b, 'create', 'in progress', description(out.body), out.operation);
    if (job) markPolling(this.f, job, { kind: 'service_binding', guid: b.guid });
    await this.pollBinding(si, b);
  }

  async unbind(job: JobRec, si: ManagedInstanceRec, b: ServiceBindingRec): Promise<void> {
    const p = osb.planParts(this.f, si.service_plan_guid);
    this.op(b, 'delete', 'in progress');
    let out: osb.Outcome;
    try {
      out = await osb.unbind(p, si, b, this.userId);
    } catch (err) {
      this.failed(b, 'delete', err);
    }
    if (out.done) return this.f.store.remove('service_bindings', b.guid);
    this.op(b, 'delete', 'in progress', description(out.body), out.operation);
    markPolling(this.f, job, { kind: 'service_binding', guid: b.guid });
    await this.pollBinding(si, b);
  }

  private keepCredentials(b: ServiceBindingRec, body: Record<string, unknown>): void {
    const creds = body.credentials;
    b.credentials = creds && typeof creds === 'object' && !Array.isArray(creds) ? (creds as Record<string, unknown>) : {};
    b.syslog_drain_url = typeof body.syslog_drain_url === 'string' ? body.syslog_drain_url : null;
    // CC keeps only what an app may see of a volume mount.
    b.volume_mounts = Array.isArray(body.volume_mounts)
      ? (body.volume_mounts as Record<string, unknown>[]).map((v) => ({ container_dir: v.container_dir, mode: v.mode, device_type: v.device_type }))
      : [];
  }

  private async pollBinding(si: ManagedInstanceRec, b: ServiceBindingRec): Promise<void> {
    const type = b.last_operation!.type;
    const p = osb.planParts(this.f, si.service_plan_guid);
    const last = await this.poll(p, si, b, b.last_operation!.broker_operation, (d) => this.op(b, type, 'in progress', d, b.last_operation!.broker_operation));
    if (type === 'delete' && (last.state === 'succeeded' || last.state === 'gone')) return this.f.store.remove('service_bindings', b.guid);
    if (last.state !== 'succeeded') {
      if (type === 'create') this.cleanUp(p, () => osb.unbind(p, si, b), `binding ${b.guid}`);
      const why =
        last.description ||
        (last.state === 'gone' ? 'The service broker no longer knows this binding.' : `Service broker failed to ${verb(type)} the binding.`);
      this.failed(b, type, new ApiError(502, 10001, 'CF-ServiceBrokerBadResponse', why));
    }
    // An asynchronous binding's credentials come from fetching it (OSB "Fetching a Service Binding").
    this.keepCredentials(b, await osb.fetch(p, si, b).catch((err) => this.failed(b, type, err)));
    this.op(b, type, 'succeeded', last.description);
  }

  // --- polling, clean-up, restart --------------------------------------------

  private async poll(
    p: osb.PlanParts,
    si: ManagedInstanceRec,
    b: ServiceBindingRec | null,
    operation: string | null | undefined,
    progress: (description: string) => void,
  ): Promise<osb.LastOperation> {
    const deadline = Date.now() + (p.plan.broker_catalog.maximum_polling_duration ?? DEFAULT_MAX_POLL_S) * 1000;
    let wait = FIRST_POLL_MS;
    let retryAfter: number | undefined;
    for (;;) {
      await this.sleep(retryAfter !== undefined ? retryAfter * 1000 : wait);
      // A stopping foundation writes nothing for this poll: the job stays POLLING and resumes at the next start.
      if (this.closed) await new Promise<never>(() => undefined);
      wait = Math.min(wait * 1.5, MAX_POLL_MS);
      let last: osb.LastOperation;
      try {
        last = await osb.lastOperation(p, si, b, operation);
      } catch {
        // CC keeps polling through a broker's bad answers until the deadline.
        last = { state: 'in progress', description: '' };
      }
      if (last.state !== 'in progress') return last;
      retryAfter = last.retryAfter;
      if (last.description) progress(last.description);
      if (Date.now() > deadline) return { state: 'failed', description: `Service broker failed to finish the operation within the required time.` };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.wakers.add(done);
    });
  }

  /** OSB orphan mitigation and clean-ups after deletes: retried in the background, never on the user's clock. */
  cleanUp(p: osb.PlanParts, call: () => Promise<osb.Outcome>, what: string): void {
    void (async () => {
      let wait = 1000;
      for (let i = 0; i < CLEANUP_TRIES && !this.closed; i++) {
        try {
          const out = await call();
          if (out.done) return;
          await this.sleep(wait);
          continue;
        } catch (err) {
          if (i === CLEANUP_TRIES - 1) logWarning(`Clean-up of ${what} at broker ${p.broker.name} failed: ${(err as Error).message}`);
        }
        await this.sleep(wait);
        wait = Math.min(wait * 2, 30_000);
      }
    })();
  }

  /**
   * At start: a job that was POLLING polls again (the broker's operation is
   * real); an operation whose call was in flight when the foundation died
   * cannot be known to have happened and is marked failed, so the user can
   * retry or delete.
   */
  resume(): void {
    const polling = new Set<string>();
    for (const job of this.f.store.list('jobs')) {
      if (job.state !== 'POLLING' || !job.polls) continue;
      const { kind, guid } = job.polls;
      polling.add(guid);
      void finishJob(this.f, job, async () => {
        if (kind === 'service_instance') {
          const si = this.f.store.get('service_instances', guid);
          if (si?.type !== 'managed') throw new Error('The service instance of this job no longer exists.');
          await this.pollInstance(si);
        } else {
          const b = this.f.store.get('service_bindings', guid);
          const si = this.f.store.get('service_instances', b?.service_instance_guid);
          if (!b || si?.type !== 'managed') throw new Error('The service binding of this job no longer exists.');
          await this.pollBinding(si, b);
        }
      });
    }
    const lost = 'The local foundation stopped while this operation ran; run the command again.';
    for (const si of this.f.store.list('service_instances'))
      if (si.type === 'managed' && si.last_operation.state === 'in progress' && !polling.has(si.guid)) this.op(si, si.last_operation.type, 'failed', lost);
    for (const b of this.f.store.list('service_bindings'))
      if (b.last_operation?.state === 'in progress' && !polling.has(b.guid)) this.op(b, b.last_operation.type, 'failed', lost);
  }

  close(): void {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
  }
}

function description(body: Record<string, unknown>): string {
  return typeof body.description === 'string' ? body.description : '';
}

function verb(type: LastOperationRec['type']): string {
  return type === 'create' ? 'create' : type === 'update' ? 'update' : 'delete';
}
