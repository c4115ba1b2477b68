// One app's push after apply_manifest: its plan (plan.ts) run step by step,
// each step one CC exchange or a local build (steps.ts, docker.ts, droplet.ts).
// Also what every push shares before that: which apps, with which overrides,
// and the manifest CC is sent.
import { resolve } from 'node:path';
import YAML from 'yaml';
import type { CcApp } from '../cc/types';
import { CfPushError, isCancelled } from '../errors';
import { applyOverrides, hasOverrides } from './overrides';
import { checkAgainstTarget } from './target-checks';
import { loadManifest } from '../manifest';
import type { AppManifest } from '../manifest/types';
import type { Session } from '../session';
import { readInstalledIndex } from '../staging/installed';
import type { PushedApp, PushOptions, Reporter } from './index';
import { throwIfAborted } from './poll';
import { buildForPush, checkDockerPorts, dockerPackage, markDockerfileApp, usesDockerfile, type DockerfileApp } from './docker';
import { stageLocally, uploadDroplet } from './droplet';
import { deploy } from './deployments';
import { planApp, pushSteps, type AppPlan, type Before, type PushStep } from './plan';
import { appsBefore, removeCreated } from './rollback';
import { applyManifest, appUrls, findApp, setDropletAndRestart, stage, uploadBits, waitRunning } from './steps';

/**
 * apply_manifest, then each app's steps; a cancel takes back the apps this
 * push created (rollback.ts).
 */
export async function pushApps(session: Session, opts: PushOptions, r: Reporter): Promise<PushedApp[]> {
  const apps = await appsToPush(opts);
  if (!opts.targetChecked) await checkAgainstTarget(session, apps);
  // A push that can be cancelled notes what was there before: a cancel takes back only what it created.
  // (Plans need only the state, which apply_manifest leaves as it was.)
  const before = opts.signal ? await appsBefore(session) : undefined;
  r.step(`Pushing ${apps.map((a) => a.name).join(', ')} to ${session.target.name} (org ${session.org.name} / space ${session.space.name})`);
  try {
    await applyManifest(session, manifestForApi(apps), r, opts.signal);
    const pushed: PushedApp[] = [];
    for (const app of apps) pushed.push(await deployApp(session, app, opts, r, before ? { before: before.get(app.name) ?? null } : {}));
    return pushed;
  } catch (err) {
    if (!before || !isCancelled(err, opts.signal)) throw err;
    throw await removeCreated(
      session,
      apps.map((a) => a.name),
      new Set(before.keys()),
      r,
    );
  }
}

/** The manifest's apps after `APP`, `-p`, `-b` and the other flags' overrides. */
export async function appsToPush(opts: PushOptions): Promise<AppManifest[]> {
  const manifest =
    opts.manifest ??
    (await loadManifest({
      dir: opts.dir,
      file: opts.manifestFile,
      vars: opts.vars,
      varsFiles: opts.varsFiles,
      appName: opts.appName,
    }));
  // Copies: the overrides below must not change a manifest the caller may pass again.
  let apps = (opts.appName ? manifest.apps.filter((a) => a.name === opts.appName) : manifest.apps).map((a) => ({ ...a }));
  if (apps.length === 0 && opts.appName) {
    // No such app in the manifest: cf pushes the folder under that name.
    apps = [{ name: opts.appName, path: resolve(opts.dir), raw: { name: opts.appName } }];
  }
  if (hasOverrides(opts.overrides) && apps.length > 1) {
    throw new CfPushError(
      'Incorrect usage: Command line flags (except -f, --var, --vars-file and --no-start) cannot be applied when pushing multiple apps from a manifest file.',
      {
        hint: 'Name the app: `cfpush push APP -m 256M`, or put the settings in the manifest.',
      },
    );
  }
  if ((opts.path || opts.buildpacks?.length || opts.droplet) && apps.length > 1) {
    throw new CfPushError('Incorrect usage: -p, -b and --droplet apply to one app, but the manifest has several.', {
      hint: 'Name the app: `cfpush push APP -p PATH`.',
    });
  }
  if (opts.dockerImage && apps.length > 1) {
    throw new CfPushError('Incorrect usage: -o applies to one app, but the manifest has several.', { hint: 'Name the app: `cfpush push APP -o IMAGE`.' });
  }
  if (opts.dockerImage && (opts.path || opts.buildpacks?.length)) {
    throw new CfPushError('Incorrect usage: -o cannot be combined with -p or -b.', { hint: 'A docker image brings its own files and runtime.' });
  }
  if (opts.dockerImage) {
    const docker = { image: opts.dockerImage, ...(opts.dockerUsername ? { username: opts.dockerUsername } : {}) };
    apps[0] = { ...apps[0], docker, raw: { ...apps[0].raw, docker } };
  }
  if (hasOverrides(opts.overrides)) apps[0] = applyOverrides(apps[0], opts.overrides);
  if (opts.path) apps[0].path = resolve(opts.path);
  if (opts.buildpacks?.length) apps[0].buildpacks = opts.buildpacks.map(buildpackRef);
  // A folder with a Dockerfile (and no buildpacks or image): the docker lifecycle, image built at push time.
  return apps.map((a) => (usesDockerfile(a, opts) ? markDockerfileApp(a) : a));
}

