// The builder: the buildpack lifecycle's staging contract (cf-reference.md
// §4.1; BAL buildpackrunner/runner.go), run on this machine. It stages a copy
// of the app and produces an exploded droplet and/or a droplet tgz. Nothing
// half-done is left behind: work happens in a temp dir, outputs are renamed
// into place only at the end.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CfPushError, isCancelled } from '../errors';
import type { BuildpackRecord, DetectVerdict, StageOptions, StageResult, StagingErrorId } from './types';
import { BUILTIN_STACK, builtinBuildpacks, resolveBuildpack, type Buildpack } from './buildpacks';
import type { InstalledBuildpacks } from './installed';
import { detectBuiltins, detectOne } from './detect';
import { packDroplet } from './droplet';
import { baseStagingEnv, databaseUrl } from './env';
import { hostRunner, stagingCancelled, type RunResult, type ScriptRunner } from './run';

// BAL models.go messages; CC maps the exit codes to error ids.
export const DETECT_FAIL_MSG = 'None of the buildpacks detected a compatible application';
export const COMPILE_FAIL_MSG = 'Failed to compile droplet';
export const RELEASE_FAIL_MSG = 'Failed to build droplet release';
export const SUPPLY_FAIL_MSG = 'Failed to run all supply scripts';
export const NO_SUPPLY_SCRIPT_MSG = 'Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps';
export const FINALIZE_FAIL_MSG = 'Failed to run finalize script';
export const MISSING_FINALIZE_WARN_MSG =
  'Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it';
export const NO_WEB_MSG = 'No start command specified by buildpack or via Procfile.';

const ERROR_IDS: Record<number, StagingErrorId> = {
  222: 'NoAppDetectedError',
  223: 'BuildpackCompileFailed',
  224: 'BuildpackReleaseFailed',
  225: 'StagingError',
  226: 'StagingError',
};

/** A failed staging, with the builder's exit code and CC's error id. */
export class StagingError extends CfPushError {
  readonly exitCode: number;
  readonly errorId: StagingErrorId;
  constructor(message: string, exitCode: number, opts: { hint?: string; cause?: unknown } = {}) {
    const errorId = ERROR_IDS[exitCode] ?? 'StagingError';
    super(message, { ...opts, code: errorId });
    this.name = 'StagingError';
    this.exitCode = exitCode;
    this.errorId = errorId;
  }
}

