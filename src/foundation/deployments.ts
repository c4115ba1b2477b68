// Rolling and canary deployments (cf-reference.md §1.8, §7; CC
// `deployment_create.rb`, `cc_deployment_updater`): a new `web` process runs the deployment's droplet
// next to the old one(s) and shares their routes; up to max_in_flight new
// instances come up (RUNNING) before as many old ones are stopped; repeat; the
// old web processes go away and the deployment is FINALIZED/DEPLOYED. Cancel
// puts the previous droplet back, restores the old instances, then removes
// the new process. A newer deployment SUPERSEDES an active one. A canary
// first runs its steps, pausing (ACTIVE/PAUSED) after each until continued.
// After a foundation restart ACTIVE deployments go on from the state.
//
// Driven only through the supervisor's public `sync()` and `stats()`: the
// supervisor already runs one set of instances per process record, and the
// router pools every RUNNING instance of an app's `web` type.
import type { Foundation } from './context';
import { appProcesses, defaultHealthCheck } from './model';
import { meta, now, ordinal, type AppRec, type DeploymentReason, type DeploymentRec, type ProcessRec } from './store';

const POLL_MS = 50;
const DEFAULT_HEALTH_TIMEOUT_S = 60;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export function webProcesses(f: Foundation, appGuid: string): ProcessRec[] {
  return appProcesses(f, appGuid)
    .filter((p) => p.type === 'web')
    .sort((a, b) => ordinal(a.created_at, b.created_at));
}

function setStatus(f: Foundation, d: DeploymentRec, value: DeploymentRec['value'], reason: DeploymentReason, error: string | null = d.error): void {
  Object.assign(d, { value, reason, error, last_status_change: now() });
  f.store.touch(d);
}

/** Every instance of `proc` is RUNNING (and there are `proc.instances` of them). */
function allRunning(f: Foundation, proc: ProcessRec): boolean {
  const stats = f.supervisor.stats(proc) as { state: string }[];
  return stats.length === proc.instances && stats.every((s) => s.state === 'RUNNING');
}

export interface DeploymentOptions {
  maxInFlight: number;
  webInstances?: number;
  /** Canary: instance weights of options.canary.steps; null = one canary instance; undefined = rolling. */
  canary?: number[] | null;
}

/** Paused canaries wait on these (continue / cancel / supersede wake them; a slow timer covers the rest). */
const wakers = new Map<string, () => void>();
function wake(d: DeploymentRec): void {
  wakers.get(d.guid)?.();
}

export function createDeployment(f: Foundation, app: AppRec, dropletGuid: string, opts: DeploymentOptions): DeploymentRec {
  const previous = app.droplet_guid;
  const webs = webProcesses(f, app.guid);
  const active = f.store.list('deployments').filter((x) => x.app_guid === app.guid && x.value === 'ACTIVE');
  for (const a of active) {
    setStatus(f, a, 'FINALIZED', 'SUPERSEDED');
    wake(a);
  }
  const target = opts.webInstances ?? active[0]?.web_instances ?? webs[0]?.instances ?? 1;
  const t = now();
  const d = f.store.put('deployments', {
    ...meta(),
    app_guid: app.guid,
    strategy: opts.canary === undefined ? 'rolling' : 'canary',
    ...(opts.canary === undefined ? {} : { canary: { weights: opts.canary, current: 1 } }),
    droplet_guid: dropletGuid,
    previous_droplet_guid: previous,
    max_in_flight: opts.maxInFlight,
    web_instances: target,
    value: 'ACTIVE',
    reason: 'DEPLOYING',
    last_status_change: t,
    error: null,
    new_process_guid: null,
  });
  app.droplet_guid = dropletGuid;
  f.store.touch(app);
  if (app.state !== 'STARTED' || webs.length === 0) {
    // A stopped app just starts on the new droplet (CC finalizes such a deployment at once).
    for (const w of webs) if (opts.webInstances !== undefined) Object.assign(w, { instances: target });
    app.state = 'STARTED';
    f.store.touch(app);
    void f.supervisor.sync(app.guid);
    setStatus(f, d, 'FINALIZED', 'DEPLOYED');
    return d;
  }
  const template = webs[webs.length - 1]!;
  const proc = f.store.put('processes', {
    ...meta(),
    app_guid: app.guid,
    type: 'web',
    command: template.command,
    instances: 0,
    memory_in_mb: template.memory_in_mb,
    disk_in_mb: template.disk_in_mb,
    health_check: structuredClone(template.health_check ?? defaultHealthCheck('web')),
  });
  d.new_process_guid = proc.guid;
  d.old_instances = Object.fromEntries(webs.map((p) => [p.guid, p.instances]));
  f.store.touch(d);
  start(f, d, proc);
  return d;
}

