// `cfpush export` (issue 8): a droplet leaves the platform as a container
// image that runs on any Docker host, as `cf local export` offered.
//
// The image is built by the engine from a build context made in memory (no
// Dockerfile on disk): the generated Dockerfile, the launcher and the droplet
// (extracted, re-packed under droplet/). Layout and behaviour follow a Diego
// cell (cf-reference.md §4.1-4.3):
//   FROM <stack image>                    cfpush/stack:bookworm by default
//   /home/vcap/{app,deps,profile.d,tmp,logs,staging_info.yml}   owned by vcap
//   USER vcap (uid 2000), WORKDIR /home/vcap/app, EXPOSE 8080
//   ENTRYPOINT /lifecycle/entrypoint      PORT (default 8080), HOME, TMPDIR,
//                                         DEPS_DIR, VCAP_APPLICATION and
//                                         VCAP_SERVICES (given or defaulted),
//                                         then the launcher (LAUNCHER_SCRIPT:
//                                         profile.d, .profile.d, .profile)
//   CMD ["<the droplet's start command>"] `docker run IMAGE other command` overrides it
// Labels record the app, the buildpacks with versions, the stack and the droplet.
import { fileChecksum } from '../bits/checksum';
import type Docker from 'dockerode';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import * as tar from 'tar';
import { httpFetch } from '../http-client';
import { parse as parseYaml } from 'yaml';
import { CcApiError } from '../cc/client';
import type { CcApp, CcDroplet } from '../cc/types';
import { CfPushError, cancelledError } from '../errors';
import type { Session } from '../session';
import { extractDroplet, readStagingInfo } from '../staging/droplet';
import { LAUNCHER_SCRIPT } from '../staging/launcher';
import { engineMessage, imageRepository } from './build';
import { connectEngine } from './engine';
import { DEFAULT_STACK_IMAGE, ensureStackImage, VCAP_HOME, VCAP_UID } from './stack';

export const NO_DROPLET = 'NoDroplet';
export const NOT_A_DROPLET = 'DropletInvalid';
export const LABEL_APP = 'org.cfpush.app';
export const LABEL_BUILDPACKS = 'org.cfpush.buildpacks';
export const LABEL_STACK = 'org.cfpush.stack';
export const LABEL_CF_STACK = 'org.cfpush.cf-stack';
export const LABEL_START = 'org.cfpush.start-command';
export const LABEL_DROPLET = 'org.cfpush.droplet-sha256';

export interface BuildpackLabel {
  name: string;
  version: string;
}

