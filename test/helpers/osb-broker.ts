// The fake OSB broker of test/fixtures/osb-broker (plain JS, no dependencies,
// also pushable as an app), loaded from the repository at run time rather
// than bundled, so a test in-process and a pushed copy run the same file.
// startFakeBroker() runs it in this process; spawnFakeBroker() as a child
// (`node server.js` with PORT=0, which prints `listening on <port>`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './cli';

export const osbBrokerDir = join(repoRoot, 'test', 'fixtures', 'osb-broker');

/** One request the broker received (GET /admin/requests lists the same). */
export interface BrokerRequest {
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Basic-auth user name sent, or null. */
  user: string | null;
  apiVersion: string | null;
  requestIdentity: string | null;
  /** X-Broker-API-Originating-Identity, its value decoded from base64 JSON (null if not JSON). */
  originatingIdentity: { platform: string; value: any; raw: string } | null;
  contentType: string | null;
  body: any;
  /** The status the broker answered. */
  status: number;
}

export interface FakeBrokerOptions {
  /** 0 (default) = any free port. */
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** Plans to add to fake-db (a list), or {plans, services}. */
  catalogExtra?: unknown;
  /** '500' or 'invalid-json': GET /v2/catalog answers that way. */
  catalogFault?: '500' | 'invalid-json' | null;
  /** last_operation polls that stay "in progress" before the outcome (default 2). */
  polls?: number;
  /** Retry-After seconds on "in progress" answers (default 1; 0 = no header). */
  retryAfter?: number;
  credentialsHost?: string;
  minApiVersion?: string;
  /** Default true in-process: no line per request on stderr. */
  quiet?: boolean;
}

export interface FakeBroker {
  url: string;
  port: number;
  username: string;
  password: string;
  log: BrokerRequest[];
  ids: { service: string; plans: { small: string; async: string; fails: string } };
  readonly catalog: { services: any[] };
  state(): { instances: any[]; bindings: any[] };
  reset(): void;
  addPlan(plan: Record<string, unknown>): void;
  setCatalogFault(fault: '500' | 'invalid-json' | null): void;
  close(): Promise<void>;
}

const fixture = (): { start(opts?: FakeBrokerOptions): Promise<FakeBroker> } => createRequire(__filename)(join(osbBrokerDir, 'server.js'));

export function startFakeBroker(opts: FakeBrokerOptions = {}): Promise<FakeBroker> {
  return fixture().start(opts);
}

export interface SpawnedBroker {
  url: string;
  port: number;
  child: ChildProcess;
  /** What the child wrote to stderr (a line per request). */
  stderr(): string;
  close(): Promise<void>;
}

/** Runs `node server.js` with PORT=0 and `env` (BROKER_USERNAME, CATALOG_EXTRA, ...); resolves once it listens. */
export function spawnFakeBroker(env: Record<string, string> = {}): Promise<SpawnedBroker> {
  const child = spawn(process.execPath, ['server.js'], {
    cwd: osbBrokerDir,
    env: { ...process.env, BIND_HOST: '127.0.0.1', ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the fake broker did not start within 10 s: ${err}`));
    }, 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the fake broker exited (${code}) before listening: ${err}`));
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        child,
        stderr: () => err,
        close: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            child.once('exit', () => res());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
