// `cfpush detect`: runs every buildpack's bin/detect (not only up to the first
// match) so the user sees why each one did or did not match before pushing.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DetectReport, DetectVerdict } from './types';
import { builtinBuildpacks, resolveBuildpack, type Buildpack, type ResolveOptions } from './buildpacks';
import { CfPushError } from '../errors';
import { runScript } from './run';
import { baseStagingEnv } from './env';

export interface DetectOptions extends ResolveOptions {
  /** Buildpack keys to try instead of the built-ins (or `installed`'s detection order). */
  buildpacks?: string[];
  env?: Record<string, string>;
}

/** One bin/detect run against `buildDir` (exit 0 = match; stdout = detect_output). */
export async function detectOne(bp: Buildpack, buildDir: string, env: Record<string, string>, signal?: AbortSignal): Promise<DetectVerdict> {
  const base = { name: bp.name, version: bp.version, key: bp.key };
  const script = join(bp.dir, 'bin', 'detect');
  if (!existsSync(script)) return { ...base, matched: false, output: 'has no bin/detect' };
  const r = await runScript(script, [buildDir], { cwd: buildDir, env, captureStdout: true, signal });
  if (r.code === 0 && !r.spawnError) return { ...base, matched: true, output: r.stdout.replace(/[\r\n]+$/, '').trim() };
  // What bin/detect said on stderr is about this app; the manifest's hint is what it looks for in general.
  const said = r.spawnError ? undefined : r.tail.at(-1)?.trim();
  const why = said || bp.detectHint || (r.spawnError ? `bin/detect could not run: ${r.spawnError}` : `bin/detect exited with ${r.code}`);
  return { ...base, matched: false, output: why };
}

/**
 * The built-in buildpacks' bin/detect scripts (ours, bash, known to only
 * read the app) in one bash process, in priority order up to the first
 * match: each sourced in a subshell of its own, so it sees its own
 * BASH_SOURCE, arguments and exit, and nothing of the others. One process
 * instead of one per script: a fork from the foundation and a bash start
 * (~3 ms each) for every buildpack ahead of the app's, on every staging.
 * Verdicts as detectOne gives them; `errDir` holds each script's stderr.
 */
export async function detectBuiltins(
  bps: Buildpack[],
  buildDir: string,
  env: Record<string, string>,
  errDir: string,
  signal?: AbortSignal,
): Promise<DetectVerdict[]> {
  const missing = bps.findIndex((bp) => !existsSync(join(bp.dir, 'bin', 'detect')));
  if (missing >= 0) {
    // (Never for a whole built-in folder.) Those before it in one batch, it as detectOne says, then the rest.
    const before = missing > 0 ? await detectBuiltins(bps.slice(0, missing), buildDir, env, errDir, signal) : [];
    if (before.at(-1)?.matched) return before;
    const rest = await detectBuiltins(bps.slice(missing + 1), buildDir, env, errDir, signal);
    return [...before, await detectOne(bps[missing]!, buildDir, env, signal), ...rest];
  }
  if (!bps.length) return [];
  await mkdir(errDir, { recursive: true });
  const scripts = bps.map((bp) => join(bp.dir, 'bin', 'detect'));
  const r = await runScript('/bin/bash', ['-c', DETECT_BATCH, 'cfpush-detect', buildDir, errDir, ...scripts], {
    cwd: buildDir,
    env,
    captureStdout: true,
    signal,
  });
  const hint =
    'The built-in buildpacks need bash at /bin/bash (e.g. `apt-get install bash`); `cfpush detect APP_DIR` runs each script on its own and shows what it says.';
  if (r.spawnError) throw new CfPushError(`The built-in buildpacks' detect scripts could not run: ${r.spawnError}`, { hint });
  // NUL-separated triples: index, exit code, stdout (bash strips its trailing newlines).
  const fields = r.stdout.split('\0');
  const verdicts: DetectVerdict[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const bp = bps[Number(fields[i])]!;
    const code = Number(fields[i + 1]);
    const base = { name: bp.name, version: bp.version, key: bp.key };
    if (code === 0) verdicts.push({ ...base, matched: true, output: fields[i + 2]!.trim() });
    else {
      const said = lastLine(join(errDir, String(verdicts.length)));
      verdicts.push({ ...base, matched: false, output: said || bp.detectHint || `bin/detect exited with ${code}` });
    }
  }
  if (verdicts.length < bps.length && !verdicts.at(-1)?.matched) {
    throw new CfPushError(
      `The built-in buildpacks' detect scripts stopped after ${verdicts.length} of ${bps.length} (bash exited with ${r.code}${r.tail.length ? `: ${r.tail.at(-1)}` : ''}).`,
      { hint },
    );
  }
  return verdicts;
}