/** DEPS_IDX is zero padded to the digits of the buildpack count (10 buildpacks: 00..09). */
export function depsIndex(i: number, count: number): string {
  return String(i).padStart(Math.floor(Math.log10(Math.max(1, count))) + 1, '0');
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** Segments of the droplet tgz live with the app's build cache (see droplet.ts). */
export const SEGMENTS_DIR = '.droplet-segments';

/**
 * Where staging works: $TMPDIR when it is on the same filesystem as the
 * outputs (the finished droplet is renamed into place), else the outputs'
 * own folder. Never the build cache: cache clean-up would delete the work
 * (a tmpfs /tmp used to make every foundation staging fail detection).
 */
function workRoot(outParent: string): string {
  const t = tmpdir();
  try {
    if (statSync(t).dev === statSync(outParent).dev) return t;
  } catch {
    /* fall through */
  }
  return outParent;
}

function failure(msg: string, who: string, r: RunResult): string {
  const why = r.spawnError ?? `exit status ${r.code}`;
  const tail = r.tail.filter((l) => l.trim()).slice(-10);
  return `${msg}: ${who}: ${why}${tail.length ? `\n${tail.map((l) => `  ${l}`).join('\n')}` : ''}`;
}

interface Ctx {
  buildDir: string;
  depsDir: string;
  profileDir: string;
  env: Record<string, string>;
  opts: StageOptions;
  runner: ScriptRunner;
}

async function run(ctx: Ctx, bp: Buildpack, script: string, args: string[], failMsg: string, code: number, capture = false) {
  const r = await ctx.runner.run(join(bp.dir, 'bin', script), args, {
    cwd: ctx.buildDir,
    env: ctx.env,
    log: ctx.opts.log,
    captureStdout: capture,
    signal: ctx.opts.signal,
  });
  if (r.code !== 0 || r.spawnError) throw new StagingError(failure(failMsg, `${bp.name} bin/${script}`, r), code);
  return r;
}

type Processes = Map<string, string>;

function mergeInto(procs: Processes, more: Record<string, unknown> | undefined): void {
  for (const [k, v] of Object.entries(more ?? {})) if (typeof v === 'string') procs.set(k, v);
}

async function readLaunchYml(file: string): Promise<Record<string, string> | undefined> {
  if (!existsSync(file)) return undefined;
  const doc = parseYaml(await readFile(file, 'utf8')) as { processes?: { type?: string; command?: string }[] } | null;
  const out: Record<string, string> = {};
  for (const p of doc?.processes ?? []) if (p.type && typeof p.command === 'string') out[p.type] = p.command;
  return out;
}

async function release(ctx: Ctx, bp: Buildpack): Promise<Record<string, unknown>> {
  const r = await run(ctx, bp, 'release', [ctx.buildDir], RELEASE_FAIL_MSG, 224, true);
  try {
    const doc = parseYaml(r.stdout) as { default_process_types?: Record<string, unknown> } | null;
    return doc?.default_process_types ?? {};
  } catch (err) {
    throw new StagingError(`${RELEASE_FAIL_MSG}: buildpack's release output invalid: ${(err as Error).message}`, 224, { cause: err });
  }
}

async function readProcfile(buildDir: string): Promise<Record<string, unknown>> {
  const file = join(buildDir, 'Procfile');
  if (!existsSync(file)) return {};
  try {
    const doc = parseYaml(await readFile(file, 'utf8')) as unknown;
    if (doc == null) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a map');
    return doc as Record<string, unknown>;
  } catch {
    throw new StagingError('Failed to read command from Procfile: invalid YAML', 1);
  }
}

/** libbuildpack's launch wiring: deps bin/lib on PATH and deps profile.d scripts in app/.profile.d. */
async function wireDeps(buildDir: string, depsDir: string): Promise<void> {
  const idxs = existsSync(depsDir) ? (await readdir(depsDir)).sort() : [];
  if (!idxs.length) return;
  const profiled = join(buildDir, '.profile.d');
  const lines: string[] = [];
  for (const [v, sub] of [
    ['PATH', 'bin'],
    ['LD_LIBRARY_PATH', 'lib'],
    ['LIBRARY_PATH', 'lib'],
  ] as const) {
    const dirs = idxs
      .filter((i) => existsSync(join(depsDir, i, sub)))
      .reverse()
      .map((i) => `$DEPS_DIR/${i}/${sub}`);
    if (dirs.length) lines.push(`export ${v}=${dirs.join(':')}$([[ ! -z "\${${v}:-}" ]] && echo ":$${v}")`);
  }
  await mkdir(profiled, { recursive: true });
  await writeFile(join(profiled, '000_multi-supply.sh'), lines.map((l) => `${l}\n`).join(''), { mode: 0o755 });
  for (const i of idxs) {
    const src = join(depsDir, i, 'profile.d');
    if (!existsSync(src)) continue;
    for (const f of (await readdir(src, { withFileTypes: true })).filter((d) => d.isFile())) {
      await copyFile(join(src, f.name), join(profiled, `${i}_${f.name}`));
    }
  }
}

async function readDepsConfig(depsDir: string, idx: string): Promise<{ name?: string; version?: string }> {
  try {
    const doc = parseYaml(await readFile(join(depsDir, idx, 'config.yml'), 'utf8')) as { name?: unknown; version?: unknown } | null;
    return {
      name: typeof doc?.name === 'string' ? doc.name : undefined,
      version: doc?.version != null ? String(doc.version) : undefined,
    };
  } catch {
    return {};
  }
}

/** BAL cleanCacheDir: drop caches of buildpacks no longer used (keeps `final`, md5(key) dirs and our segments). */
async function cleanCacheDir(cacheDir: string, keep: string[]): Promise<void> {
  for (const n of await readdir(cacheDir)) {
    if (!keep.includes(n) && n !== SEGMENTS_DIR) await rm(join(cacheDir, n), { recursive: true, force: true });
  }
}

/** Moves `from` to `to`, replacing what is there (an older droplet). */
async function replaceDir(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const old = `${to}.old-${process.pid}-${Date.now()}`;
  const had = existsSync(to);
  if (had) await rename(to, old);
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await cp(from, to, { recursive: true, verbatimSymlinks: true });
  }
  if (had) await rm(old, { recursive: true, force: true });
}

