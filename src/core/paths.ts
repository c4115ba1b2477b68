import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** CFPUSH_HOME holds config, tokens and the local foundation's default data dir. */
export function cfpushHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CFPUSH_HOME || join(homedir(), '.cfpush'));
}

/**
 * Creates `dir` and any missing parents readable by this user only (0700),
 * and makes an existing `dir` so too: tokens, app env values and service
 * credentials live below it.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function defaultFoundationDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cfpushHome(env), 'foundation');
}

let root: string | undefined;
/**
 * The installed package's root (holds `buildpacks/`). Bundles live in `dist/`
 * or `out/test/...`, so walk up from this file instead of assuming a depth.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'buildpacks'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cf-push: cannot find the package root above ${__dirname}`);
    dir = up;
  }
}

export function builtinBuildpacksDir(): string {
  return join(packageRoot(), 'buildpacks');
}

/** The CLI entry, for spawning the foundation daemon. */
export function cliEntry(): string {
  return join(packageRoot(), 'dist', 'cli.js');
}

/** The local foundation's ports when nothing else is said. */
export const DEFAULT_LOCAL_PORTS = { api: 9022, router: 9080 } as const;

/** CFPUSH_API_PORT / CFPUSH_ROUTER_PORT, else the defaults. */
export function localPorts(env: NodeJS.ProcessEnv = process.env): { api: number; router: number } {
  return { api: Number(env.CFPUSH_API_PORT) || DEFAULT_LOCAL_PORTS.api, router: Number(env.CFPUSH_ROUTER_PORT) || DEFAULT_LOCAL_PORTS.router };
}
