// A real Docker registry for the tests: Debian's `docker-registry` (the
// distribution registry) serving http on 127.0.0.1:<free port> with a temp
// storage folder. Docker allows plain http for registries on 127.0.0.0/8, so
// the engine can push to it without insecure-registries configuration. No
// binary → a test skips with how to install it; on CI (CI or
// CFPUSH_REQUIRE_HOSTS=1) it fails instead.
import { spawn, type ChildProcess } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort, getWhenUp, required } from './engine';

export const REGISTRY_HINT = 'Install it with `apt-get install -y docker-registry` (the distribution registry, /usr/bin/docker-registry).';

export interface LocalRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  host: string;
  /** http://host:port */
  url: string;
  /** GET /v2/_catalog → repository names. */
  catalog(): Promise<string[]>;
  /** GET /v2/<repo>/tags/list → tags ([] when the repository is unknown). */
  tags(repo: string): Promise<string[]>;
  stop(): Promise<void>;
}

function findBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, 'docker-registry');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Starts a registry, or returns undefined after skipping (locally) / failing (CI) the test with how to get one. */
export async function requireRegistry(t: TestContext): Promise<LocalRegistry | undefined> {
  const bin = findBinary();
  if (!bin) {
    const msg = `real Docker registry needed: no docker-registry binary on PATH. ${REGISTRY_HINT}`;
    if (required) assert.fail(msg);
    t.skip(msg);
    return undefined;
  }
  return startRegistry(bin);
}

export async function startRegistry(bin: string): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'cfpush-registry-'));
  const port = await freePort();
  const debugPort = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '  debug:',
      `    addr: 127.0.0.1:${debugPort}`,
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(bin, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  let exited: string | undefined;
  const gone = new Promise<void>((res) => child.once('exit', (code, sig) => ((exited = `exited ${code ?? sig}`), res())));
  const url = `http://${host}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const r = await getWhenUp(`${url}/v2/`, 15_000);
    if (r.status !== 200) throw new Error(`GET /v2/ answered ${r.status}: ${r.body}`);
  } catch (err) {
    await stop();
    throw new Error(`docker-registry did not start on ${host}${exited ? ` (${exited})` : ''}: ${(err as Error).message}\n${output}`, { cause: err });
  }
  const getJson = async (path: string) => {
    const r = await getWhenUp(`${url}${path}`, 5000);
    return { status: r.status, json: r.body ? JSON.parse(r.body) : {} };
  };
  return {
    host,
    url,
    catalog: async () => (await getJson('/v2/_catalog')).json.repositories ?? [],
    tags: async (repo) => {
      const r = await getJson(`/v2/${repo}/tags/list`);
      return r.status === 200 ? (r.json.tags ?? []) : [];
    },
    stop,
  };
}