export interface ExportOptions {
  /** A droplet .tgz on this machine (`cfpush stage`, a CF droplet download). */
  dropletFile: string;
  /** Recorded in the labels and the default tag; default: the file name without .droplet.tgz / .tgz. */
  appName?: string;
  /** `IMAGE:TAG`; default `cfpush/<app>:droplet`. */
  tag?: string;
  /** default DEFAULT_STACK_IMAGE */
  stackImage?: string;
  /** The platform's record (CC droplet.buildpacks); default: read from the droplet's deps/<idx>/config.yml. */
  buildpacks?: BuildpackLabel[];
  /** The CF stack the droplet was staged for (CC droplet.stack), recorded as a label when known. */
  cfStack?: string;
  /** Extra labels (tests mark their images). */
  labels?: Record<string, string>;
  docker?: Docker;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ExportedImage {
  /** The tag given / made. */
  image: string;
  id: string;
  /** Bytes, as the engine reports the image (stack layers included). */
  size: number;
  startCommand: string;
  buildpacks: BuildpackLabel[];
  stackImage: string;
  labels: Record<string, string>;
}

/** What an app is called when only its droplet file is known. */
export function appNameFromDroplet(file: string): string {
  return basename(file).replace(/\.droplet\.tgz$|\.tgz$|\.tar\.gz$/i, '') || 'app';
}

function notADroplet(file: string, why: string, cause?: unknown): CfPushError {
  return new CfPushError(`${file} is not a droplet: ${why}.`, {
    code: NOT_A_DROPLET,
    hint: 'Export a droplet .tgz made by `cfpush stage` (or downloaded from Cloud Foundry), or name a pushed app instead of a file.',
    cause,
  });
}

/** Buildpack names and versions from deps/<idx>/config.yml, in order; else the detected buildpack. */
async function buildpacksOf(dropletDir: string, detected: string): Promise<BuildpackLabel[]> {
  const out: BuildpackLabel[] = [];
  const deps = join(dropletDir, 'deps');
  const idxs = existsSync(deps) ? (await readdir(deps)).sort() : [];
  for (const idx of idxs) {
    try {
      const doc = parseYaml(await readFile(join(deps, idx, 'config.yml'), 'utf8')) as { name?: unknown; version?: unknown } | null;
      if (typeof doc?.name === 'string') out.push({ name: doc.name, version: doc.version != null ? String(doc.version) : '' });
    } catch {
      /* a deps dir without config.yml */
    }
  }
  if (!out.length && detected) out.push({ name: detected, version: '' });
  return out;
}

/** A shell word: single-quoted. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The image's entrypoint: the launcher's environment (§4.2, §4.3), defaults for a plain `docker run`, then the launcher. */
export function entrypointScript(appName: string): string {
  const app = JSON.stringify(appName);
  return `#!/bin/bash
# cf-push exported droplet: the environment a Diego cell gives a buildpack app
# (defaults where docker run gave none), then the CF launcher.
export PORT="\${PORT:-8080}"
export VCAP_APP_PORT="$PORT" VCAP_APP_HOST=0.0.0.0
export HOME=${VCAP_HOME}/app TMPDIR=${VCAP_HOME}/tmp DEPS_DIR=${VCAP_HOME}/deps USER=vcap
export LANG="\${LANG:-en_US.UTF-8}" MEMORY_LIMIT="\${MEMORY_LIMIT:-1024m}"
export INSTANCE_INDEX="\${INSTANCE_INDEX:-0}" CF_INSTANCE_INDEX="\${CF_INSTANCE_INDEX:-0}"
if [ -z "\${VCAP_APPLICATION:-}" ]; then
  VCAP_APPLICATION="$(printf '{"application_name":%s,"name":%s,"application_uris":[],"uris":[],"limits":{"mem":1024,"disk":1024,"fds":16384},"host":"0.0.0.0","port":%s,"instance_index":0}' ${sq(app)} ${sq(app)} "$PORT")"
fi
if [ -z "\${VCAP_SERVICES:-}" ]; then VCAP_SERVICES='{}'; fi
export VCAP_APPLICATION VCAP_SERVICES
cd ${VCAP_HOME}
exec bash /lifecycle/launcher ${VCAP_HOME}/app "$*"
`;
}

/** The generated Dockerfile (kept in memory, sent in the build context). */
export function exportDockerfile(o: { stackImage: string; startCommand: string; labels: Record<string, string> }): string {
  const labels = Object.entries(o.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' \\\n      ');
  return [
    `FROM ${o.stackImage}`,
    `COPY --chown=${VCAP_UID}:${VCAP_UID} droplet/ ${VCAP_HOME}/`,
    'COPY lifecycle/ /lifecycle/',
    'USER vcap',
    `WORKDIR ${VCAP_HOME}/app`,
    'EXPOSE 8080',
    `LABEL ${labels}`,
    'ENTRYPOINT ["/lifecycle/entrypoint"]',
    `CMD ${JSON.stringify([o.startCommand])}`,
    '',
  ].join('\n');
}

/** One ustar header + padded data for a small in-memory file or a directory. */
function tarEntry(path: string, data: string | undefined, mode: number): Buffer {
  const body = data === undefined ? Buffer.alloc(0) : Buffer.from(data, 'utf8');
  const h = Buffer.alloc(512);
  const field = (off: number, len: number, v: string) => h.write(v, off, len, 'utf8');
  const octal = (off: number, len: number, n: number) => field(off, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
  field(0, 100, path);
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, body.length);
  octal(136, 12, Math.floor(Date.UTC(2000, 0, 1) / 1000)); // fixed: the same inputs give the same layer
  field(148, 8, '        ');
  field(156, 1, data === undefined ? '5' : '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}

/** The build context: Dockerfile, lifecycle/{launcher,entrypoint}, then droplet/ (node-tar ends the archive). */
function buildContext(dockerfile: string, entrypoint: string, dropletDir: string, entries: string[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    yield tarEntry('Dockerfile', dockerfile, 0o644);
    yield tarEntry('lifecycle/', undefined, 0o755);
    yield tarEntry('lifecycle/launcher', LAUNCHER_SCRIPT, 0o755);
    yield tarEntry('lifecycle/entrypoint', entrypoint, 0o755);
    const pack = tar.c({ cwd: dropletDir, portable: true, prefix: 'droplet' }, entries) as unknown as AsyncIterable<Buffer>;
    for await (const c of pack) yield c;
  }
  return Readable.from(gen());
}

/** Builds the image from a droplet file; see the header for what it holds. */
export async function exportDroplet(opts: ExportOptions): Promise<ExportedImage> {
  const { signal } = opts;
  const file = resolve(opts.dropletFile);
  if (!existsSync(file)) throw new CfPushError(`Droplet file ${file} does not exist.`, { code: NOT_A_DROPLET });
  if (!statSync(file).isFile()) throw notADroplet(file, 'it is not a file');
  const log = opts.log ?? (() => {});
  const appName = opts.appName || appNameFromDroplet(file);
  const tag = opts.tag || `${imageRepository(appName)}:droplet`;

  const work = await mkdtemp(join(tmpdir(), 'cfpush-export-'));
  try {
    const dir = join(work, 'droplet');
    try {
      await extractDroplet(file, dir);
    } catch (err) {
      throw notADroplet(file, `it is not a droplet tarball (${(err as Error).message.replace(/^Could not extract droplet [^:]*: /, '')})`, err);
    }
    let info;
    try {
      info = await readStagingInfo(dir);
    } catch (err) {
      throw notADroplet(file, 'it has no staging_info.yml (a droplet has app/, deps/, profile.d/ and staging_info.yml at its root)', err);
    }
    if (!existsSync(join(dir, 'app'))) throw notADroplet(file, 'it has no app/ folder');
    if (!info.start_command.trim()) {
      throw new CfPushError(`The droplet ${file} has no start command.`, {
        code: 'NoStartCommand',
        hint: 'Stage the app with a Procfile web: entry (or a buildpack that finds one); `docker run IMAGE COMMAND` can also give one.',
      });
    }
    // The droplet is fine: now the engine and the stack.
    const docker = opts.docker ?? (await connectEngine({ signal }));
    const stack = await ensureStackImage({ image: opts.stackImage || DEFAULT_STACK_IMAGE, docker, log, signal });
    const buildpacks = opts.buildpacks?.length ? opts.buildpacks : await buildpacksOf(dir, info.detected_buildpack);
    const labels: Record<string, string> = {
      [LABEL_APP]: appName,
      [LABEL_BUILDPACKS]: JSON.stringify(buildpacks),
      [LABEL_STACK]: stack.image,
      ...(opts.cfStack ? { [LABEL_CF_STACK]: opts.cfStack } : {}),
      [LABEL_START]: info.start_command,
      [LABEL_DROPLET]: await fileChecksum(file),
      ...(opts.labels ?? {}),
    };
    const dockerfile = exportDockerfile({ stackImage: stack.image, startCommand: info.start_command, labels });
    const entries = (await readdir(dir)).sort();
    log(
      `Building ${tag} from ${stack.image} and the droplet (${buildpacks.map((b) => `${b.name} ${b.version}`.trim()).join(', ') || 'no buildpack recorded'})`,
    );
    const id = await build(docker, buildContext(dockerfile, entrypointScript(appName), dir, entries), tag, log, signal);
    const inspect = await docker.getImage(id).inspect();
    log(`Exported ${tag} (${(inspect.Size / 1e6).toFixed(1)} MB)`);
    return { image: tag, id: inspect.Id, size: inspect.Size, startCommand: info.start_command, buildpacks, stackImage: stack.image, labels };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function build(docker: Docker, context: Readable, tag: string, log: (l: string) => void, signal?: AbortSignal): Promise<string> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      context as unknown as NodeJS.ReadableStream,
      { t: tag, rm: true, forcerm: true, abortSignal: signal } as Docker.ImageBuildOptions,
    );
  } catch (err) {
    if (signal?.aborted) throw cancelledError('Exporting the image');
    throw new CfPushError(`Exporting the image failed: ${engineMessage(err)}`, { code: 'ExportFailed', cause: err });
  }
  const lines: string[] = [];
  let id: string | undefined;
  let error: string | undefined;
  await new Promise<void>((resolvePromise, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolvePromise()),
      (m: { stream?: string; error?: string; errorDetail?: { message?: string }; aux?: { ID?: string } }) => {
        for (const l of (m.stream ?? '').split(/\r?\n/)) {
          if (!l.trim()) continue;
          lines.push(l);
          log(l);
          const built = /^Successfully built ([0-9a-f]{12,})/.exec(l);
          if (built) id ??= built[1];
        }
        if (m.aux?.ID) id = m.aux.ID;
        if (m.error || m.errorDetail) error = (m.errorDetail?.message || m.error || '').trim();
      },
    );
  }).catch((err: unknown) => {
    if (signal?.aborted) throw cancelledError('Exporting the image');
    throw new CfPushError(`Exporting the image failed: ${(err as Error).message}`, { code: 'ExportFailed', cause: err });
  });
  if (signal?.aborted) throw cancelledError('Exporting the image');
  if (error || !id) {
    throw new CfPushError(
      `Exporting the image failed: ${error ?? 'the engine reported no image id'}\n${lines
        .slice(-10)
        .map((l) => `  ${l}`)
        .join('\n')}`,
      {
        code: 'ExportFailed',
      },
    );
  }
  return id;
}

