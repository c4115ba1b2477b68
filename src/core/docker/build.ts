// Builds an app folder's Dockerfile into an image with the engine (issue 5):
// the build context is a tar streamed from the folder minus what
// `.dockerignore` excludes (Docker's rules: patterns are relative to the
// folder, `!` re-includes, the Dockerfile and .dockerignore are always sent),
// the engine's output becomes staging log lines, and a failing build throws a
// DockerBuildError naming the failing step with its last output lines.
//
// Tags: `cfpush/<app>:<id>` (the first 12 hex digits of the image id, so the
// same sources, rebuilt from the build cache, keep the same tag) and
// `cfpush/<app>:latest`.
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import ignore from 'ignore';
import { create as tarCreate } from 'tar';
import { CfPushError, cancelledError } from '../errors';
import { connectEngine, dockerNotRunning, engineAddress } from './engine';

export type LogStream = 'stdout' | 'stderr';
export type LogFn = (line: string, stream: LogStream) => void;

const FAILED_STEP_LINES = 20;

export interface BuildImageOptions {
  appDir: string;
  /** The app's name; the image repository is `cfpush/<sanitised name>`. */
  appName: string;
  /** Relative to appDir (default `Dockerfile`). */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  /** Image labels. The engine adds one LABEL step per label to the build ("Step 5/6"), so none by default. */
  labels?: Record<string, string>;
  /** An engine client; default `connectEngine()`. */
  docker?: Docker;
  /** One call per line of build output (steps, RUN output, engine messages). */
  log?: LogFn;
  signal?: AbortSignal;
}

export interface BuiltImage {
  /** The versioned reference to run and record (`cfpush/<app>:<id12>`). */
  image: string;
  /** Every tag set (the versioned one and `:latest`). */
  tags: string[];
  /** The image id (`sha256:…`). */
  id: string;
  repository: string;
}

/** A failed build: the step that failed (as the engine printed it) and its last output lines. */
export class DockerBuildError extends CfPushError {
  readonly step?: string;
  readonly output: string[];
  constructor(message: string, step: string | undefined, output: string[], hint?: string, cause?: unknown) {
    super(message, { code: 'DockerBuildFailed', hint, cause });
    this.name = 'DockerBuildError';
    this.step = step;
    this.output = output;
  }
}

/** A Docker repository name for an app: `cfpush/` + lowercase [a-z0-9._-]. */
export function imageRepository(appName: string): string {
  const name =
    appName
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'app';
  return `cfpush/${name.slice(0, 120)}`;
}

/**
 * The `.dockerignore` of appDir as a predicate over context-relative paths
 * ("src/x.js"; directories end with "/"). true = leave out of the context.
 */
export function dockerignoreFilter(appDir: string, dockerfile = 'Dockerfile'): (rel: string) => boolean {
  let text: string;
  try {
    text = readFileSync(join(appDir, '.dockerignore'), 'utf8');
  } catch {
    return () => false;
  }
  // Docker anchors every pattern at the context root; gitignore (the `ignore`
  // package) only anchors patterns that start with "/", so add it.
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = line.replace(/^(\.\/|\/)+/, '');
    if (!line || line === '.') continue;
    patterns.push(`${negate ? '!' : ''}/${line}`);
  }
  // The engine needs these two whatever the file says (docker CLI does the same).
  patterns.push('!/.dockerignore', `!/${dockerfile.replace(/^(\.\/)+/, '')}`);
  const ig = ignore().add(patterns);
  return (rel) => rel !== '' && rel !== './' && ig.ignores(rel);
}

/** The build context as an uncompressed tar stream (what `docker build` sends). */
export function contextTar(appDir: string, dockerfile = 'Dockerfile'): Readable {
  const excluded = dockerignoreFilter(appDir, dockerfile);
  const pack = tarCreate(
    {
      cwd: appDir,
      portable: true,
      filter: (path, stat) => {
        const rel = path.replace(/^\.\/?/, '');
        if (!rel) return true;
        return !excluded('isDirectory' in stat && stat.isDirectory() ? `${rel}/` : rel);
      },
    },
    ['.'],
  );
  return Readable.from(pack as AsyncIterable<Buffer>);
}

/** Splits a chunked text stream into lines (the last, unterminated one on flush). */
export class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(text: string): void {
    const parts = (this.rest + text).split(/\r?\n/);
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.emit(p);
  }
  flush(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }
}

interface BuildMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

const STEP = /^Step \d+\/\d+ : /;

