// The foundation as a background process: `startDaemon` spawns
// `node <cli> foundation start --foreground …` detached (output to
// <dataDir>/foundation.log) and waits for `GET /`; `foundation.json` tells
// later callers where it listens and which pid to signal.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { CfPushError } from '../core/errors';
import { DEFAULT_LOCAL_PORTS, ensurePrivateDir } from '../core/paths';
import { pidAlive } from './lock';
import { logError } from './log';
import { portFree, portInUse } from './ports';
import { FOUNDATION_JSON, startFoundation, unusableDataDir, type FoundationInfo, type RunningFoundation } from './server';
import { parseAppRuntime, type AppRuntime } from './stack-instances';
import type { SupervisorOptions } from './supervisor';

export const DEFAULT_API_PORT = DEFAULT_LOCAL_PORTS.api;
export const DEFAULT_ROUTER_PORT = DEFAULT_LOCAL_PORTS.router;
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

export interface DaemonOptions {
  dataDir: string;
  apiPort?: number;
  routerPort?: number;
  /** The ssh endpoint's port (default: 2222 when free, else a free one; see server.ts). */
  sshPort?: number;
  /** The CLI entry (dist/cli.js) that runs `foundation start --foreground`. */
  cliPath: string;
  /** Run in this process instead of spawning (the foundation lives as long as this process). */
  foreground?: boolean;
  /** Interface to listen on (default 127.0.0.1: nothing is reachable from other machines). */
  host?: string;
  /** Where buildpack instances run (default: CFPUSH_APP_RUNTIME, else `process`); see stack-instances.ts. */
  appRuntime?: AppRuntime;
  /** The stack image for `appRuntime: 'container'` (default: CFPUSH_STACK_IMAGE, else cfpush/stack:bookworm). */
  stackImage?: string;
}

export interface DaemonInfo extends FoundationInfo {
  dataDir: string;
}

export interface DaemonStatus {
  running: boolean;
  /** The process lives but its API stays silent (busy or hung): not running, and not to be started again. */
  unresponsive?: boolean;
  pid?: number;
  apiUrl?: string;
  routerUrl?: string;
  apiPort?: number;
  routerPort?: number;
  sshPort?: number;
  startedAt?: string;
}

const inProcess = new Map<string, RunningFoundation>();

function readInfo(dataDir: string): FoundationInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, FOUNDATION_JSON), 'utf8')) as FoundationInfo;
  } catch {
    return undefined;
  }
}

type Ping = 'up' | 'refused' | 'timeout';

/** `GET /` with a short timeout: up (200), refused (no listener, or not a foundation), or no answer in time. */
function ping(apiUrl: string, timeoutMs = 1500): Promise<Ping> {
  return new Promise((done) => {
    const req = get(`${apiUrl}/`, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      done(res.statusCode === 200 ? 'up' : 'refused');
    });
    req.on('timeout', () => {
      done('timeout');
      req.destroy();
    });
    req.on('error', () => done('refused'));
  });
}

/** How long a foundation whose process lives may take to answer (a burst of stagings keeps its event loop busy). */
const BUSY_WAIT_MS = 15_000;

export async function daemonStatus(dataDir: string, busyWaitMs = BUSY_WAIT_MS): Promise<DaemonStatus> {
  const info = readInfo(resolve(dataDir));
  if (!info || !pidAlive(info.pid)) return { running: false };
  const deadline = Date.now() + busyWaitMs;
  for (;;) {
    const r = await ping(info.apiUrl);
    if (r === 'up') return { running: true, ...info };
    if (r === 'refused' || !pidAlive(info.pid)) return { running: false };
    // Alive but silent: busy, not gone. Saying "not running" here would send the user to start a second one.
    if (Date.now() > deadline) return { running: false, unresponsive: true, pid: info.pid, apiUrl: info.apiUrl };
  }
}

/** The foundation's process lives but its API did not answer within BUSY_WAIT_MS. */
export function unresponsiveError(st: DaemonStatus): CfPushError {
  return new CfPushError(`The local foundation (pid ${st.pid}) is running but its API at ${st.apiUrl} did not answer within ${BUSY_WAIT_MS / 1000} s.`, {
    code: 'FoundationUnresponsive',
    hint: 'It may be busy (staging several apps at once); try again in a moment. If it stays silent, restart it: `cfpush foundation stop` then `cfpush foundation start`.',
  });
}

