// Runs app instances like a tiny Diego cell: one process group per instance
// (spawned via the launcher), a port health check, crash restarts with
// back-off, graceful stops, and a pid file so a killed foundation's leftovers
// are cleaned up on the next start.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'node:http';
import writeFileAtomic from 'write-file-atomic';
import { launchSpec } from '../core/staging/launcher';
import type { Foundation } from './context';
import { vcapApplication } from './env';
import { appProcesses } from './model';
import type { ProcessRec } from './store';

export type InstanceState = 'STARTING' | 'RUNNING' | 'CRASHED' | 'DOWN';

interface Instance {
  index: number;
  guid: string;
  port: number;
  state: InstanceState;
  child?: ChildProcess;
  pid?: number;
  since: number;
  crashes: number;
  stopping: boolean;
  timer?: NodeJS.Timeout;
  exited?: Promise<void>;
  details: string | null;
}

interface Run {
  processGuid: string;
  appGuid: string;
  type: string;
  dropletGuid: string;
  instances: Map<number, Instance>;
}

export interface Endpoint {
  port: number;
  appGuid: string;
  index: number;
  instanceGuid: string;
}

export interface SupervisorOptions {
  /** SIGTERM → SIGKILL grace (CF: 10 s). */
  stopGraceMs?: number;
  /** Immediate restarts before back-off starts (CF: 3). */
  immediateRestarts?: number;
  /** First back-off delay; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const DEFAULT_HEALTH_TIMEOUT_S = 60;

export class Supervisor {
  private readonly runs = new Map<string, Run>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pidFile: string;
  private closing = false;
  private readonly o: Required<SupervisorOptions>;

  constructor(private readonly f: Foundation, opts: SupervisorOptions = {}) {
    this.pidFile = join(f.store.dataDir, 'pids.json');
    this.o = { stopGraceMs: 10_000, immediateRestarts: 3, backoffMs: 5_000, maxBackoffMs: 60_000, ...opts };
  }

  /** Kills app processes a previous (killed) foundation left running. */
  killLeftovers(): void {
    if (!existsSync(this.pidFile)) return;
    let pids: Record<string, string> = {};
    try {
      pids = JSON.parse(readFileSync(this.pidFile, 'utf8')) as Record<string, string>;
    } catch {
      /* a torn file: nothing to trust */
    }
    for (const [pid, instanceGuid] of Object.entries(pids)) {
      if (isOurs(Number(pid), instanceGuid)) killGroup(Number(pid), 'SIGKILL');
    }
    this.writePids();
  }

  private writePids(): void {
    const pids: Record<string, string> = {};
    for (const run of this.runs.values()) for (const i of run.instances.values()) if (i.pid && i.child) pids[i.pid] = i.guid;
    // Synchronous on purpose: the file must be right even if we are SIGKILLed next.
    writeFileAtomic.sync(this.pidFile, JSON.stringify(pids));
  }

  /** Starts STARTED apps again (desired state survives a restart). */
  resume(): void {
    for (const app of this.f.store.list('apps')) if (app.state === 'STARTED') void this.sync(app.guid);
  }

  /** Converges an app's running instances to its desired state; calls for one app are serialized. */
  sync(appGuid: string): Promise<void> {
    const next = (this.chains.get(appGuid) ?? Promise.resolve())
      .then(() => this.converge(appGuid))
      .catch((err) => this.f.logs.emit(appGuid, 'CELL', '0', `supervisor: ${(err as Error).message}`, 'ERR'));
    this.chains.set(appGuid, next);
    void next.then(() => {
      if (this.chains.get(appGuid) === next) this.chains.delete(appGuid);
    });
    return next;
  }

  private async converge(appGuid: string): Promise<void> {
    const app = this.f.store.get('apps', appGuid);
    const procs = app ? appProcesses(this.f, appGuid) : [];
    const stops: Promise<void>[] = [];
    for (const run of [...this.runs.values()].filter((r) => r.appGuid === appGuid)) {
      if (!procs.some((p) => p.guid === run.processGuid)) stops.push(this.stopRun(run));
    }
    for (const proc of procs) {
      const want = !this.closing && app?.state === 'STARTED' && app.droplet_guid ? proc.instances : 0;
      let run = this.runs.get(proc.guid);
      if (!run && want > 0) {
        run = { processGuid: proc.guid, appGuid, type: proc.type, dropletGuid: app!.droplet_guid!, instances: new Map() };
        this.runs.set(proc.guid, run);
      }
      if (!run) continue;
      for (const inst of run.instances.values()) if (inst.index >= want) stops.push(this.stopInstance(run, inst));
      for (let i = 0; i < want; i++) if (!run.instances.has(i)) this.startInstance(run, i);
    }
    await Promise.all(stops);
    for (const run of this.runs.values()) if (run.instances.size === 0) this.runs.delete(run.processGuid);
  }

