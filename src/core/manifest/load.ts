// loadManifest: the cf CLI's lookup (`manifestparser/locator.go`), vars files
// and --var (`manifestparser/parser.go`), then parseManifest.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CfPushError } from '../errors';
import type { LoadManifestOptions, Manifest, ManifestDiagnostic } from './types';
import { parseManifest } from './parse';
import { appRanges } from './app';
import { ManifestError } from './errors';
import { MAX_NAME_LENGTH, nameTooLongMessage } from './limits';

/** `-f` (a file, or a folder holding one), else manifest.yml, then manifest.yaml in dir. */
export function locateManifest(dir: string, file?: string): string | undefined {
  if (file !== undefined) {
    const f = resolve(file);
    if (!existsSync(f)) {
      throw new CfPushError(`Incorrect Usage: The specified path '${file}' does not exist.`, { code: 'ManifestNotFound' });
    }
    if (!statSync(f).isDirectory()) return f;
    dir = f;
  }
  for (const name of ['manifest.yml', 'manifest.yaml']) {
    const p = join(resolve(dir), name);
    if (existsSync(p)) return p;
  }
  if (file !== undefined) {
    throw new CfPushError(`Could not find 'manifest.yml' or 'manifest.yaml' in ${resolve(file)}`, { code: 'ManifestNotFound' });
  }
  return undefined;
}

/** --vars-file files in order (later wins), then --var (wins over files). */
export async function loadVars(varsFiles: readonly string[] = [], vars: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const f of varsFiles) {
    let parsed: unknown;
    try {
      parsed = parseYaml(await readFile(f, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new CfPushError(`Incorrect Usage: The specified path '${f}' does not exist.`, { code: 'VarsFileNotFound' });
      }
      throw new CfPushError(`The option --vars-file expects a valid YAML file. ${(err as Error).message}`, {
        code: 'VarsFileInvalid',
        location: { file: f, line: 1, col: 1 },
        cause: err,
      });
    }
    if (parsed === null || parsed === undefined) continue;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CfPushError('The option --vars-file expects a valid YAML file. It must contain a map of variable names to values.', {
        code: 'VarsFileInvalid',
        location: { file: f, line: 1, col: 1 },
      });
    }
    Object.assign(out, parsed);
  }
  return Object.assign(out, vars);
}

export async function loadManifest(opts: LoadManifestOptions): Promise<Manifest> {
  if (opts.appName !== undefined && opts.appName.length > MAX_NAME_LENGTH) {
    throw new CfPushError(`App name '${opts.appName.slice(0, 40)}…': ${nameTooLongMessage(opts.appName.length)}.`, {
      code: 'AppNameTooLong',
      hint: 'Choose a shorter name: it becomes part of URLs, routes and log lines.',
    });
  }
  const dir = resolve(opts.dir);
  const file = locateManifest(dir, opts.file);
  if (!file) {
    // No manifest: one app named after the folder, pushed from the folder.
    const name = opts.appName ?? basename(dir);
    return { apps: [{ name, path: dir, raw: { name } }], diagnostics: [] };
  }
  const vars = await loadVars(opts.varsFiles, opts.vars);
  const text = await readFile(file, 'utf8');
  const { manifest, diagnostics } = parseManifest(text, { file, vars, appName: opts.appName });
  if (!manifest) throw new ManifestError(file, diagnostics);

  // The CLI checks paths locally before talking to CC.
  const pathErrors: ManifestDiagnostic[] = [];
  for (const app of manifest.apps) {
    const ranges = appRanges.get(app);
    if (!ranges?.path || app.docker || existsSync(app.path)) continue;
    pathErrors.push({
      severity: 'error',
      message: `File not found locally, make sure the file exists at given path ${app.raw.path as string}`,
      start: ranges.path.start,
      end: ranges.path.end,
      app: { index: ranges.index, name: app.name },
    });
  }
  if (pathErrors.length) throw new ManifestError(file, [...pathErrors, ...diagnostics]);
  return manifest;
}