export interface AppDroplet {
  app: CcApp;
  droplet: CcDroplet;
  file: string;
}

/**
 * The app's current droplet from the target (`GET /v3/apps/:guid/droplets/current`,
 * then `GET /v3/droplets/:guid/download`, following CF's redirect to the blobstore)
 * saved as `file`.
 */
export async function downloadCurrentDroplet(session: Session, appName: string, file: string, signal?: AbortSignal): Promise<AppDroplet> {
  const { cc } = session;
  const app = await cc.apps.find(session.space.guid, appName);
  if (!app) {
    throw new CfPushError(`App '${appName}' not found in org ${session.org.name} / space ${session.space.name}.`, {
      code: 'AppNotFound',
      hint: 'List apps with `cfpush apps`, or export a droplet file: `cfpush export FILE.tgz`.',
    });
  }
  let droplet: CcDroplet;
  try {
    droplet = await cc.apps.currentDroplet(app.guid);
  } catch (err) {
    if (err instanceof CcApiError && err.status === 404) {
      throw new CfPushError(`App '${appName}' has no droplet: there is nothing to export yet.`, {
        code: NO_DROPLET,
        hint: `Push it first (\`cfpush push ${appName}\`), or stage it locally and export the file (\`cfpush stage DIR -o app.tgz && cfpush export app.tgz\`).`,
        cause: err,
      });
    }
    throw err;
  }
  if (droplet.image) {
    throw new CfPushError(`App '${appName}' runs the docker image ${droplet.image}: it has no buildpack droplet to export.`, {
      code: NO_DROPLET,
      hint: `Run that image directly (docker run ${droplet.image}).`,
    });
  }
  const url = cc.droplets.downloadUrl(droplet.guid);
  // The Authorization header is dropped when CF redirects to another origin (the blobstore's signed URL).
  const res = await httpFetch(url, {
    headers: { authorization: `bearer ${await cc.token()}` },
    redirects: 5,
    insecure: session.target.skipSslValidation,
    signal,
  });
  if (res.status !== 200) {
    const text = await res.text().catch(() => '');
    throw new CfPushError(`Downloading the droplet of '${appName}' failed: HTTP ${res.status} ${text.slice(0, 200)}`, { code: 'DropletDownloadFailed' });
  }
  await pipeline(res.body, createWriteStream(file));
  return { app, droplet, file };
}