function start(f: Foundation, d: DeploymentRec, proc: ProcessRec): void {
  void roll(f, d, proc).catch((err) => {
    setStatus(f, d, 'FINALIZED', 'CANCELED', `Deployment failed: ${(err as Error).message}`);
  });
}

/**
 * After a restart: ACTIVE deployments go on from the instance counts the
 * state holds, like CC's deployment updater, which keeps no state of its own.
 * Without that a killed rollout would leave two web processes behind.
 */
export function resumeDeployments(f: Foundation): void {
  for (const d of f.store.list('deployments')) {
    if (d.value !== 'ACTIVE') continue;
    const app = f.store.get('apps', d.app_guid);
    const proc = d.new_process_guid ? f.store.get('processes', d.new_process_guid) : undefined;
    if (app && proc) start(f, d, proc);
    else setStatus(f, d, 'FINALIZED', d.reason === 'CANCELING' || !app ? 'CANCELED' : 'DEPLOYED');
  }
}

export function cancelDeployment(f: Foundation, d: DeploymentRec): void {
  setStatus(f, d, 'ACTIVE', 'CANCELING');
  wake(d);
}

/** A paused canary goes on: to its next step, or after the last one to the rest of the rollout. */
export function continueDeployment(f: Foundation, d: DeploymentRec): void {
  // The step moves on with the status, in one write: a crash cannot re-pause at the step just left.
  if (d.canary) d.canary.current++;
  setStatus(f, d, 'ACTIVE', 'DEPLOYING');
  wake(d);
}

/** New instances a canary step runs: its weight of the web instances, rounded down but at least one. */
export function canaryInstances(weight: number | undefined, webInstances: number): number {
  return weight === undefined ? 1 : Math.max(1, Math.floor((weight * webInstances) / 100));
}