export interface StageExtras {
  /** Buildpack keys to detect over instead of the built-ins (tests). */
  detectOrder?: string[];
  /**
   * A foundation's installed buildpacks: detection goes over its enabled ones
   * in position order, and a name is looked up there before the built-ins.
   */
  installed?: InstalledBuildpacks;
  /**
   * Where the buildpack scripts run (default: this machine). The builder's
   * own steps (copying the app, merging process types, laying out and packing
   * the droplet) stay here, so every runner yields the same droplet layout.
   */
  runner?: ScriptRunner;
}

/** detectOne (detect.ts) through a runner that is not this machine. */
async function detectWith(runner: ScriptRunner, bp: Buildpack, buildDir: string, env: Record<string, string>, signal?: AbortSignal): Promise<DetectVerdict> {
  const base = { name: bp.name, version: bp.version, key: bp.key };
  const script = join(bp.dir, 'bin', 'detect');
  if (!existsSync(script)) return { ...base, matched: false, output: 'has no bin/detect' };
  const r = await runner.run(script, [buildDir], { cwd: buildDir, env, captureStdout: true, signal });
  if (r.code === 0 && !r.spawnError) return { ...base, matched: true, output: r.stdout.replace(/[\r\n]+$/, '').trim() };
  const why = bp.detectHint ?? (r.spawnError ? `bin/detect could not run: ${r.spawnError}` : r.tail.at(-1)?.trim() || `bin/detect exited with ${r.code}`);
  return { ...base, matched: false, output: why };
}

/**
 * Detection in priority order, as CC's lifecycle does, up to the first match.
 * A run of built-in buildpacks goes to `batch` (one process for all of
 * them, see detectBuiltins) when there is one; any other buildpack's detect
 * runs on its own, only when every one before it said no.
 */
async function detectInOrder(
  bps: Buildpack[],
  one: (bp: Buildpack) => Promise<DetectVerdict>,
  batch: ((bps: Buildpack[]) => Promise<DetectVerdict[]>) | undefined,
  signal: AbortSignal | undefined,
): Promise<DetectVerdict[]> {
  const verdicts: DetectVerdict[] = [];
  for (let i = 0; i < bps.length && !verdicts.at(-1)?.matched;) {
    if (signal?.aborted) throw stagingCancelled();
    let j = i;
    while (batch && j < bps.length && bps[j]!.builtin) j++;
    if (j > i) {
      verdicts.push(...(await batch!(bps.slice(i, j))));
      i = j;
    } else verdicts.push(await one(bps[i++]!));
  }
  if (signal?.aborted) throw stagingCancelled();
  return verdicts;
}

