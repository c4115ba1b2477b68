// `push`: the cf CLI's sequence (cf-reference.md §1.1) for every app in the
// manifest: apply_manifest, upload only unmatched bits (or a droplet), stage,
// set droplet, restart or deploy, wait until RUNNING.
import { resolve } from 'node:path';
import YAML from 'yaml';
import { CfPushError, isCancelled } from '../errors';
import { loadManifest } from '../manifest';
import type { AppManifest } from '../manifest/types';
import type { Session } from '../session';
import type { PushedApp, PushOptions, Reporter } from './index';
import { throwIfAborted } from './poll';
import { pushBlueGreen } from './bluegreen';
import { buildForPush, checkDockerPorts, dockerPackage, markDockerfileApp, usesDockerfile, type DockerfileApp } from './docker';
import { uploadDroplet, stageLocally } from './droplet';
import { deploy } from './deployments';
import { appNamesInSpace, removeCreated } from './rollback';
import { applyManifest, appUrls, findApp, setDropletAndRestart, stage, uploadBits, waitRunning } from './steps';

export async function push(session: Session, opts: PushOptions, r: Reporter): Promise<PushedApp[]> {
  if (opts.strategy === 'blue-green') {
    return pushBlueGreen(session, opts, r);
  }
  const apps = await appsToPush(opts);
  // Only a push that can be cancelled needs to know what it would have to take back.
  const existed = opts.signal ? await appNamesInSpace(session) : undefined;
  r.step(`Pushing ${apps.map((a) => a.name).join(', ')} to ${session.target.name} (org ${session.org.name} / space ${session.space.name})`);
  try {
    await applyManifest(session, manifestForApi(apps), r, opts.signal);
    const pushed: PushedApp[] = [];
    for (const app of apps) pushed.push(await deployApp(session, app, opts, r));
    return pushed;
  } catch (err) {
    if (!existed || !isCancelled(err, opts.signal)) throw err;
    throw await removeCreated(session, apps.map((a) => a.name), existed, r);
  }
}

/** The manifest's apps after `APP`, `-p` and `-b` overrides. */
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
  if (opts.path) apps[0].path = resolve(opts.path);
  if (opts.buildpacks?.length) apps[0].buildpacks = opts.buildpacks.map(buildpackRef);
  // A folder with a Dockerfile (and no buildpacks or image): the docker lifecycle, image built at push time.
  return apps.map((a) => (usesDockerfile(a, opts) ? markDockerfileApp(a) : a));
}

/** Everything after apply_manifest for one app (the app exists by now). */
export async function deployApp(
  session: Session,
  app: AppManifest,
  opts: PushOptions,
  r: Reporter,
  wait: { allInstances?: boolean } = {},
): Promise<PushedApp> {
  throwIfAborted(opts.signal);
  let cc = await findApp(session, app.name);
  let dropletGuid: string;
  if (app.docker?.image) {
    // A Dockerfile app: build the image now (and for a remote target push it to the configured registry).
    const { image, username } = (app as DockerfileApp).dockerfile
      ? await buildForPush(session, app as DockerfileApp, opts, r)
      : { image: app.docker.image, username: app.docker.username };
    const pkg = await dockerPackage(session, cc, image, username, r, opts.signal);
    if (opts.noStart) return { name: app.name, guid: cc.guid, state: 'STOPPED', urls: await appUrls(session, cc.guid) };
    const droplet = await stage(session, cc, pkg.guid, r, opts.signal);
    checkDockerPorts(droplet.execution_metadata);
    dropletGuid = droplet.guid;
  } else if (opts.droplet || opts.stageLocally || opts.stageInContainer) {
    const file = opts.droplet ? resolve(opts.droplet) : await stageLocally(app, r, opts.signal, opts.stageInContainer);
    dropletGuid = (await uploadDroplet(session, cc, file, r, opts.signal)).guid;
  } else {
    const { pkg } = await uploadBits(session, cc, app.path, r, opts.signal);
    if (opts.noStart) {
      if (cc.state === 'STARTED') await session.cc.apps.stop(cc.guid);
      return { name: app.name, guid: cc.guid, state: 'STOPPED', urls: await appUrls(session, cc.guid) };
    }
    dropletGuid = (await stage(session, cc, pkg.guid, r, opts.signal)).guid;
  }
  throwIfAborted(opts.signal);
  if (opts.noStart) {
    await session.cc.apps.setCurrentDroplet(cc.guid, dropletGuid);
    if (cc.state === 'STARTED') await session.cc.apps.stop(cc.guid);
    return { name: app.name, guid: cc.guid, state: 'STOPPED', urls: await appUrls(session, cc.guid) };
  }
  let paused: PushedApp['deployment'];
  if ((opts.strategy === 'rolling' || opts.strategy === 'canary') && cc.state === 'STARTED') {
    const d = await deploy(session, cc, dropletGuid, r, { strategy: opts.strategy, instanceSteps: opts.instanceSteps, signal: opts.signal });
    if (d.status.reason === 'PAUSED') {
      paused = { guid: d.guid, reason: 'PAUSED', canarySteps: d.status.canary?.steps };
      r.step(`Canary of ${app.name} is running next to the previous version: \`cfpush continue-deployment ${app.name}\` rolls it out, \`cfpush cancel-deployment ${app.name}\` goes back`);
    }
  } else {
    r.step(`Starting ${app.name}`);
    await setDropletAndRestart(session, cc, dropletGuid);
    await waitRunning(session, cc, r, opts.signal, wait);
  }
  cc = await findApp(session, app.name);
  return { name: app.name, guid: cc.guid, state: cc.state, urls: await appUrls(session, cc.guid), ...(paused ? { deployment: paused } : {}) };
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
