// Blue-green push and swap-back (issue 4 §3). The new version runs as a second
// app (`NAME-next`) on a temporary route until every instance is RUNNING and a
// smoke test passes; then the live routes are mapped to it before they are
// unmapped from the old app (never a moment without a destination), the old
// app is stopped and kept as `NAME-previous` for `swap-back`. Names and route
// holdings alone say how far an interrupted run got, so `repair` can finish or
// roll it back on the next run, on any machine.
import YAML from 'yaml';
import type { CcApp, CcDomain, CcRoute } from '../cc/types';
import { CfPushError, ccTitle } from '../errors';
import { httpGet } from '../http-get';
import type { Session } from '../session';
import type { PushedApp, PushOptions, Reporter } from './index';
import { sleep } from './poll';
import { appsToPush, deployApp, pushApps } from './deploy';
import { planApp } from './plan';
import { webProcess } from './scale';
import { addDestination, removeDestination } from '../actors/route-plan';
import { appRoutes, appUrls, applyManifest, findApp, waitForJob, waitRunning } from './steps';

export const nextName = (n: string) => `${n}-next`;
export const previousName = (n: string) => `${n}-previous`;
const swappingName = (n: string) => `${n}-swapping`;

/** Test hook: `CFPUSH_CRASH_AT=<step>` kills this process at that step, as a user's Ctrl-C or a dead laptop would. */
function crashPoint(step: string): void {
  if (process.env.CFPUSH_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

export async function pushBlueGreen(session: Session, opts: PushOptions, r: Reporter): Promise<PushedApp[]> {
  const apps = await appsToPush(opts);
  if (apps.length !== 1) {
    throw new CfPushError('A blue-green push takes one app at a time.', { hint: 'Name it: `cfpush push APP --strategy blue-green`.' });
  }
  const app = apps[0];
  const name = app.name;
  const domain = await defaultDomain(session);
  await repair(session, name, domain, r);

  const live = await session.cc.apps.find(session.space.guid, name);
  const plan = planApp(app, opts, live ? { state: live.state } : undefined);
  if (!live || plan.rollout !== 'blue-green') {
    if (plan.note) r.step(plan.note);
    return pushApps(session, { ...opts, strategy: undefined }, r);
  }
  const scale = await webProcess(session, live.guid);
  const liveRoutes = realRoutes(await appRoutes(session, live.guid), name, domain);
  const tempHost = nextName(name);
  const raw: Record<string, unknown> = {
    ...app.raw,
    name: nextName(name),
    instances: scale.instances,
    memory: `${scale.memory_in_mb}M`,
    disk_quota: `${scale.disk_in_mb}M`,
    routes: [{ route: `${tempHost}.${domain.name}` }],
  };
  for (const k of ['random-route', 'no-route', 'default-route', 'disk-quota', 'path']) delete raw[k];

  r.step(`Blue-green: pushing the new version of ${name} as ${nextName(name)} (${scale.instances} × ${scale.memory_in_mb} MB, as live)`);
  crashPoint('p0');
  await applyManifest(session, YAML.stringify({ applications: [raw] }), r, opts.signal);
  crashPoint('p1');
  let next: PushedApp;
  try {
    next = await deployApp(session, { ...app, name: nextName(name), raw }, { ...opts, strategy: undefined }, r, { allInstances: true, before: null });
    crashPoint('p2');
    await smokeTest(session, tempHost, domain, opts, r);
  } catch (err) {
    r.step(`The new version did not pass; ${name} keeps serving, untouched. Removing ${nextName(name)}.`);
    await discardNext(session, name, domain).catch(() => undefined);
    throw err;
  }
  crashPoint('p3');

  r.step(`Switching ${liveRoutes.map((x) => x.url).join(', ') || '(no routes)'} to the new version`);
  const nextApp = await findApp(session, nextName(name));
  for (const rt of liveRoutes) await addDestination(session, rt, nextApp);
  crashPoint('p4');
  for (const rt of liveRoutes) await removeDestination(session, rt, live);
  crashPoint('p5');
  await drain(session, r, opts.signal);
  await session.cc.apps.stop(live.guid);
  crashPoint('p6');
  const oldPrev = await session.cc.apps.find(session.space.guid, previousName(name));
  if (oldPrev) await deleteByGuid(session, oldPrev);
  crashPoint('p7');
  await rename(session, live, previousName(name));
  crashPoint('p8');
  await rename(session, nextApp, name);
  crashPoint('p9');
  await deleteTempRoute(session, name, domain);
  r.step(`${name} now runs the new version; the old one is kept stopped as ${previousName(name)} (\`cfpush swap-back ${name}\` restores it).`);
  return [{ name, guid: next.guid, state: 'STARTED', urls: await appUrls(session, next.guid) }];
}

/** Restore the version kept by the last blue-green push, health-gated like the push. */
export async function swapBack(session: Session, name: string, r: Reporter, signal?: AbortSignal): Promise<PushedApp> {
  const domain = await defaultDomain(session);
  await repair(session, name, domain, r);
  const live = await findApp(session, name);
  const prev = await session.cc.apps.find(session.space.guid, previousName(name));
  if (!prev) {
    throw new CfPushError(`There is no previous version of ${name} to swap back to.`, {
      hint: `A blue-green push (\`cfpush push ${name} --strategy blue-green\`) keeps the replaced version as ${previousName(name)}.`,
    });
  }
  const routes = realRoutes(await appRoutes(session, live.guid), name, domain);
  r.step(`Starting ${previousName(name)}`);
  await session.cc.apps.start(prev.guid);
  await waitRunning(session, prev, r, signal, { allInstances: true });
  crashPoint('s1');
  r.step(`Switching ${routes.map((x) => x.url).join(', ') || '(no routes)'} back to the previous version`);
  for (const rt of routes) await addDestination(session, rt, prev);
  crashPoint('s2');
  for (const rt of routes) await removeDestination(session, rt, live);
  crashPoint('s3');
  await drain(session, r, signal);
  await session.cc.apps.stop(live.guid);
  crashPoint('s4');
  await rename(session, live, swappingName(name));
  crashPoint('s5');
  await rename(session, prev, name);
  crashPoint('s6');
  await rename(session, live, previousName(name));
  r.step(`${name} runs the previous version again; the replaced one is kept stopped as ${previousName(name)}.`);
  return { name, guid: prev.guid, state: 'STARTED', urls: await appUrls(session, prev.guid) };
}

/**
 * Finish or roll back an interrupted blue-green push or swap-back. At rest
 * there is NAME (live) and maybe NAME-previous (stopped, no routes): anything
 * else is a run that stopped part-way.
 */
export async function repair(session: Session, name: string, domain: CcDomain, r: Reporter): Promise<void> {
  const find = (n: string) => session.cc.apps.find(session.space.guid, n);
  const found = await Promise.all([find(name), find(nextName(name)), find(previousName(name)), find(swappingName(name))]);
  let [live, next, prev] = found;
  const swapping = found[3];
  if (!live && next) {
    r.warn(`Finishing an interrupted blue-green push: ${nextName(name)} becomes ${name}.`);
    live = await rename(session, next, name);
    next = undefined;
  } else if (!live && swapping && prev) {
    r.warn(`Finishing an interrupted swap-back: ${previousName(name)} becomes ${name}.`);
    live = await rename(session, prev, name);
    prev = undefined;
  }
  if (swapping) {
    if (!prev) prev = await rename(session, swapping, previousName(name));
    else await deleteByGuid(session, swapping);
  }
  if (!live) return;
  for (const other of [next, prev]) {
    if (!other) continue;
    const held = realRoutes(await appRoutes(session, other.guid), name, domain);
    if (other === next || held.length > 0) {
      r.warn(`Rolling back an interrupted ${other === next ? 'blue-green push' : 'swap-back'}: ${name} keeps serving.`);
    }
    if (held.length > 0) {
      if (live.state !== 'STARTED') {
        await session.cc.apps.start(live.guid);
        await waitRunning(session, live, r, undefined, { allInstances: true });
        live = await findApp(session, name);
      }
      for (const rt of held) await addDestination(session, rt, live);
      for (const rt of held) await removeDestination(session, rt, other);
    }
    if (other === next) await deleteByGuid(session, other);
    else if (other.state === 'STARTED') await session.cc.apps.stop(other.guid);
  }
  if (live.state !== 'STARTED') {
    await session.cc.apps.start(live.guid);
    await waitRunning(session, live, r);
  }
  await deleteTempRoute(session, name, domain);
}

async function smokeTest(session: Session, tempHost: string, domain: CcDomain, opts: PushOptions, r: Reporter): Promise<void> {
  const url = session.routeUrl(`${tempHost}.${domain.name}`) + (opts.smokeTest?.path ?? '/').replace(/^(?!\/)/, '/');
  if (opts.smokeTest?.command) {
    r.step(`Smoke test: ${opts.smokeTest.command} (APP_URL=${url})`);
    const log = function* (line: unknown) {
      r.log(`[SMOKE] ${String(line)}`);
      yield line;
    };
    const { execa } = await import('execa');
    const run = await execa(opts.smokeTest.command, {
      shell: true,
      env: { APP_URL: url },
      stdin: 'ignore',
      stdout: [log],
      stderr: [log],
      reject: false,
      cancelSignal: opts.signal,
    });
    const code = run.exitCode ?? 1;
    if (code !== 0) {
      throw new CfPushError(`Smoke test failed: \`${opts.smokeTest.command}\` exited ${code}.`, {
        code: 'SmokeTestFailed',
        hint: 'Its output is above. The live app was not touched.',
      });
    }
    return;
  }
  r.step(`Smoke test: GET ${url}`);
  let res;
  try {
    res = await httpGet(url, { timeoutMs: 15_000, insecure: session.target.skipSslValidation });
  } catch (err) {
    throw new CfPushError(`Smoke test failed: GET ${url}: ${(err as Error).message}`, { code: 'SmokeTestFailed', hint: 'The live app was not touched.' });
  }
  if (res.status < 200 || res.status > 299) {
    throw new CfPushError(`Smoke test failed: GET ${url} answered ${res.status}: ${res.body.slice(0, 200).trim()}`, {
      code: 'SmokeTestFailed',
      hint: 'The live app was not touched. Fix the new version, or set the path to check with `--smoke-test-path`.',
    });
  }
}

/**
 * Unmapping is not instant everywhere: gorouters learn of it through the
 * route emitter, and requests already sent to the old app must finish. Wait
 * before stopping it (CFPUSH_DRAIN_MS; 1 s on the local foundation, whose
 * router swaps its table atomically, 5 s elsewhere).
 */
async function drain(session: Session, r: Reporter, signal?: AbortSignal): Promise<void> {
  const ms = Number(process.env.CFPUSH_DRAIN_MS) || (session.target.local ? 1000 : 5000);
  r.step(`Letting requests in flight to the old version finish (${ms / 1000} s)`);
  await sleep(ms, signal);
}

async function defaultDomain(session: Session): Promise<CcDomain> {
  return session.cc.domains.orgDefault(session.org.guid);
}

/** Routes other than the blue-green temporary one. */
function realRoutes(routes: CcRoute[], name: string, domain: CcDomain): CcRoute[] {
  return routes.filter((rt) => !(rt.host === nextName(name) && rt.relationships.domain.data?.guid === domain.guid && !rt.path));
}

async function waitJob(session: Session, location: string | undefined): Promise<void> {
  const job = await waitForJob(session, location, 'a delete to finish');
  if (job?.state === 'FAILED') {
    throw new CfPushError(`Delete failed: ${job.errors[0]?.detail ?? 'unknown error'}`, {
      code: ccTitle(job.errors[0]?.title),
      hint: 'Run the blue-green push again: it finishes or rolls back what is left.',
    });
  }
}

async function deleteTempRoute(session: Session, name: string, domain: CcDomain): Promise<void> {
  const temp = (await session.cc.routes.list({ hosts: [nextName(name)], domainGuids: [domain.guid] })).filter((rt) => !rt.path);
  for (const rt of temp) await waitJob(session, await session.cc.routes.delete(rt.guid));
}

async function discardNext(session: Session, name: string, domain: CcDomain): Promise<void> {
  const next = await session.cc.apps.find(session.space.guid, nextName(name));
  if (next) await deleteByGuid(session, next);
  await deleteTempRoute(session, name, domain);
}

async function rename(session: Session, app: CcApp, to: string): Promise<CcApp> {
  return session.cc.apps.rename(app.guid, to);
}

async function deleteByGuid(session: Session, app: CcApp): Promise<void> {
  await waitJob(session, await session.cc.apps.delete(app.guid));
}
