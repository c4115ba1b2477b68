// Runs the built CLI (dist/cli.js) as a user would, in a throwaway
// CFPUSH_HOME with free ports, and starts/stops a real local foundation.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function findRoot(): string {
  let d = __dirname;
  while (!existsSync(join(d, 'package.json'))) {
    const up = resolve(d, '..');
    if (up === d) throw new Error(`test/helpers/cli.ts: no package.json above ${__dirname}; it must run from the repository's out/`);
    d = up;
  }
  return d;
}

export const repoRoot = findRoot();
export const cliPath = join(repoRoot, 'dist', 'cli.js');

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface CliEnv {
  home: string;
  apiPort: number;
  routerPort: number;
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: RunOptions): Promise<CliResult>;
  /** Run and fail with the whole output unless it exits 0. */
  ok(args: string[], opts?: RunOptions): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export async function cliEnv(): Promise<CliEnv> {
  const home = mkdtempSync(join(tmpdir(), 'cfpush-home-'));
  const apiPort = await freePort();
  const routerPort = await freePort();
  const env = { ...process.env, CFPUSH_HOME: home, CFPUSH_API_PORT: String(apiPort), CFPUSH_ROUTER_PORT: String(routerPort) };
  const run = (args: string[], opts: RunOptions = {}) =>
    new Promise<CliResult>((res) => {
      execFile(
        process.execPath,
        [cliPath, ...args],
        { env: { ...env, ...opts.env }, cwd: opts.cwd ?? home, timeout: opts.timeoutMs ?? 180_000, maxBuffer: 32 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
          res({ code, stdout, stderr });
        },
      );
    });
  const ok = async (args: string[], opts?: RunOptions) => {
    const r = await run(args, opts);
    if (r.code !== 0) throw new Error(`cfpush ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  };
  return {
    home,
    apiPort,
    routerPort,
    env,
    run,
    ok,
    cleanup: async () => {
      await run(['foundation', 'stop']);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