function logTail(file: string, from: number): string {
  try {
    const text = readFileSync(file, 'utf8').slice(from);
    return text.trim().split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

export async function startDaemon(opts: DaemonOptions): Promise<DaemonInfo> {
  const dataDir = resolve(opts.dataDir);
  const apiPort = opts.apiPort ?? DEFAULT_API_PORT;
  const routerPort = opts.routerPort ?? DEFAULT_ROUTER_PORT;
  const host = opts.host ?? HOST;
  const st = await daemonStatus(dataDir);
  if (st.running) return { ...(st as Required<DaemonStatus>), dataDir };
  if (st.unresponsive) throw unresponsiveError(st);
  if (opts.foreground) {
    const f = await startFoundation({ dataDir, apiPort, routerPort, sshPort: opts.sshPort, host, supervisor: runtimeOptions(opts) });
    inProcess.set(dataDir, f);
    const { close: _close, ...info } = f;
    return info;
  }
  // Fail here, with the flag to change, rather than in a detached child.
  if (apiPort !== 0 && !(await portFree(apiPort, host))) throw portInUse(apiPort, 'api');
  if (routerPort !== 0 && !(await portFree(routerPort, host))) throw portInUse(routerPort, 'router');
  if (opts.sshPort && !(await portFree(opts.sshPort, host))) throw portInUse(opts.sshPort, 'ssh');

  const logFile = join(dataDir, 'foundation.log');
  let fd: number;
  let logStart: number;
  try {
    ensurePrivateDir(dataDir);
    // A full disk still opens a log for appending: a write tells (and the detached child's error would be lost).
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok', { mode: 0o600 });
    rmSync(probe, { force: true });
    logStart = existsSync(logFile) ? statSync(logFile).size : 0;
    fd = openSync(logFile, 'a', 0o600);
    chmodSync(logFile, 0o600); // one an older version made 0644
  } catch (err) {
    throw unusableDataDir(err, dataDir);
  }
  // A 4 MB young generation (semi-space): at 1 MB the router's garbage was
  // scavenged every ~150 requests and its p99 latency was 1.5-1.6 x nginx's;
  // at 4 MB it is 1.0 x, for ~1 MB of idle RSS (docs/benchmarks.md, issue 21).
  // --expose-gc: one collection after a burst of stagings (staging.ts settle()).
  const args = [
    '--max-semi-space-size=4',
    '--expose-gc',
    opts.cliPath,
    'foundation',
    'start',
    '--foreground',
    '--data-dir',
    dataDir,
    '--api-port',
    String(apiPort),
    '--router-port',
    String(routerPort),
    '--host',
    host,
  ];
  if (opts.sshPort !== undefined) args.push('--ssh-port', String(opts.sshPort));
  if (opts.appRuntime) args.push('--app-runtime', opts.appRuntime);
  if (opts.stackImage) args.push('--stack', opts.stackImage);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    // Inside VS Code process.execPath is Electron: make it behave as node.
    // A fixed glibc mmap threshold: packing droplets frees large buffers, which
    // otherwise raise the threshold and then stay in the heap (~35 MB of RSS
    // for good after the first staging; docs/benchmarks.md, idle). 64 KB, not
    // 128: allocations of 64–128 KB (such as the 64 KB chunks of file read
    // streams) are mapped and unmapped rather than left as holes in the heap,
    // ~30 MB after 50 pushes; socket reads do not allocate per read, so the
    // router does not pay for it (issue 21). Apps do not inherit it: their
    // env is built by the launcher.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', MALLOC_MMAP_THRESHOLD_: '65536' },
  });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const info = readInfo(dataDir);
    if (info && info.pid === child.pid && (await ping(info.apiUrl)) === 'up') return { ...info, dataDir };
    if (exited !== undefined) {
      const tail = logTail(logFile, logStart);
      throw new CfPushError(`The local foundation exited while starting (code ${exited}).${tail ? `\n${tail}` : ''}`, {
        code: 'FoundationStartFailed',
        hint: `See ${logFile}.`,
      });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(child.pid!, 'SIGTERM');
  } catch {
    /* gone */
  }
  throw new CfPushError(`The local foundation did not answer within ${START_TIMEOUT_MS / 1000}s.`, {
    code: 'FoundationStartFailed',
    hint: `See ${logFile}.`,
  });
}

