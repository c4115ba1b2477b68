// Where buildpacks come from: the built-ins shipped in `buildpacks/`, a local
// folder, a local or downloaded .zip, or a git repository (cf-reference.md
// §4.1: "URL buildpacks are downloaded (zip) or git-cloned").
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CfPushError, cancelledError } from '../errors';
import { builtinBuildpacksDir, cfpushHome } from '../paths';
import { extractZip } from '../bits/extract';
import type { InstalledBuildpacks } from './installed';

/** CF's name for the stack the built-ins stage for: the local foundation's one stack. */
export const BUILTIN_STACK = 'cflinuxfs4';

export interface Buildpack {
  /** What the user asked for (or `<name>_buildpack` for built-ins found by detection). */
  key: string;
  name: string;
  version: string;
  /** The folder holding bin/. */
  dir: string;
  builtin: boolean;
  /** Detection priority (0 first) for built-ins. */
  order?: number;
  language?: string;
  /** What bin/detect looks for, shown when it does not match. */
  detectHint?: string;
}

export interface ResolveOptions {
  /** Relative folder/zip paths are resolved against this (default: cwd). */
  baseDir?: string;
  /** Downloads and extracted zips are cached here (default: CFPUSH_HOME/cache/buildpacks). */
  cacheDir?: string;
  signal?: AbortSignal;
  /** A foundation's installed buildpacks: a name is looked up there before the built-ins. */
  installed?: InstalledBuildpacks;
  /** The stack staging is for (an installed buildpack of another stack does not count). */
  stack?: string;
}

interface BuildpackManifest {
  language?: string;
  detect_hint?: string;
}

function readManifest(dir: string): BuildpackManifest {
  for (const f of ['manifest.yml', 'manifest.yaml']) {
    try {
      const m: unknown = parseYaml(readFileSync(join(dir, f), 'utf8'));
      if (m && typeof m === 'object') return m as BuildpackManifest;
    } catch {
      /* absent or unreadable: buildpacks need no manifest */
    }
  }
  return {};
}