/** The rolling loop; returns when the deployment is finalized (or superseded). */
async function roll(f: Foundation, d: DeploymentRec, proc: ProcessRec): Promise<void> {
  const app = f.store.get('apps', d.app_guid);
  if (!app) return;
  const olds = webProcesses(f, app.guid).filter((p) => p.guid !== proc.guid);
  const original = new Map(olds.map((p) => [p.guid, d.old_instances?.[p.guid] ?? p.instances]));
  const live = () => d.value === 'ACTIVE' && !f.store.sealed && !!f.store.get('apps', app.guid);
  const healthTimeoutMs = ((proc.health_check.data.timeout ?? DEFAULT_HEALTH_TIMEOUT_S) + 10) * 1000;

  /** Waits until `proc` is all RUNNING; false if the deployment stopped being DEPLOYING meanwhile. */
  const waitRunning = async (p: ProcessRec): Promise<boolean> => {
    const deadline = Date.now() + healthTimeoutMs;
    while (!allRunning(f, p)) {
      if (!live() || d.reason !== 'DEPLOYING') return false;
      if (Date.now() > deadline) {
        d.error = 'Timed out waiting for the new instances to become healthy';
        cancelDeployment(f, d);
        return false;
      }
      await sleep(POLL_MS);
    }
    // A cancel or a newer deployment may have landed during the last sleep.
    return live() && d.reason === 'DEPLOYING';
  };

  if (d.canary) await canarySteps(f, d, proc, olds, live, waitRunning);

  while (live() && d.reason === 'DEPLOYING') {
    const oldTotal = olds.reduce((n, p) => n + p.instances, 0);
    if (proc.instances >= d.web_instances && oldTotal === 0) break;
    const step = Math.min(d.max_in_flight, Math.max(0, d.web_instances - proc.instances));
    if (step > 0) {
      proc.instances += step;
      f.store.touch(proc);
      await f.supervisor.sync(app.guid);
      if (!(await waitRunning(proc))) break;
    }
    // Stop as many old instances as came up (all that remain once the new process is complete).
    let remove = proc.instances >= d.web_instances ? oldTotal : Math.min(Math.max(step, 1), oldTotal);
    for (const p of [...olds].reverse()) {
      const n = Math.min(remove, p.instances);
      p.instances -= n;
      remove -= n;
      f.store.touch(p);
    }
    await f.supervisor.sync(app.guid);
  }

  if (f.store.sealed) return; // the foundation closed: the next one resumes from the state on disk
  if (d.value === 'FINALIZED') return; // superseded: the newer deployment owns every web process now
  if (!f.store.get('apps', app.guid)) return;

  if (d.reason === 'CANCELING') {
    app.droplet_guid = d.previous_droplet_guid;
    f.store.touch(app);
    for (const p of olds) {
      if (!f.store.get('processes', p.guid)) continue;
      p.instances = original.get(p.guid) ?? p.instances;
      f.store.touch(p);
    }
    await f.supervisor.sync(app.guid);
    const deadline = Date.now() + healthTimeoutMs;
    while (olds.some((p) => !allRunning(f, p)) && Date.now() < deadline && d.reason === 'CANCELING') await sleep(POLL_MS);
    f.store.remove('processes', proc.guid);
    await f.supervisor.sync(app.guid);
    f.routesChanged();
    setStatus(f, d, 'FINALIZED', 'CANCELED');
    return;
  }

  for (const p of olds) f.store.remove('processes', p.guid);
  await f.supervisor.sync(app.guid);
  f.routesChanged();
  setStatus(f, d, 'FINALIZED', 'DEPLOYED');
}

/**
 * The canary part of a deployment: each step brings the new process to its
 * instances (weighted steps also take old instances away, so the instance mix
 * follows the weight), waits until they run, then pauses at ACTIVE/PAUSED
 * until continue or cancel. Picks up at the recorded step after a restart.
 */
async function canarySteps(
  f: Foundation,
  d: DeploymentRec,
  proc: ProcessRec,
  olds: ProcessRec[],
  live: () => boolean,
  waitRunning: (p: ProcessRec) => Promise<boolean>,
): Promise<void> {
  const canary = d.canary!;
  const total = canary.weights?.length ?? 1;
  while (live() && (d.reason === 'DEPLOYING' || d.reason === 'PAUSED') && canary.current <= total) {
    const weight = canary.weights?.[canary.current - 1];
    const wantNew = Math.min(d.web_instances, canaryInstances(weight, d.web_instances));
    if (proc.instances < wantNew) proc.instances = wantNew;
    f.store.touch(proc);
    if (weight !== undefined) {
      let extra = olds.reduce((n, p) => n + p.instances, 0) - Math.max(0, d.web_instances - proc.instances);
      for (const p of [...olds].reverse()) {
        const n = Math.min(Math.max(0, extra), p.instances);
        p.instances -= n;
        extra -= n;
        f.store.touch(p);
      }
    }
    await f.supervisor.sync(d.app_guid);
    if (d.reason === 'DEPLOYING') {
      if (!(await waitRunning(proc))) return;
      setStatus(f, d, 'ACTIVE', 'PAUSED');
    }
    while (live() && d.reason === 'PAUSED') {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        t.unref();
        wakers.set(d.guid, () => {
          clearTimeout(t);
          r();
        });
      });
    }
    wakers.delete(d.guid);
    if (!live() || d.reason !== 'DEPLOYING') return; // continued: continueDeployment moved to the next step
  }
}