/** SIGTERM (apps are stopped gracefully), wait, SIGKILL as a last resort. */
export async function stopDaemon(dataDir: string): Promise<void> {
  dataDir = resolve(dataDir);
  const mine = inProcess.get(dataDir);
  if (mine) {
    inProcess.delete(dataDir);
    return mine.close();
  }
  const info = readInfo(dataDir);
  if (!info || !pidAlive(info.pid)) {
    rmSync(join(dataDir, FOUNDATION_JSON), { force: true });
    return;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (pidAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (pidAlive(info.pid)) {
    process.kill(info.pid, 'SIGKILL');
    rmSync(join(dataDir, FOUNDATION_JSON), { force: true });
  }
}

/**
 * Supervisor tuning from the environment (tests and power users; unset = Diego's
 * defaults, see supervisor.ts): CFPUSH_STOP_GRACE_MS, CFPUSH_CRASH_BACKOFF_MS,
 * CFPUSH_CRASH_BACKOFF_MAX_MS, CFPUSH_IMMEDIATE_RESTARTS, CFPUSH_LIVENESS_INTERVAL_MS;
 * CFPUSH_APP_RUNTIME (process | container), CFPUSH_STACK_IMAGE and
 * CFPUSH_INSTANCE_LISTEN=all (host-process instances on every interface, as in a Diego container).
 */
export function supervisorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SupervisorOptions {
  const num = (k: string) => {
    const v = env[k];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  return {
    stopGraceMs: num('CFPUSH_STOP_GRACE_MS'),
    backoffMs: num('CFPUSH_CRASH_BACKOFF_MS'),
    maxBackoffMs: num('CFPUSH_CRASH_BACKOFF_MAX_MS'),
    immediateRestarts: num('CFPUSH_IMMEDIATE_RESTARTS'),
    livenessIntervalMs: num('CFPUSH_LIVENESS_INTERVAL_MS'),
    appRuntime: parseAppRuntime(env.CFPUSH_APP_RUNTIME),
    stackImage: env.CFPUSH_STACK_IMAGE || undefined,
    instanceListen: env.CFPUSH_INSTANCE_LISTEN === 'all' ? 'all' : undefined,
  };
}

/** The env's supervisor options with the flags' app runtime and stack image on top. */
function runtimeOptions(o: { appRuntime?: AppRuntime; stackImage?: string }): SupervisorOptions {
  const env = supervisorOptionsFromEnv();
  return { ...env, appRuntime: o.appRuntime ?? env.appRuntime, stackImage: o.stackImage || env.stackImage };
}

/**
 * `cfpush foundation start --foreground`: runs until SIGTERM/SIGINT/SIGHUP,
 * then stops apps gracefully and releases the data dir lock.
 */
export async function runForeground(opts: {
  dataDir: string;
  apiPort?: number;
  routerPort?: number;
  sshPort?: number;
  host?: string;
  appRuntime?: AppRuntime;
  stackImage?: string;
}): Promise<void> {
  // The last resort behind every per-request and per-connection boundary: a
  // bug that escapes them is logged, and the API, router and apps keep going.
  process.on('uncaughtException', (err) => logError('uncaught exception (the foundation keeps serving)', err));
  process.on('unhandledRejection', (err) => logError('unhandled rejection (the foundation keeps serving)', err));
  const f = await startFoundation({
    dataDir: resolve(opts.dataDir),
    apiPort: opts.apiPort ?? DEFAULT_API_PORT,
    routerPort: opts.routerPort ?? DEFAULT_ROUTER_PORT,
    sshPort: opts.sshPort,
    host: opts.host ?? HOST,
    supervisor: runtimeOptions(opts),
  });
  console.log(`Local foundation running (pid ${f.pid}).\nAPI:    ${f.apiUrl}\nRouter: ${f.routerUrl}\nSSH:    port ${f.sshPort}\nData:   ${f.dataDir}`);
  await new Promise<void>((done) => {
    const stop = (sig: NodeJS.Signals) => {
      for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(s, stop);
      console.log(`Stopping the local foundation (${sig})...`);
      f.close().then(done, (err) => {
        console.error(err);
        done();
      });
    };
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, stop);
  });
  console.log('Local foundation stopped.');
}