/** `bash -c` program for detectBuiltins: $1 build dir, $2 stderr folder, then the scripts. */
const DETECT_BATCH = `dir=$1 errs=$2; shift 2; i=0
for s in "$@"; do
  out=$( . "$s" "$dir" 2>"$errs/$i" </dev/null ); code=$?
  printf '%s\\0%s\\0%s\\0' "$i" "$code" "$out"
  [ "$code" -eq 0 ] && break
  i=$((i+1))
done`;

function lastLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.replace(/\r$/, '').trim())
      .filter(Boolean)
      .at(-1);
  } catch {
    return undefined;
  }
}

export async function detect(appDir: string, opts: DetectOptions = {}): Promise<DetectReport> {
  const dir = resolve(appDir);
  const bps = opts.buildpacks?.length
    ? await Promise.all(opts.buildpacks.map((k) => resolveBuildpack(k, opts)))
    : (opts.installed?.detectionOrder(opts.stack) ?? builtinBuildpacks());
  const env = { ...baseStagingEnv(), ...(opts.env ?? {}) };
  // Independent and read-only: run them side by side, report in priority order.
  const verdicts = await Promise.all(bps.map((bp) => detectOne(bp, dir, env, opts.signal)));
  return {
    appDir: dir,
    selected: verdicts.find((v) => v.matched),
    verdicts,
    lifecycle: dockerLifecycleReason(dir) ? 'docker' : 'buildpack',
  };
}

/**
 * Why an app uses the docker lifecycle (issue 5), or undefined for the
 * buildpack lifecycle: a manifest `docker.image`, else a Dockerfile in the
 * app folder (built with the local Docker engine).
 */
export function dockerLifecycleReason(appDir: string, manifestDockerImage?: string): string | undefined {
  if (manifestDockerImage) return `The manifest sets docker.image (${manifestDockerImage}): this app uses the docker lifecycle.`;
  if (existsSync(join(resolve(appDir), 'Dockerfile'))) {
    return 'A Dockerfile was found: this app uses the docker lifecycle (the image is built with the local Docker engine; buildpacks do not run).';
  }
  return undefined;
}

/** A table for the terminal: ✓/✗, name, version, reason. */
export function formatDetectReport(report: DetectReport): string {
  const rows = report.verdicts.map((v) => [v.matched ? '✓' : '✗', v.name, v.version || '-', v.matched ? `detected: ${v.output || v.name}` : v.output]);
  const w1 = Math.max(4, ...rows.map((r) => r[1]!.length));
  const w2 = Math.max(7, ...rows.map((r) => r[2]!.length));
  const lines = [`  ${'name'.padEnd(w1)}  ${'version'.padEnd(w2)}  reason`];
  for (const r of rows) lines.push(`${r[0]} ${r[1]!.padEnd(w1)}  ${r[2]!.padEnd(w2)}  ${r[3]}`);
  const summary =
    report.lifecycle === 'docker'
      ? `${dockerLifecycleReason(report.appDir) ?? 'This app uses the docker lifecycle.'} Buildpack verdicts are shown for reference.`
      : report.selected
        ? `Selected buildpack: ${report.selected.name}${report.selected.version ? ` ${report.selected.version}` : ''}`
        : 'None of the buildpacks detected a compatible application.';
  return `${lines.join('\n')}\n${summary}`;
}