export async function stage(opts: StageOptions, extras: StageExtras = {}): Promise<StageResult> {
  if (!opts.outputDroplet && !opts.explodedDir) throw new CfPushError('stage() needs outputDroplet or explodedDir.');
  const signal = opts.signal;
  const check = () => {
    if (signal?.aborted) throw stagingCancelled();
  };
  check();
  const appDir = resolve(opts.appDir);
  const cacheDir = resolve(opts.cacheDir);
  const stack = opts.stack ?? BUILTIN_STACK;
  const keys = opts.buildpacks?.filter((k) => k && k !== 'null' && k !== 'default') ?? [];
  const skipDetect = keys.length > 0;
  if (!existsSync(appDir) || !statSync(appDir).isDirectory()) throw new CfPushError(`App folder ${appDir} does not exist.`);

  const resolveOpts = { signal, installed: extras.installed, stack };
  const bps = skipDetect
    ? await Promise.all(keys.map((k) => resolveBuildpack(k, resolveOpts)))
    : extras.detectOrder?.length
      ? await Promise.all(extras.detectOrder.map((k) => resolveBuildpack(k, resolveOpts)))
      : (extras.installed?.detectionOrder(stack) ?? builtinBuildpacks());
  if (!bps.length) throw new StagingError(`${DETECT_FAIL_MSG}: there are no buildpacks to detect with (every one is disabled or deleted).`, 222);
  const count = skipDetect ? bps.length : 1;
  const supplyBps = skipDetect ? bps.slice(0, -1) : [];

  await mkdir(cacheDir, { recursive: true });
  const outParent = opts.explodedDir ? dirname(resolve(opts.explodedDir)) : dirname(resolve(opts.outputDroplet!));
  await mkdir(outParent, { recursive: true });
  // Only an exploded droplet is renamed out of the work dir; a tgz is written where it goes.
  const work = await mkdtemp(join(opts.explodedDir ? workRoot(outParent) : tmpdir(), 'cfpush-staging-'));
  let ended: (() => Promise<void>) | undefined;
  try {
    const buildDir = join(work, 'app');
    const contents = join(work, 'contents');
    const depsDir = join(contents, 'deps');
    const profileDir = join(contents, 'profile.d');
    const tmp = join(work, 'tmp');
    if (opts.moveAppDir) await rename(appDir, buildDir);
    else await cp(appDir, buildDir, { recursive: true, verbatimSymlinks: true });
    for (let i = 0; i < count; i++) await mkdir(join(depsDir, depsIndex(i, count)), { recursive: true });
    await mkdir(profileDir, { recursive: true });
    await mkdir(tmp);

    const finalCache = join(cacheDir, 'final');
    const supplyCache = (bp: Buildpack) => join(cacheDir, md5(bp.key));
    await cleanCacheDir(cacheDir, ['final', ...supplyBps.map((b) => md5(b.key))]);
    await mkdir(finalCache, { recursive: true });
    for (const b of supplyBps) await mkdir(supplyCache(b), { recursive: true });

    // Precedence (CC staging_environment_builder): app env < CF_STACK < MEMORY_LIMIT/VCAP_APPLICATION < VCAP_SERVICES.
    const user = opts.env ?? {};
    const env: Record<string, string> = {
      ...baseStagingEnv(),
      TMPDIR: tmp,
      ...user,
      CF_STACK: stack,
      MEMORY_LIMIT: user.MEMORY_LIMIT ?? '1024m',
      LANG: 'en_US.UTF-8',
    };
    const dbUrl = databaseUrl(user.VCAP_SERVICES);
    if (dbUrl) env.DATABASE_URL = dbUrl;
    const runner = extras.runner ?? hostRunner;
    const ctx: Ctx = { buildDir, depsDir, profileDir, env, opts, runner };
    if (runner.where) opts.log?.(`Running buildpack scripts in ${runner.where}`, 'stdout');
    if (runner.begin) {
      ended = async () => {
        ended = undefined;
        await runner.end?.();
      };
      await runner.begin({ work, cacheDir, buildpackDirs: [...new Set(bps.map((b) => b.dir))] });
    }

    // 1-2. Detect, or supply for all but the last given buildpack.
    let finalBp: Buildpack;
    let detectOutput = '';
    if (!skipDetect) {
      const verdicts = await detectInOrder(
        bps,
        (bp) => (extras.runner ? detectWith(runner, bp, buildDir, env, signal) : detectOne(bp, buildDir, env, signal)),
        // A stack container's runner runs one script at a time.
        extras.runner ? undefined : (builtins) => detectBuiltins(builtins, buildDir, env, join(work, 'detect'), signal),
        signal,
      );
      const last = verdicts.at(-1);
      const hit = last?.matched ? bps[verdicts.length - 1] : undefined;
      if (hit) detectOutput = last!.output;
      if (!hit) {
        const lines = verdicts.map((v) => `  ${v.name}${v.version ? ` ${v.version}` : ''}: ${v.output}`);
        throw new StagingError(`${DETECT_FAIL_MSG}\n${lines.join('\n')}`, 222, {
          hint: 'Add the file a buildpack looks for, or name a buildpack with -b (e.g. -b binary with a start command).',
        });
      }
      finalBp = hit;
    } else {
      for (const bp of supplyBps) {
        if (!existsSync(join(bp.dir, 'bin', 'supply'))) throw new StagingError(`${NO_SUPPLY_SCRIPT_MSG}: ${bp.name} has no bin/supply`, 225);
      }
      for (const [i, bp] of supplyBps.entries()) {
        check();
        await run(ctx, bp, 'supply', [buildDir, supplyCache(bp), depsDir, depsIndex(i, count)], SUPPLY_FAIL_MSG, 225);
      }
      finalBp = bps[bps.length - 1]!;
    }

    // 3. Final buildpack: supply + finalize, or legacy compile.
    check();
    const finalIdx = depsIndex(count - 1, count);
    if (existsSync(join(finalBp.dir, 'bin', 'finalize'))) {
      if (existsSync(join(finalBp.dir, 'bin', 'supply'))) {
        await run(ctx, finalBp, 'supply', [buildDir, finalCache, depsDir, finalIdx], SUPPLY_FAIL_MSG, 225);
        check();
      }
      await run(ctx, finalBp, 'finalize', [buildDir, finalCache, depsDir, finalIdx, profileDir], FINALIZE_FAIL_MSG, 226);
    } else {
      if (supplyBps.length) opts.log?.(MISSING_FINALIZE_WARN_MSG, 'stderr');
      await rm(join(depsDir, finalIdx), { recursive: true, force: true });
      await run(ctx, finalBp, 'compile', [buildDir, finalCache], COMPILE_FAIL_MSG, 223);
    }
    check();

    // 4. Process types: supply launch.yml < final launch.yml or bin/release < Procfile.
    const procs: Processes = new Map();
    for (let i = 0; i < supplyBps.length; i++) mergeInto(procs, await readLaunchYml(join(depsDir, depsIndex(i, count), 'launch.yml')));
    const finalLaunch = await readLaunchYml(join(depsDir, finalIdx, 'launch.yml'));
    mergeInto(procs, finalLaunch ?? (await release(ctx, finalBp)));
    mergeInto(procs, await readProcfile(buildDir));
    const processTypes = Object.fromEntries(procs);
    // The scripts are done: the rest is the builder's own work, on this machine.
    await ended?.();
    const web = processTypes.web ?? '';
    if (!web) {
      opts.log?.(NO_WEB_MSG, 'stderr');
      opts.log?.('App will not start unless a command is provided at runtime.', 'stderr');
    }

    // 5. Records (name/version from deps/<idx>/config.yml), staging_info.yml, layout.
    const used = skipDetect ? bps : [finalBp];
    const buildpacks: BuildpackRecord[] = [];
    for (const [i, bp] of used.entries()) {
      const cfg = await readDepsConfig(depsDir, depsIndex(i, count));
      buildpacks.push({
        key: bp.key,
        name: cfg.name || (!skipDetect && detectOutput ? detectOutput : bp.name),
        version: cfg.version ?? bp.version,
        ...(!skipDetect ? { detect_output: detectOutput } : {}),
        ...(bp.builtin ? { buildpack_name: bp.name } : {}),
      });
    }
    const detected = buildpacks[buildpacks.length - 1]!.name;
    await wireDeps(buildDir, depsDir);
    await writeFile(join(contents, 'staging_info.yml'), `${JSON.stringify({ detected_buildpack: detected, start_command: web })}\n`);
    await mkdir(join(contents, 'tmp'));
    await mkdir(join(contents, 'logs'));
    await rename(buildDir, join(contents, 'app'));
    await chmod(contents, 0o755);
    check();

    // Outputs: pack first (from the work dir), then move into place.
    const result: StageResult = { detectedBuildpack: detected, startCommand: web, processTypes, buildpacks, stack };
    if (opts.outputDroplet) {
      const out = resolve(opts.outputDroplet);
      const { checksum } = await packDroplet(
        contents,
        out,
        opts.segmentCacheDir ? { segmentCacheDir: opts.segmentCacheDir } : { segmentCacheDir: join(cacheDir, SEGMENTS_DIR), pruneSegments: true },
      );
      result.dropletPath = out;
      result.checksum = checksum;
    }
    if (opts.explodedDir) {
      if (signal?.aborted && result.dropletPath) await rm(result.dropletPath, { force: true });
      check();
      await replaceDir(contents, resolve(opts.explodedDir));
      result.explodedDir = resolve(opts.explodedDir);
    }
    return result;
  } catch (err) {
    if (signal?.aborted && !isCancelled(err)) throw stagingCancelled();
    throw err;
  } finally {
    await ended?.().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}