/** What the steps of one app's push hand on to each other. */
interface StepState {
  session: Session;
  app: AppManifest;
  cc: CcApp;
  opts: PushOptions;
  r: Reporter;
  wait: { allInstances?: boolean };
  image?: { image: string; username?: string };
  packageGuid?: string;
  dropletFile?: string;
  dropletGuid?: string;
  paused?: PushedApp['deployment'];
}

const STEPS: Record<PushStep, (s: StepState) => Promise<void>> = {
  'build-image': async (s) => {
    // A Dockerfile app: build the image now (and for a remote target push it to the configured registry).
    s.image = await buildForPush(s.session, s.app as DockerfileApp, s.opts, s.r);
  },
  'docker-package': async (s) => {
    const { image, username } = s.image ?? { image: s.app.docker!.image, username: s.app.docker!.username };
    s.packageGuid = (await dockerPackage(s.session, s.cc, image, username, s.r, s.opts.signal)).guid;
  },
  'upload-bits': async (s) => {
    s.packageGuid = (await uploadBits(s.session, s.cc, s.app.path, s.r, s.opts.signal)).pkg.guid;
  },
  'stage-locally': async (s) => {
    // For the local foundation: with its installed buildpacks, as its own staging would.
    const { local, dataDir } = s.session.target;
    s.dropletFile = await stageLocally(s.app, s.r, s.opts.signal, s.opts.stageInContainer, local && dataDir ? readInstalledIndex(dataDir) : undefined);
  },
  'upload-droplet': async (s) => {
    const file = s.dropletFile ?? resolve(s.opts.droplet!);
    s.dropletGuid = (await uploadDroplet(s.session, s.cc, file, s.r, s.opts.signal)).guid;
  },
  stage: async (s) => {
    const docker = !!s.app.docker?.image || s.cc.lifecycle?.type === 'docker';
    const droplet = await stage(s.session, s.cc, s.packageGuid!, s.r, s.opts.signal, docker);
    if (s.app.docker?.image && droplet.docker) checkDockerPorts(droplet.docker.execution_metadata);
    s.dropletGuid = droplet.guid;
  },
  'set-droplet': async (s) => {
    await s.session.cc.apps.setCurrentDroplet(s.cc.guid, s.dropletGuid!);
  },
  stop: async (s) => {
    await s.session.cc.apps.stop(s.cc.guid);
  },
  restart: async (s) => {
    s.r.step(`Starting ${s.app.name}`);
    await setDropletAndRestart(s.session, s.cc, s.dropletGuid!);
  },
  'wait-running': async (s) => {
    await waitRunning(s.session, s.cc, s.r, s.opts.signal, s.wait);
  },
  deploy: async (s) => {
    const strategy = s.opts.strategy === 'canary' ? 'canary' : 'rolling';
    const d = await deploy(s.session, s.cc, s.dropletGuid!, s.r, {
      strategy,
      instanceSteps: s.opts.instanceSteps,
      noWait: s.opts.noWait,
      signal: s.opts.signal,
    });
    if (d.status.reason === 'PAUSED') {
      s.paused = { guid: d.guid, reason: 'PAUSED', canarySteps: d.status.canary?.steps };
      s.r.step(
        `Canary of ${s.app.name} is running next to the previous version: \`cfpush continue-deployment ${s.app.name}\` rolls it out, \`cfpush cancel-deployment ${s.app.name}\` goes back`,
      );
    }
  },
};

/**
 * Everything after apply_manifest for one app (the app exists by now): its
 * plan's steps in order. `before` is the app as it was before this push
 * (undefined: new); without it the app's current state stands in.
 */
export async function deployApp(
  session: Session,
  app: AppManifest,
  opts: PushOptions,
  r: Reporter,
  wait: { allInstances?: boolean; before?: Before | null } = {},
): Promise<PushedApp> {
  throwIfAborted(opts.signal);
  const cc = await findApp(session, app.name);
  const plan: AppPlan = planApp(app, opts, wait.before === null ? undefined : (wait.before ?? { state: cc.state }));
  const s: StepState = { session, app, cc, opts, r, wait };
  const summary = () => Promise.all([findApp(session, app.name), appUrls(session, cc.guid)]);
  let read: ReturnType<typeof summary> | undefined;
  for (const step of pushSteps(plan)) {
    throwIfAborted(opts.signal);
    if (step === 'wait-running') {
      // The last step changes neither the app nor its routes: read them while the instances start.
      read = summary();
      read.catch(() => undefined); // read below, unless the wait fails first
    }
    await STEPS[step](s);
  }
  const [now, urls] = await (read ?? summary());
  return { name: app.name, guid: now.guid, state: now.state, urls, ...(s.paused ? { deployment: s.paused } : {}) };
}

/** A local buildpack folder or zip is sent as an absolute path (the local foundation shares this disk). */
function buildpackRef(key: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(key) || !/[/\\]|\.zip$/i.test(key)) return key;
  return resolve(key);
}

/** The YAML apply_manifest gets: vars resolved, client-only keys dropped, default-route as the CLI adds it. */
export function manifestForApi(apps: AppManifest[]): string {
  const out = apps.map((a) => {
    const raw: Record<string, unknown> = { ...a.raw, name: a.name };
    delete raw.path;
    if (a.buildpacks) {
      raw.buildpacks = a.buildpacks;
      delete raw.buildpack;
    }
    const routed = raw.routes || raw['random-route'] || raw['no-route'] || raw['default-route'] !== undefined;
    if (!routed) raw['default-route'] = true;
    return raw;
  });
  return YAML.stringify({ applications: out });
}