/** Builds the image; resolves with its tags once the engine reports success. */
export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelledError('Building the image');
  const appDir = resolve(opts.appDir);
  const dockerfile = opts.dockerfile ?? 'Dockerfile';
  const docker = opts.docker ?? (await connectEngine({ signal }));
  const repository = imageRepository(opts.appName);
  const log: LogFn = opts.log ?? (() => {});

  let step: string | undefined;
  let stepOutput: string[] = [];
  let id: string | undefined;
  // The engine marks a RUN's stderr with ANSI red (ESC[91m … ESC[0m): strip the
  // codes and report those lines as stderr.
  let red = false;
  const stdout = new LineSplitter((raw) => {
    let stream: LogStream = red ? 'stderr' : 'stdout';
    let line = '';
    // eslint-disable-next-line no-control-regex -- ANSI colour codes in Docker's build output are what we split on
    for (const part of raw.split(/(\x1b\[[0-9;]*m)/)) {
      if (!part.startsWith('\x1b[')) {
        line += part;
        continue;
      }
      red = part === '\x1b[91m';
      if (!line) stream = red ? 'stderr' : 'stdout';
    }
    if (STEP.test(line)) {
      step = line;
      stepOutput = [];
    } else if (step && line.trim() && !/^ ---> |^Removing intermediate container /.test(line)) {
      stepOutput.push(line);
      if (stepOutput.length > 200) stepOutput.splice(0, stepOutput.length - FAILED_STEP_LINES);
    }
    const built = /^Successfully built ([0-9a-f]{12,})/.exec(line);
    if (built && !id) id = built[1];
    log(line, stream);
  });

  const failure = (message: string, cause?: unknown): DockerBuildError => {
    const tail = stepOutput.slice(-FAILED_STEP_LINES);
    const head = step ? `Building the image for '${opts.appName}' failed at ${step}` : `Building the image for '${opts.appName}' failed`;
    const body = [head, ...tail.map((l) => `  ${l}`), message].join('\n');
    return new DockerBuildError(body, step, tail, buildHint(message), cause);
  };

  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(contextTar(appDir, dockerfile), {
      t: `${repository}:latest`,
      dockerfile,
      rm: true,
      forcerm: true,
      buildargs: opts.buildArgs,
      ...(opts.labels && Object.keys(opts.labels).length ? { labels: opts.labels } : {}),
      abortSignal: signal,
    } as Docker.ImageBuildOptions);
  } catch (err) {
    if (signal?.aborted) throw cancelledError('Building the image');
    if (isConnectionError(err)) throw dockerNotRunning(engineAddress(), err);
    throw failure(engineMessage(err), err);
  }

  await new Promise<void>((resolvePromise, reject) => {
    let errorMessage: string | undefined;
    const onAbort = () => {
      (stream as Readable).destroy?.();
      reject(cancelledError('Building the image'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const json = new LineSplitter((line) => {
      if (!line.trim()) return;
      let msg: BuildMessage;
      try {
        msg = JSON.parse(line) as BuildMessage;
      } catch {
        stdout.push(`${line}\n`);
        return;
      }
      if (msg.stream !== undefined) stdout.push(msg.stream);
      if (msg.status) log(`${msg.id ? `${msg.id}: ` : ''}${msg.status}${msg.progress ? ` ${msg.progress}` : ''}`, 'stdout');
      if (msg.aux?.ID) id = msg.aux.ID;
      if (msg.error || msg.errorDetail) {
        errorMessage = (msg.errorDetail?.message || msg.error || 'unknown error').trim();
        log(errorMessage, 'stderr');
      }
    });
    stream.on('data', (d: Buffer) => json.push(d.toString('utf8')));
    stream.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(cancelledError('Building the image'));
      stdout.flush();
      reject(failure(`The engine closed the build: ${err.message}`, err));
    });
    stream.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      json.flush();
      stdout.flush();
      if (signal?.aborted) return reject(cancelledError('Building the image'));
      if (errorMessage) return reject(failure(errorMessage));
      if (!id) return reject(failure('The engine ended the build without an image id.'));
      resolvePromise();
    });
  });

  const image = docker.getImage(id!);
  const info = await image.inspect();
  const short = info.Id.replace(/^sha256:/, '').slice(0, 12);
  await image.tag({ repo: repository, tag: short });
  const tags = [`${repository}:${short}`, `${repository}:latest`];
  log(`Tagged ${tags.join(', ')}`, 'stdout');
  return { image: tags[0]!, tags, id: info.Id, repository };
}

function buildHint(message: string): string | undefined {
  if (/pull access denied|manifest unknown|not found: manifest|registry-1\.docker\.io|dial tcp|no such host|repository does not exist/i.test(message)) {
    return 'The base image is not in the local engine and no registry answered. Build base images locally (`bash test/hosts/docker-host.sh` makes cfpush/busybox and cfpush/node) or pull them where a registry is reachable.';
  }
  if (/Cannot locate specified Dockerfile/i.test(message)) return 'The app folder needs a Dockerfile (or set the Dockerfile name).';
  return undefined;
}

function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES';
}

/** The engine's own words from a dockerode error (`json.message`), else the error's message. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string } | string; message?: string; reason?: string } | undefined;
  if (e?.json && typeof e.json === 'object' && e.json.message) return e.json.message;
  if (typeof e?.json === 'string' && e.json) return e.json;
  const message = e?.message ?? String(err);
  // docker-modem: "(HTTP code 500) server error - <the engine's message> "
  return /^\(HTTP code \d+\) [^-]*- ([\s\S]+)$/.exec(message)?.[1]?.trim() ?? message;
}
