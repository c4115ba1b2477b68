// The steps of `cf push` (cf-reference.md §1.1), each one CC v3 exchange, so
// push, restage and blue-green compose them instead of repeating them.
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectResources, openAppPath, zipResources, type Resource } from '../bits';
import type { CcApp, CcBuild, CcDroplet, CcJob, CcPackage, CcProcess, CcRoute } from '../cc/types';
import { CfPushError, ccTitle, stagingErrorId } from '../errors';
import type { Session } from '../session';
import type { Reporter } from './index';
import { followLogs, formatLogLine, readLogs } from './logs';
import { pollUntil, STAGING_TIMEOUT_MS, STARTUP_TIMEOUT_MS, throwIfAborted } from './poll';

export async function applyManifest(session: Session, yamlText: string, r: Reporter, signal?: AbortSignal): Promise<void> {
  const location = await session.cc.spaces.applyManifest(session.space.guid, yamlText);
  const job = await waitForJob(session, location, 'the manifest to be applied', STAGING_TIMEOUT_MS, signal);
  if (!job) return;
  for (const w of job.warnings ?? []) r.warn(w.detail);
  if (job.state === 'FAILED') {
    const e = job.errors[0];
    throw new CfPushError(`Applying the manifest failed: ${e?.detail ?? 'unknown error'}`, {
      code: ccTitle(e?.title),
      hint: 'Fix the manifest and push again.',
    });
  }
}

/** Polls the job a 202 pointed at (`Location`) until COMPLETE or FAILED; undefined when there was none. */
export async function waitForJob(
  session: Session,
  location: string | undefined,
  what: string,
  timeoutMs = 120_000,
  signal?: AbortSignal,
): Promise<CcJob | undefined> {
  if (!location) return undefined;
  return pollUntil(
    () => session.cc.jobs.get(location),
    (j) => j.state === 'COMPLETE' || j.state === 'FAILED',
    { what, timeoutMs, signal },
  );
}

export async function findApp(session: Session, name: string): Promise<CcApp> {
  const app = await session.cc.apps.find(session.space.guid, name);
  if (!app) {
    throw new CfPushError(`App '${name}' not found in space '${session.space.name}' of org '${session.org.name}'.`, {
      code: 'CF-ResourceNotFound',
      hint: 'Check the name with `cfpush apps`.',
    });
  }
  return app;
}

const CHUNK = 5000;

/** resource_matches + package + upload of only the unmatched files (§1.1 5a-5d). */
export async function uploadBits(
  session: Session,
  app: CcApp,
  dir: string,
  r: Reporter,
  signal?: AbortSignal,
): Promise<{ pkg: CcPackage; uploadedFiles: number; uploadedBytes: number }> {
  const folder = await openAppPath(dir);
  try {
    return await uploadResources(session, app, await collectResources(folder.dir), r, signal);
  } finally {
    await folder.close();
  }
}

