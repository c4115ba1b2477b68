// Pushing a droplet staged elsewhere (`--droplet F`) or on this machine
// (`--stage-locally`): POST /v3/droplets, upload the tgz, and the app runs it
// without any staging on the target (cf-reference.md §1.1, step 5 --droplet).
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppPath } from '../bits';
import type { CcApp, CcDroplet } from '../cc/types';
import { CfPushError } from '../errors';
import type { AppManifest } from '../manifest/types';
import { cfpushHome } from '../paths';
import { stage as stageHere } from '../staging/builder';
import type { Session } from '../session';
import type { ScriptRunner } from '../staging/run';
import type { InstalledBuildpacks } from '../staging/installed';
import { connectEngine } from '../docker/engine';
import { ensureStackImage } from '../docker/stack';
import { stackRunner } from '../docker/stack-runner';
import type { Reporter } from './index';
import { pollUntil, STAGING_TIMEOUT_MS } from './poll';
import { formatBytes } from './steps';

export async function uploadDroplet(session: Session, app: CcApp, file: string, r: Reporter, signal?: AbortSignal): Promise<CcDroplet> {
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (size < 0) throw new CfPushError(`Droplet file ${file} not found.`, { hint: 'Stage one with `cfpush stage -o FILE`.' });
  r.step(`Uploading droplet ${file} (${formatBytes(size)})`);
  const droplet = await session.cc.droplets.create(app.guid);
  const form = new FormData();
  form.append('bits', await openAsBlob(file, { type: 'application/gzip' }), 'droplet.tgz');
  await session.cc.droplets.upload(droplet.guid, form);
  const done = await pollUntil(
    () => session.cc.droplets.get(droplet.guid),
    (d) => d.state !== 'PROCESSING_UPLOAD' && d.state !== 'AWAITING_UPLOAD',
    { what: 'the droplet to be processed', timeoutMs: STAGING_TIMEOUT_MS, signal },
  );
  if (done.state !== 'STAGED') {
    throw new CfPushError(`The uploaded droplet is ${done.state}${done.error ? `: ${done.error}` : ''}.`, {
      hint: 'Check that the file is a droplet .tgz (from `cfpush stage` or a CF droplet download).',
    });
  }
  return done;
}

/**
 * Stage with the built-in builder into a temp .tgz (removed by the OS's tmp
 * cleanup only if we crash). With `inContainer` the buildpack scripts run in
 * a stack container (the engine and the stack image are checked first); with
 * `installed` (the local foundation's), its buildpacks come first.
 */
export async function stageLocally(
  app: AppManifest,
  r: Reporter,
  signal?: AbortSignal,
  inContainer?: { stack?: string },
  installed?: InstalledBuildpacks,
): Promise<string> {
  let runner: ScriptRunner | undefined;
  if (inContainer) {
    r.step(`Staging ${app.name} on this machine in a stack container`);
    const log = (line: string) => r.log(`[STG/0] OUT ${line}`);
    const docker = await connectEngine({ signal });
    const stack = await ensureStackImage({ image: inContainer.stack, docker, log, signal });
    runner = stackRunner({ docker, image: stack.image });
  } else {
    r.step(`Staging ${app.name} on this machine`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'cfpush-droplet-'));
  const out = join(dir, `${app.name}.droplet.tgz`);
  const folder = await openAppPath(app.path).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  try {
    await stageHere(
      {
        appDir: folder.dir,
        buildpacks: app.buildpacks,
        // In-container stagings keep their own cache: its files belong to what ran in the container.
        cacheDir: join(cfpushHome(), 'cache', runner ? 'stage-in-container' : 'stage', app.name),
        outputDroplet: out,
        env: app.env,
        log: (line) => r.log(`[STG/0] OUT ${line}`),
        signal,
      },
      { runner, installed },
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await folder.close();
  }
  return out;
}