  private async stopRun(run: Run): Promise<void> {
    await Promise.all([...run.instances.values()].map((i) => this.stopInstance(run, i)));
  }

  private startInstance(run: Run, index: number): void {
    const inst: Instance = { index, guid: randomUUID(), port: 0, state: 'STARTING', since: Date.now(), crashes: 0, stopping: false, details: null };
    run.instances.set(index, inst);
    void this.launch(run, inst);
  }

  private sourceType(run: Run): string {
    return `APP/PROC/${run.type.toUpperCase()}`;
  }

  private async launch(run: Run, inst: Instance): Promise<void> {
    const { store, logs } = this.f;
    const app = store.get('apps', run.appGuid);
    const proc = store.get('processes', run.processGuid);
    const droplet = store.get('droplets', run.dropletGuid);
    if (!app || !proc || !droplet || inst.stopping) return;
    inst.state = 'STARTING';
    inst.since = Date.now();
    inst.guid = randomUUID();
    const src = this.sourceType(run);
    try {
      inst.port = await freePort();
      const spec = launchSpec({
        dropletDir: store.dropletDir(droplet.guid),
        command: proc.command ?? droplet.process_types[proc.type] ?? undefined,
        port: inst.port,
        instanceIndex: inst.index,
        instanceGuid: inst.guid,
        env: app.env,
        vcapApplication: vcapApplication(this.f, app, proc),
        memoryMb: proc.memory_in_mb,
      });
      if (inst.stopping) return;
      logs.emit(app.guid, 'CELL', String(inst.index), `Cell local creating container for instance ${inst.guid}`);
      const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      inst.child = child;
      inst.pid = child.pid;
      inst.exited = new Promise((resolve) => child.once('close', () => resolve()));
      child.once('error', (err) => logs.emit(app.guid, 'CELL', String(inst.index), `failed to start: ${err.message}`, 'ERR'));
      this.pipeLogs(child, run.appGuid, src, String(inst.index));
      child.once('close', (code, signal) => this.onExit(run, inst, child, code, signal));
      this.writePids();
      await this.healthCheck(run, inst, proc, child);
    } catch (err) {
      logs.emit(run.appGuid, 'CELL', String(inst.index), `Failed to start instance: ${(err as Error).message}`, 'ERR');
      inst.details = (err as Error).message;
      this.crashed(run, inst);
    }
  }

