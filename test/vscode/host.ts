// Locating the offline extension host (code-server from the cache + Debian's
// chromium + playwright-core). Shared by the runner and the node:test wrapper.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const INSTALL_HINT = 'Install it with `bash test/hosts/install-code-server.sh` (code-server + Node 24 into ~/.cache/cf-push, chromium from apt).';

/** The repo root: the nearest folder above this bundle with cf-push's package.json. */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'vscode'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the cf-push repo above ${from}`);
  }
}

function cacheDir(): string {
  return process.env.CFPUSH_HOST_CACHE || join(homedir(), '.cache', 'cf-push');
}

/** Newest completely installed code-server in the cache (or $CFPUSH_CODE_SERVER). */
export function findCodeServer(): string | undefined {
  if (process.env.CFPUSH_CODE_SERVER) return existsSync(process.env.CFPUSH_CODE_SERVER) ? process.env.CFPUSH_CODE_SERVER : undefined;
  const cache = cacheDir();
  if (!existsSync(cache)) return undefined;
  const dirs = readdirSync(cache)
    .filter((d) => d.startsWith('code-server-') && existsSync(join(cache, d, '.complete')))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  return dirs[0] && join(cache, dirs[0], 'bin', 'code-server');
}

export function findChromium(): string | undefined {
  const candidates = [process.env.CFPUSH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  return candidates.find((c) => existsSync(c));
}

/** playwright-core from the repo's node_modules, else the copy installed beside code-server. */
export function loadPlaywright(root: string, codeServer?: string): typeof import('playwright-core') | undefined {
  const from = [join(root, 'package.json')];
  if (codeServer) from.push(join(dirname(dirname(codeServer)), 'cs', 'package.json'));
  for (const f of from) {
    try {
      // createRequire keeps esbuild from bundling playwright (it loads its own assets at run time).
      return createRequire(f)('playwright-core');
    } catch {
      /* try the next */
    }
  }
  return undefined;
}

/** What is missing to run the real host, or [] when everything is there. */
export function missingHostParts(root: string): string[] {
  const missing: string[] = [];
  const cs = findCodeServer();
  if (!cs) missing.push(`code-server (not in ${cacheDir()})`);
  if (!findChromium()) missing.push('chromium (/usr/bin/chromium)');
  if (!loadPlaywright(root, cs)) missing.push('playwright-core');
  return missing;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The extension may have started a local foundation daemon; it outlives the host, so stop it. */
export function stopFoundation(root: string, env: NodeJS.ProcessEnv): string {
  const cli = join(root, 'dist', 'cli.js');
  if (!env.CFPUSH_HOME || !existsSync(join(env.CFPUSH_HOME, 'foundation'))) return 'no local foundation was started';
  if (!existsSync(cli)) return 'dist/cli.js missing: cannot stop the local foundation';
  const r = spawnSync(process.execPath, [cli, 'foundation', 'stop'], { env, encoding: 'utf8', timeout: 30_000 });
  return `foundation stop: ${(r.stdout || r.stderr || '').trim() || `exit ${r.status}`}`;
}