async function uploadResources(
  session: Session,
  app: CcApp,
  resources: Resource[],
  r: Reporter,
  signal?: AbortSignal,
): Promise<{ pkg: CcPackage; uploadedFiles: number; uploadedBytes: number }> {
  const matchable = resources.filter((x) => x.size_in_bytes > 0);
  const known = new Set<string>();
  // The package is created while CC matches resources: neither needs the other.
  const created = session.cc.packages.createBits(app.guid);
  created.catch(() => undefined); // read below, unless matching fails first
  for (let i = 0; i < matchable.length; i += CHUNK) {
    const chunk = matchable.slice(i, i + CHUNK).map(wire);
    for (const m of await session.cc.resourceMatches.match(chunk)) known.add(m.checksum.value);
  }
  const matched = matchable.filter((x) => known.has(x.checksum.value));
  const unmatched = resources.filter((x) => !(x.size_in_bytes > 0 && known.has(x.checksum.value)));
  const files = unmatched.filter((x) => x.kind !== 'dir');
  const bytes = files.reduce((n, x) => n + x.size_in_bytes, 0);
  r.step(`Uploading ${files.length} file(s) (${formatBytes(bytes)}); ${matched.length} already on the target`);
  throwIfAborted(signal);

  const pkg = await created;
  const form = new FormData();
  form.append('resources', JSON.stringify(matched.map(wire)));
  let tmp: string | undefined;
  let answered: CcPackage | undefined;
  try {
    if (unmatched.length > 0) {
      tmp = await mkdtemp(join(tmpdir(), 'cfpush-bits-'));
      const zip = join(tmp, 'package.zip');
      await zipResources(unmatched, zip);
      form.append('bits', await openAsBlob(zip, { type: 'application/zip' }), 'package.zip');
    }
    answered = await session.cc.packages.upload(pkg.guid, form);
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
  // The upload's answer is the package: when it is READY already (a local foundation), no poll.
  let first = answered?.guid === pkg.guid ? answered : undefined;
  const ready = await pollUntil(
    async () => {
      const p = first ?? (await session.cc.packages.get(pkg.guid));
      first = undefined;
      return p;
    },
    (p) => p.state !== 'PROCESSING_UPLOAD' && p.state !== 'AWAITING_UPLOAD' && p.state !== 'COPYING',
    { what: 'the package to be processed', timeoutMs: STAGING_TIMEOUT_MS, signal },
  );
  if (ready.state !== 'READY') {
    throw new CfPushError(`The package for '${app.name}' is ${ready.state}.`, { hint: "Push again; if it repeats, check the target's blobstore." });
  }
  return { pkg: ready, uploadedFiles: files.length, uploadedBytes: bytes };
}

function wire(x: Resource) {
  return { path: x.path, mode: x.mode, checksum: { value: x.checksum.value }, size_in_bytes: x.size_in_bytes };
}

/** POST /v3/builds and wait, streaming `[STG]` lines (§1.1 6-7). */
/** The staged droplet: its guid, and for a docker app the droplet itself (its execution metadata names the ports). */
export async function stage(
  session: Session,
  app: CcApp,
  pkgGuid: string,
  r: Reporter,
  signal?: AbortSignal,
  docker = app.lifecycle.type === 'docker',
): Promise<{ guid: string; docker?: CcDroplet }> {
  r.step(`Staging ${app.name}`);
  // From a second back (the target's clock may be behind ours), but lines replayed before this build was
  // asked for are an earlier staging's (a push right after another).
  const since = BigInt(Date.now() - 1000) * 1_000_000n;
  let asked = false;
  const logs = await followLogs(session, app.guid, (l) => asked && r.log(formatLogLine(l)), {
    sinceNs: since,
    filter: (l) => l.sourceType === 'STG',
  });
  let build: CcBuild;
  try {
    await new Promise((r) => setImmediate(r)); // the replay that came with the stream's answer is read first
    asked = true;
    build = await session.cc.builds.create(pkgGuid);
    build = await pollUntil(
      () => session.cc.builds.get(build.guid),
      (b) => b.state !== 'STAGING',
      { what: `${app.name} to stage`, timeoutMs: STAGING_TIMEOUT_MS, signal, hint: 'Raise CF_STAGING_TIMEOUT (minutes) if staging is just slow.' },
    );
  } finally {
    await logs.stop();
  }
  if (build.state === 'FAILED' || !build.droplet) {
    const [id, ...rest] = (build.error ?? 'StagingError - unknown').split(' - ');
    throw stagingFailed(app.name, id!, rest.join(' - '), app.lifecycle.type === 'docker' ? DOCKER_STAGING_HINT : undefined);
  }
  // Only a docker app needs more than the guid: a buildpack droplet's record is not read on the way to its start.
  return docker ? { guid: build.droplet.guid, docker: await session.cc.droplets.get(build.droplet.guid) } : { guid: build.droplet.guid };
}

/** A docker app's staging reads the image (pulling it): no buildpack ran, the image or the registry's answer is the cause. */
const DOCKER_STAGING_HINT =
  'Check the image reference and, for a private registry, its credentials: --docker-username (or `docker.username` in the manifest) with the password in CF_DOCKER_PASSWORD.';

/** A failed staging in CC's words (`ID - message`), alike whether the target or this machine staged it. */
export function stagingFailed(appName: string, id: string, message: string, hint?: string): CfPushError {
  return new CfPushError(`Staging ${appName} failed: ${id} - ${message}`, { code: stagingErrorId(id), hint: hint ?? stagingHint(id) });
}

function stagingHint(id: string): string {
  switch (id) {
    case 'NoAppDetectedError':
      return 'Run `cfpush detect` to see what each buildpack looked for, or name one with `-b`.';
    case 'BuildpackCompileFailed':
    case 'StagingError':
      return 'The staging log above shows the failing buildpack step.';
    case 'BuildpackReleaseFailed':
      return "The buildpack's bin/release failed; set a start command with `command:` or a Procfile.";
    default:
      return 'See the staging log above.';
  }
}

/** Stop if started, set the droplet, start again (§1.1 9-11). */
export async function setDropletAndRestart(session: Session, app: CcApp, dropletGuid: string): Promise<void> {
  await session.cc.apps.setCurrentDroplet(app.guid, dropletGuid);
  await session.cc.apps.restart(app.guid);
}

/** Until every process with instances has one RUNNING; all CRASHED fails fast with the app's last lines. */
export async function waitRunning(session: Session, app: CcApp, r: Reporter, signal?: AbortSignal, opts: { allInstances?: boolean } = {}): Promise<void> {
  r.step(`Waiting for ${app.name} to start`);
  const up = (p: { process: { instances: number }; stats: { state: string }[] }) =>
    opts.allInstances ? p.stats.filter((s) => s.state === 'RUNNING').length >= p.process.instances : p.stats.some((s) => s.state === 'RUNNING');
  const since = BigInt(Date.now() - 60_000) * 1_000_000n;
  const result = await pollUntil(
    () => session.cc.apps.processStats(app.guid),
    (procs) => procs.every((p) => p.process.instances === 0 || up(p) || (p.stats.length > 0 && p.stats.every((s) => s.state === 'CRASHED'))),
    {
      what: `${app.name} to start`,
      timeoutMs: STARTUP_TIMEOUT_MS,
      signal,
      hint: 'Raise CF_STARTUP_TIMEOUT (minutes), or check the app logs with `cfpush logs`.',
    },
  );
  const crashed = result.find((p) => p.process.instances > 0 && !up(p));
  if (crashed) {
    const all = await readLogs(session, app.guid, since);
    const lines = all.filter((l) => l.sourceType.startsWith('APP')).slice(-10);
    for (const l of lines) r.log(formatLogLine(l));
    // The cell says why it killed an instance (a health check that never passed); that is the cause, not exit 137.
    const cause = all.filter((l) => l.sourceType.startsWith('CELL') && /health check never passed/i.test(l.text)).at(-1)?.text;
    const hc = crashed.process.health_check;
    throw new CfPushError(
      `${app.name} crashed while starting: every '${crashed.process.type}' instance is CRASHED.` +
        (cause ? ` ${cause}` : '') +
        (lines.length ? `\nLast app output:\n${lines.map((l) => '  ' + l.text).join('\n')}` : ''),
      { code: 'AppCrashed', hint: crashHint(app.name, cause ? hc : undefined) },
    );
  }
}

function crashHint(app: string, hc: CcProcess['health_check'] | undefined): string {
  const logs = `\`cfpush logs ${app} --recent\` shows more.`;
  if (hc?.type === 'port') {
    return `The ${hc.type} health check waits for the app to listen on $PORT. A worker that serves no HTTP: push it with \`-u process\` (health-check-type: process); a web app: listen on $PORT, or give it longer with \`-t SECONDS\`. ${logs}`;
  }
  if (hc?.type === 'http') {
    return `The http health check wants a 200 from ${hc.data?.endpoint ?? '/'} on $PORT: serve it, point --endpoint elsewhere, or give it longer with \`-t SECONDS\`. ${logs}`;
  }
  return `Fix the start command or the app; ${logs}`;
}

export async function appRoutes(session: Session, appGuid: string): Promise<CcRoute[]> {
  return session.cc.apps.routes(appGuid);
}

export async function appUrls(session: Session, appGuid: string): Promise<string[]> {
  return (await appRoutes(session, appGuid)).map((rt) => session.routeUrl(rt.url));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