  private pipeLogs(child: ChildProcess, appGuid: string, src: string, index: string): void {
    for (const [stream, type] of [[child.stdout, 'OUT'], [child.stderr, 'ERR']] as const) {
      let tail = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        tail = this.f.logs.emitChunk(appGuid, src as `APP/PROC/${string}`, index, tail + chunk, type);
        if (tail.length > 64 * 1024) tail = this.f.logs.emitChunk(appGuid, src as `APP/PROC/${string}`, index, tail + '\n', type);
      });
      stream?.on('end', () => {
        if (tail) this.f.logs.emit(appGuid, src as `APP/PROC/${string}`, index, tail, type);
      });
    }
  }

  private async healthCheck(run: Run, inst: Instance, proc: ProcessRec, child: ChildProcess): Promise<void> {
    const hc = proc.health_check;
    const deadline = Date.now() + (hc.data.timeout ?? DEFAULT_HEALTH_TIMEOUT_S) * 1000;
    const alive = () => inst.child === child && child.exitCode === null && child.signalCode === null && !inst.stopping;
    if (hc.type !== 'process') {
      const probe = hc.type === 'http' ? () => httpOk(inst.port, hc.data.endpoint ?? '/') : () => portOpen(inst.port);
      // Probe often at first (most apps listen within ~100 ms), then back off.
      let wait = 10;
      while (alive() && !(await probe())) {
        if (Date.now() > deadline) {
          this.f.logs.emit(run.appGuid, 'CELL', String(inst.index),
            `Timed out after ${Math.round((hc.data.timeout ?? DEFAULT_HEALTH_TIMEOUT_S))}s: ${hc.type} health check never passed.`, 'ERR');
          inst.details = 'health check timed out';
          killGroup(child.pid, 'SIGKILL');
          return;
        }
        await sleep(wait);
        wait = Math.min(200, wait * 1.5);
      }
    }
    if (!alive()) return;
    inst.state = 'RUNNING';
    inst.details = null;
    this.f.logs.emit(run.appGuid, 'CELL', String(inst.index), `Container became healthy`);
    this.f.routesChanged();
  }

  private onExit(run: Run, inst: Instance, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (inst.child !== child) return;
    inst.child = undefined;
    this.writePids();
    // Stragglers the app left in its group.
    killGroup(child.pid, 'SIGKILL');
    const was = inst.state;
    if (inst.stopping) {
      inst.state = 'DOWN';
      if (was === 'RUNNING') this.f.routesChanged();
      return;
    }
    this.f.logs.emit(run.appGuid, 'CELL', String(inst.index), `Exited with status ${code ?? signal}`, 'ERR');
    inst.details = `Exited with status ${code ?? signal}`;
    this.crashed(run, inst);
  }

  /** Immediately restart up to N times, then back off (doubling, capped); never a busy loop. */
  private crashed(run: Run, inst: Instance): void {
    const wasRunning = inst.state === 'RUNNING';
    inst.state = 'CRASHED';
    if (wasRunning) this.f.routesChanged();
    if (inst.stopping || this.closing || run.instances.get(inst.index) !== inst) return;
    // A long healthy run forgives earlier crashes.
    if (Date.now() - inst.since > 5 * 60_000) inst.crashes = 0;
    inst.crashes++;
    const n = inst.crashes - this.o.immediateRestarts;
    const delay = n <= 0 ? 0 : Math.min(this.o.backoffMs * 2 ** (n - 1), this.o.maxBackoffMs);
    if (delay > 0) {
      this.f.logs.emit(run.appGuid, 'CELL', String(inst.index), `Crashed ${inst.crashes} times; restarting in ${Math.round(delay / 1000)}s`, 'ERR');
    }
    inst.timer = setTimeout(() => {
      inst.timer = undefined;
      void this.launch(run, inst);
    }, delay);
    inst.timer.unref();
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  private async stopInstance(run: Run, inst: Instance): Promise<void> {
    inst.stopping = true;
    if (inst.timer) clearTimeout(inst.timer);
    const child = inst.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      killGroup(child.pid, 'SIGTERM');
      const grace = setTimeout(() => killGroup(child.pid, 'SIGKILL'), this.o.stopGraceMs);
      await inst.exited;
      clearTimeout(grace);
    }
    const wasRunning = inst.state === 'RUNNING';
    inst.state = 'DOWN';
    if (run.instances.get(inst.index) === inst) run.instances.delete(inst.index);
    if (wasRunning) this.f.routesChanged();
    this.writePids();
  }

  /** RUNNING instances of an app's process type, for the router. */
  endpoints(appGuid: string, type: string): Endpoint[] {
    const out: Endpoint[] = [];
    for (const run of this.runs.values()) {
      if (run.appGuid !== appGuid || run.type !== type) continue;
      for (const i of run.instances.values()) {
        if (i.state === 'RUNNING') out.push({ port: i.port, appGuid, index: i.index, instanceGuid: i.guid });
      }
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** `GET /v3/processes/:guid/stats` resources. */
  stats(proc: ProcessRec): unknown[] {
    const run = this.runs.get(proc.guid);
    const app = this.f.store.get('apps', proc.app_guid);
    const count = app?.state === 'STARTED' ? proc.instances : Math.max(proc.instances, 0);
    const out: unknown[] = [];
    for (let index = 0; index < count; index++) {
      const i = run?.instances.get(index);
      const state: InstanceState = app?.state !== 'STARTED' ? 'DOWN' : (i?.state ?? 'STARTING');
      out.push({
        type: proc.type,
        index,
        state,
        routable: state === 'RUNNING',
        usage: { time: new Date().toISOString(), cpu: 0, mem: i?.child ? rssBytes(i.pid) : 0, disk: 0, log_rate: 0 },
        host: i && state !== 'DOWN' ? '127.0.0.1' : '',
        instance_ports: i && state !== 'DOWN' ? [{ external: i.port, internal: i.port, external_tls_proxy_port: null, internal_tls_proxy_port: null }] : [],
        uptime: i && state === 'RUNNING' ? Math.floor((Date.now() - i.since) / 1000) : 0,
        mem_quota: proc.memory_in_mb * 1024 * 1024,
        disk_quota: proc.disk_in_mb * 1024 * 1024,
        fds_quota: 16384,
        isolation_segment: null,
        details: i?.details ?? null,
      });
    }
    return out;
  }

  /** Stops every instance (desired state is kept, so the next start resumes them). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.chains.values()]);
    await Promise.all([...this.runs.values()].map((r) => this.stopRun(r)));
    this.runs.clear();
    this.writePids();
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

/** Guards against pid reuse: on Linux the process must carry our INSTANCE_GUID. */
function isOurs(pid: number, instanceGuid: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const environ = `/proc/${pid}/environ`;
  if (!existsSync('/proc/self/environ')) return true;
  try {
    return readFileSync(environ, 'latin1').includes(`INSTANCE_GUID=${instanceGuid}`);
  } catch {
    return false;
  }
}

function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  } catch {
    return 0;
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function httpOk(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