function readVersion(dir: string): string {
  try {
    return readFileSync(join(dir, 'VERSION'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** Describes a buildpack folder (one with bin/, or a single nested folder with bin/, as zips often have). */
export function describeBuildpack(dir: string, key: string, name?: string): Buildpack {
  let root = dir;
  if (!existsSync(join(root, 'bin'))) {
    const entries = existsSync(root) ? readdirSync(root) : [];
    const nested = entries.length === 1 ? join(root, entries[0]!) : undefined;
    if (!nested || !existsSync(join(nested, 'bin'))) {
      throw new CfPushError(`Buildpack ${key} is malformed: ${dir} does not contain a bin/ folder.`, {
        code: 'BuildpackMalformed',
      });
    }
    root = nested;
  }
  const manifest = readManifest(root);
  return {
    key,
    name: name ?? manifest.language ?? key,
    version: readVersion(root),
    dir: root,
    builtin: false,
    language: manifest.language,
    detectHint: manifest.detect_hint,
  };
}

let builtinCache: Buildpack[] | undefined;

/** The built-in buildpacks in detection priority order. */
export function builtinBuildpacks(): Buildpack[] {
  if (builtinCache) return builtinCache;
  const root = builtinBuildpacksDir();
  const { order } = JSON.parse(readFileSync(join(root, 'order.json'), 'utf8')) as { order: string[] };
  builtinCache = order.map((name, i) => ({
    // CF's names use underscores: dotnet-core is dotnet_core_buildpack.
    ...describeBuildpack(join(root, name), `${name.replace(/-/g, '_')}_buildpack`, name),
    builtin: true,
    order: i,
  }));
  return builtinCache;
}

/** `nodejs`, `nodejs_buildpack`, `nodejs-buildpack`, `NodeJS` all name the nodejs built-in (`dotnet_core` the dotnet-core one). */
export function findBuiltin(key: string): Buildpack | undefined {
  const n = key
    .toLowerCase()
    .replace(/[-_]buildpack$/, '')
    .replace(/_/g, '-');
  return builtinBuildpacks().find((b) => b.name === n);
}

function isUrl(key: string): boolean {
  return /^(https?|git|ssh|file):\/\//i.test(key) || /^git@[^:]+:/.test(key);
}

function defaultCacheDir(): string {
  return join(cfpushHome(), 'cache', 'buildpacks');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Turns a `-b` key into a buildpack folder. Unknown names fail with the list
 * of built-ins, so a typo is easy to fix.
 */
export async function resolveBuildpack(key: string, opts: ResolveOptions = {}): Promise<Buildpack> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  if (isUrl(key)) return resolveUrl(key, cacheDir, opts.signal);

  const looksLikePath = /[/\\]/.test(key) || key.startsWith('.') || key.toLowerCase().endsWith('.zip');
  if (!looksLikePath) {
    const installed = opts.installed?.byName(key, opts.stack);
    if (installed) return installed;
    const builtin = findBuiltin(key);
    if (builtin) return { ...builtin, key };
  }
  const path = resolve(opts.baseDir ?? process.cwd(), key);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) return describeBuildpack(path, key);
    if (path.toLowerCase().endsWith('.zip')) return extractZipBuildpack(await readFile(path), key, cacheDir);
  }
  const names = builtinBuildpacks()
    .map((b) => b.name)
    .join(', ');
  const installed = [...new Set(opts.installed?.entries.filter((e) => !e.builtin).map((e) => e.name))];
  throw new CfPushError(
    `Buildpack "${key}" not found: it is neither ${installed.length ? 'an installed buildpack, ' : ''}a built-in buildpack nor a buildpack folder, .zip or URL.`,
    {
      code: 'BuildpackNotFound',
      hint: `Built-in buildpacks: ${names}.${installed.length ? ` Installed: ${installed.join(', ')}.` : ''}`,
    },
  );
}

/** Zips are cached by content hash: the same bytes are extracted once. */
async function extractZipBuildpack(data: Buffer, key: string, cacheDir: string): Promise<Buildpack> {
  const dest = join(cacheDir, `zip-${sha256(data).slice(0, 32)}`);
  if (!existsSync(dest)) {
    const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(tmp, { recursive: true });
    try {
      await extractZip(data, tmp, { name: key }).catch((err: unknown) => {
        if (err instanceof CfPushError && err.code === 'InvalidZip') {
          throw new CfPushError(`${key} is not a valid zip file: ${err.message.replace(/^Cannot read zip [^:]*: /, '')}`, {
            code: 'BuildpackMalformed',
            cause: err,
          });
        }
        throw err;
      });
      await rename(tmp, dest).catch(async (err: NodeJS.ErrnoException) => {
        // Another staging extracted the same zip meanwhile: theirs is as good.
        if (!existsSync(dest)) throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return describeBuildpack(dest, key);
}

async function resolveUrl(key: string, cacheDir: string, signal?: AbortSignal): Promise<Buildpack> {
  const u = new URL(key.startsWith('git@') ? `ssh://${key.replace(':', '/')}` : key);
  if (/^https?:$/.test(u.protocol) && u.pathname.toLowerCase().endsWith('.zip')) {
    let res: Response;
    try {
      res = await fetch(key, { signal, redirect: 'follow' });
    } catch (err) {
      throw new CfPushError(`Could not download buildpack ${key}: ${(err as Error).message}`, { code: 'BuildpackDownloadFailed', cause: err });
    }
    if (!res.ok) throw new CfPushError(`Could not download buildpack ${key}: HTTP ${res.status}`, { code: 'BuildpackDownloadFailed' });
    return extractZipBuildpack(Buffer.from(await res.arrayBuffer()), key, cacheDir);
  }
  return gitClone(key, cacheDir, signal);
}

/** `git clone --depth 1`, honouring a `#branch-or-tag` suffix as CF does. Re-cloned each time, as CF does. */
async function gitClone(key: string, cacheDir: string, signal?: AbortSignal): Promise<Buildpack> {
  const [url, ref] = key.split('#', 2) as [string, string | undefined];
  const dest = join(cacheDir, `git-${sha256(key).slice(0, 32)}`);
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(cacheDir, { recursive: true });
  const args = ['clone', '--depth', '1', '--recursive', ...(ref ? ['--branch', ref] : []), url, tmp];
  try {
    const { execa } = await import('execa');
    const git = await execa('git', args, { cancelSignal: signal, env: { GIT_TERMINAL_PROMPT: '0' }, stdin: 'ignore', reject: false });
    if (git.isCanceled) throw cancelledError('Downloading the buildpack');
    if (git.failed) {
      throw new CfPushError(`git clone of buildpack ${key} failed: ${String(git.stderr).trim() || git.shortMessage}`, {
        code: 'BuildpackDownloadFailed',
        cause: git,
      });
    }
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return describeBuildpack(dest, key);
}

/** Resets the built-in list (tests point CFPUSH_HOME elsewhere, never the buildpacks dir, but keep it explicit). */
export function clearBuiltinCache(): void {
  builtinCache = undefined;
}