export interface ExportAppOptions extends Omit<ExportOptions, 'dropletFile' | 'buildpacks' | 'cfStack' | 'appName'> {
  session: Session;
  appName: string;
}

/** `cfpush export APP`: the app's current droplet from the target, exported. */
export async function exportApp(opts: ExportAppOptions): Promise<ExportedImage & { droplet: CcDroplet }> {
  // The engine first: no download when the image cannot be built.
  const docker = opts.docker ?? (await connectEngine({ signal: opts.signal }));
  const work = await mkdtemp(join(tmpdir(), 'cfpush-export-dl-'));
  try {
    const file = join(work, `${opts.appName}.droplet.tgz`);
    opts.log?.(`Downloading the current droplet of ${opts.appName}`);
    const { droplet } = await downloadCurrentDroplet(opts.session, opts.appName, file, opts.signal);
    // CC: `name` is the admin buildpack (nodejs_buildpack), `buildpack_name` the buildpack's own name (nodejs).
    const buildpacks = droplet.buildpacks
      .filter((b) => b.buildpack_name || b.name)
      .map((b) => ({ name: (b.buildpack_name || b.name)!, version: b.version ?? '' }));
    const res = await exportDroplet({ ...opts, docker, dropletFile: file, buildpacks, cfStack: droplet.stack ?? undefined });
    return { ...res, droplet };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
