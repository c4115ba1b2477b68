// `cfpush detect`: runs every buildpack's bin/detect (not only up to the first
// match) so the user sees why each one did or did not match before pushing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DetectReport, DetectVerdict } from './types';
import { builtinBuildpacks, resolveBuildpack, type Buildpack, type ResolveOptions } from './buildpacks';
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
