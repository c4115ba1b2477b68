// Shared fixtures for the staging tests: temp dirs, tiny bash buildpacks,
// and helpers to run a droplet and talk to it over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { StagingError } from '../../src/core/staging/builder';
import type { LaunchSpec } from '../../src/core/staging/types';
import type { CliEnv } from '../helpers/cli';
import { http, until } from '../foundation/helpers';

const made: string[] = [];

export function tempDir(prefix = 'cfpush-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function writeFiles(root: string, files: Record<string, string>, mode?: number): string {
  for (const [rel, body] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, body);
    if (mode !== undefined) chmodSync(p, mode);
  }
  return root;
}

export interface FixtureBuildpack {
  /** Bash bodies for bin/<script>; `#!/usr/bin/env bash` is prepended. */
  scripts: Partial<Record<'detect' | 'supply' | 'finalize' | 'compile' | 'release', string>>;
  version?: string;
  hint?: string;
  language?: string;
}

/** Writes a buildpack folder and returns its path (usable as a -b key). */
export function makeBuildpack(root: string, name: string, bp: FixtureBuildpack): string {
  const dir = join(root, name);
  for (const [script, body] of Object.entries(bp.scripts)) {
    writeFiles(dir, { [`bin/${script}`]: `#!/usr/bin/env bash\n${body}\n` }, 0o755);
  }
  writeFiles(dir, { VERSION: `${bp.version ?? '0.0.1'}\n` });
  const manifest = [`language: ${bp.language ?? name}`, ...(bp.hint ? [`detect_hint: ${bp.hint}`] : [])];
  writeFiles(dir, { 'manifest.yml': `${manifest.join('\n')}\n` });
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Retries GET until the app answers (or the deadline passes). */
export async function waitForHttp(port: number, child: ChildProcess, ms = 15000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode} before answering`);
    try {
      return await httpGet(port);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`app did not answer on port ${port}: ${String(last)}`);
}

export interface Running {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function startProcess(spec: LaunchSpec): Running {
  const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          resolve();
        }
      }),
  };
}

/** A killed process stays a zombie until its (new) parent reaps it: count zombies as dead. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/** Polls until the process is gone (or the deadline passes). */
export async function waitGone(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !isAlive(pid);
}

/** The StagingError a staging that must fail fails with. */
export async function stagingFailure(p: Promise<unknown>): Promise<StagingError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StagingError, String(e));
    return e;
  }
  return assert.fail('staging should have failed');
}

/** `cfpush push` in `dir` on the foundation `c` runs, then waits until `host`.localhost answers `body` through the router. */
export async function pushAndAnswer(c: CliEnv, dir: string, host: string, body = 'hello CF summit', ms = 30_000): Promise<void> {
  const r = await c.run(['push'], { cwd: dir });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  await until(
    async () => (await http(`http://127.0.0.1:${c.routerPort}/`, { headers: { host: `${host}.localhost` } })).text === body,
    ms,
    `${host} answering through the router`,
  );
}
