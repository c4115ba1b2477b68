// `--strategy rolling|canary`: a CC deployment (cf-reference.md §1.8). The
// platform brings new instances up before old ones go; we poll until it is
// FINALIZED (a canary: until it pauses after its first step) and cancel it if
// the startup timeout runs out, as the cf CLI learned to. `continue-deployment`
// and `cancel-deployment` act on an app's active deployment.
import type { CcApp, CcDeployment } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { Reporter } from './index';
import { pollUntil, STARTUP_TIMEOUT_MS } from './poll';
import { findApp } from './steps';

export interface DeployOptions {
  strategy: 'rolling' | 'canary';
  /** Canary `--instance-steps`: percentages of the web instances per step (none: one canary instance). */
  instanceSteps?: number[];
  /** `--no-wait`: return once the first new web instance is healthy, the rollout going on (as cf push --no-wait). */
  noWait?: boolean;
  signal?: AbortSignal;
}

/** Creates the deployment and waits for it: FINALIZED, or ACTIVE/PAUSED for a canary. */
export async function deploy(session: Session, app: CcApp, dropletGuid: string, r: Reporter, o: DeployOptions): Promise<CcDeployment> {
  r.step(`${o.strategy === 'canary' ? 'Canary' : 'Rolling'} deployment of ${app.name}`);
  const dep = await session.cc.deployments.create({
    appGuid: app.guid,
    dropletGuid,
    strategy: o.strategy,
    canarySteps: o.instanceSteps?.length ? o.instanceSteps.map((w) => ({ instance_weight: w })) : undefined,
  });
  if (o.noWait && o.strategy === 'rolling') return waitFirstNewInstance(session, app.name, dep.guid, o.signal);
  return waitDeployment(session, app.name, dep.guid, { untilPaused: o.strategy === 'canary', signal: o.signal });
}

/** Until one instance of the deployment's new web process is RUNNING (or the deployment ended: then as waitDeployment judges it). */
async function waitFirstNewInstance(session: Session, appName: string, guid: string, signal?: AbortSignal): Promise<CcDeployment> {
  const state = await pollUntil(
    async () => {
      const d = await session.cc.deployments.get(guid);
      const proc = d.new_processes?.find((p) => p.type === 'web') ?? d.new_processes?.[0];
      const running = proc ? (await session.cc.processes.stats(proc.guid)).some((s) => s.state === 'RUNNING') : false;
      return { d, running };
    },
    ({ d, running }) => running || d.status.value === 'FINALIZED',
    { what: `the first new instance of ${appName}`, timeoutMs: STARTUP_TIMEOUT_MS, signal },
  );
  return state.running && state.d.status.value !== 'FINALIZED' ? state.d : waitDeployment(session, appName, guid, { signal });
}

/**
 * Polls until the deployment is FINALIZED (or PAUSED, with untilPaused). A
 * deployment that runs out of time is canceled; one that ends other than
 * DEPLOYED is an error, unless the caller is canceling it.
 */
async function waitDeployment(
  session: Session,
  appName: string,
  guid: string,
  o: { untilPaused?: boolean; canceling?: boolean; signal?: AbortSignal },
): Promise<CcDeployment> {
  let done: CcDeployment;
  try {
    done = await pollUntil(
      () => session.cc.deployments.get(guid),
      (d) => d.status.value === 'FINALIZED' || (!!o.untilPaused && d.status.reason === 'PAUSED'),
      { what: `the deployment of ${appName}${o.canceling ? ' to cancel' : ''}`, timeoutMs: STARTUP_TIMEOUT_MS, signal: o.signal },
    );
  } catch (err) {
    if (!o.canceling) await session.cc.deployments.cancel(guid).catch(() => undefined);
    throw err;
  }
  if (!o.canceling && done.status.value === 'FINALIZED' && done.status.reason !== 'DEPLOYED') {
    throw new CfPushError(`The deployment of ${appName} ended ${done.status.reason}${done.status.details?.error ? `: ${done.status.details.error}` : ''}.`, {
      hint: `The previous version keeps serving. See \`cfpush logs ${appName} --recent\`.`,
    });
  }
  return done;
}

/** The app's ACTIVE deployment, or an error that says there is none. */
async function activeDeployment(session: Session, appName: string): Promise<{ app: CcApp; dep: CcDeployment }> {
  const app = await findApp(session, appName);
  const [dep] = await session.cc.deployments.active([app.guid]);
  if (!dep)
    throw new CfPushError(`No active deployment for app ${appName}.`, {
      code: 'DeploymentNotFound',
      hint: `Start one with \`cfpush push ${appName} --strategy canary\`.`,
    });
  return { app, dep };
}

/** `continue-deployment APP`: a paused canary goes on; waits until it is DEPLOYED (or its next pause) unless told not to. */
export async function continueDeployment(
  session: Session,
  appName: string,
  r: Reporter,
  o: { wait?: boolean; signal?: AbortSignal } = {},
): Promise<CcDeployment> {
  const { dep } = await activeDeployment(session, appName);
  if (dep.status.reason !== 'PAUSED') {
    throw new CfPushError(`The deployment of ${appName} is ${dep.status.reason}, not PAUSED: there is nothing to continue.`, {
      code: 'DeploymentNotPaused',
      hint: 'Wait until it pauses, or cancel it with `cfpush cancel-deployment APP`.',
    });
  }
  r.step(`Continuing the deployment of ${appName}`);
  const next = await session.cc.deployments.continue(dep.guid);
  return o.wait === false ? next : waitDeployment(session, appName, dep.guid, { untilPaused: true, signal: o.signal });
}

/** `cancel-deployment APP`: the previous droplet and instances come back. */
export async function cancelDeployment(session: Session, appName: string, r: Reporter, o: { signal?: AbortSignal } = {}): Promise<CcDeployment> {
  const { dep } = await activeDeployment(session, appName);
  r.step(`Canceling the deployment of ${appName}`);
  await session.cc.deployments.cancel(dep.guid);
  return waitDeployment(session, appName, dep.guid, { canceling: true, signal: o.signal });
}
