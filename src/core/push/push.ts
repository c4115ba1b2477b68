// `push`: the cf CLI's sequence (cf-reference.md §1.1) for every app in the
// manifest: apply_manifest, upload only unmatched bits, stage, set droplet,
// restart, wait until RUNNING.
import { resolve } from 'node:path';
import YAML from 'yaml';
import { CfPushError } from '../errors';
import { loadManifest } from '../manifest';
import type { AppManifest } from '../manifest/types';
import type { Session } from '../session';
import type { PushedApp, PushOptions, Reporter } from './index';
import { throwIfAborted } from './poll';
import { applyManifest, appUrls, findApp, setDropletAndRestart, stage, uploadBits, waitRunning } from './steps';

export async function push(session: Session, opts: PushOptions, r: Reporter): Promise<PushedApp[]> {
  const manifest = await loadManifest({
    dir: opts.dir,
    file: opts.manifestFile,
    vars: opts.vars,
    varsFiles: opts.varsFiles,
    appName: opts.appName,
  });
  let apps = opts.appName ? manifest.apps.filter((a) => a.name === opts.appName) : manifest.apps;
  if (apps.length === 0 && opts.appName) {
    // No such app in the manifest: cf pushes the folder under that name.
    apps = [{ name: opts.appName, path: resolve(opts.dir), raw: { name: opts.appName } }];
  }
  if ((opts.path || opts.buildpacks?.length) && apps.length > 1) {
    throw new CfPushError('Incorrect usage: -p and -b apply to one app, but the manifest has several.', {
      hint: 'Name the app: `cfpush push APP -p PATH`.',
    });
  }
  if (opts.path) apps[0].path = resolve(opts.path);
  if (opts.buildpacks?.length) apps[0].buildpacks = opts.buildpacks.map(buildpackRef);

  r.step(`Pushing ${apps.map((a) => a.name).join(', ')} to ${session.target.name} (org ${session.org.name} / space ${session.space.name})`);
  await applyManifest(session, manifestForApi(apps), r, opts.signal);

  const pushed: PushedApp[] = [];
  for (const app of apps) {
    throwIfAborted(opts.signal);
    let cc = await findApp(session, app.name);
    const { pkg } = await uploadBits(session, cc, app.path, r, opts.signal);
    if (opts.noStart) {
      if (cc.state === 'STARTED') await session.cc.post(`/v3/apps/${cc.guid}/actions/stop`);
      pushed.push({ name: app.name, guid: cc.guid, state: 'STOPPED', urls: await appUrls(session, cc.guid) });
      continue;
    }
    const droplet = await stage(session, cc, pkg.guid, r, opts.signal);
    throwIfAborted(opts.signal);
    r.step(`Starting ${app.name}`);
    await setDropletAndRestart(session, cc, droplet.guid);
    await waitRunning(session, cc, r, opts.signal);
    cc = await findApp(session, app.name);
    pushed.push({ name: app.name, guid: cc.guid, state: cc.state, urls: await appUrls(session, cc.guid) });
  }
  return pushed;
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
