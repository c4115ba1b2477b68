// Runs app instances like a tiny Diego cell (cf-reference.md §1.4, §4.2-4.3):
// one process group per instance (spawned via the launcher) with its own PORT,
// health checks (`port`, `http`, `process`) with the process timeout as the
// startup grace and the same check as liveness once RUNNING, crash restarts
// with Diego's back-off, graceful stops (SIGTERM, SIGKILL after a grace
// period), /stats with usage read from /proc, and clean-up of the app
// processes a killed foundation left behind.
//
// Crash policy (Diego's defaults; every number is an option so tests can
// shrink them): the first 3 crashes restart at once; then the instance stays
// CRASHED for 30 s, 60 s, 120 s ... doubling up to 16 min between restarts;
// after 200 crashes it is no longer restarted. An instance that has been
// RUNNING for 5 min has its crash count reset. Waiting is a timer, never a
// loop, so a crash-looping app costs nothing between restarts.
//
// Docker-lifecycle apps (droplets with an `image`, issue 5) run the same way
// as containers (core/docker/run.ts spawnContainer): published on 127.0.0.1
// on a free port, which the router uses as for a process; `port` / `http`
// checks go to `healthAddress()` (the engine's proxy accepts connections
// before the app listens); usage comes from the engine's stats; a stop is
// `docker stop` with the same grace; an exited container is removed.
// With `appRuntime: 'container'` buildpack instances take the same path, in
// the stack image (stack-instances.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { parseExecutionMetadata } from '../core/docker/metadata';
import { spawnContainer, type ContainerExit, type ContainerInstance, type ContainerUsage } from '../core/docker/run';
import { DEFAULT_STACK_IMAGE } from '../core/docker/stack';
import { launchSpec } from '../core/staging/launcher';
import { APP_RUNTIME_FILE, type Foundation } from './context';
import { dockerOf } from './docker';
import { FOUNDATION_ENV, vcapApplication } from './env';
import { logError } from './log';
import { installLoopbackShims, listeningOnAllInterfaces, type LoopbackShims } from './loopback';
import { appProcesses } from './model';
import { groupUsage, hasProcfs, isZombie, processesWithEnv, ticksToSeconds } from './procfs';
import { vcapServices } from './services';
import { probeFor, startupTimeoutMs, untilHealthy, watchLiveness } from './runtime/health';
import { stackInstanceSpec, type AppRuntime } from './stack-instances';
import type { DropletRec, ProcessRec } from './store';

export type InstanceState = 'STARTING' | 'RUNNING' | 'CRASHED' | 'DOWN';

interface Instance {
  index: number;
  guid: string;
  port: number;
  state: InstanceState;
  child?: ChildProcess;
  /** A docker-lifecycle instance's container (instead of `child`). */
  container?: ContainerInstance;
  /** Creating the container (stops wait for it, so nothing starts after a stop). */
  launching?: Promise<void>;
  /** The last engine usage sample of the container, and the one before it (CPU fraction). */
  usage?: { at: number; u: ContainerUsage; prev?: { at: number; cpuNs: number } };
  pid?: number;
  /** Last state change (STARTING, RUNNING, CRASHED). */
  since: number;
  crashes: number;
  stopping: boolean;
  timer?: NodeJS.Timeout;
  /** Ends the liveness checks once RUNNING. */
  liveness?: () => void;
  exited?: Promise<void>;
  details: string | null;
  /** Why the supervisor killed it (health check), reported instead of the signal. */
  killedFor?: string;
  /** The last CPU sample, for a fraction over the interval between two /stats calls. */
  cpu?: { ticks: number; at: number };
}

interface Run {
  processGuid: string;
  appGuid: string;
  type: string;
  dropletGuid: string;
  instances: Map<number, Instance>;
}

/** What runs an instance: a process group, or a container. */
type Handle = ChildProcess | ContainerInstance;
const isContainer = (h: Handle): h is ContainerInstance => (h as ContainerInstance).kind === 'container';

export interface Endpoint {
  port: number;
  appGuid: string;
  index: number;
  instanceGuid: string;
}

export interface SupervisorOptions {
  /** SIGTERM → SIGKILL grace (CF: 10 s). */
  stopGraceMs?: number;
  /** Crashes restarted at once before back-off starts (Diego: 3). */
  immediateRestarts?: number;
  /** First back-off delay (Diego: 30 s); doubles per crash up to maxBackoffMs (Diego: 16 min). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** After this many crashes the instance stays CRASHED (Diego: 200). */
  maxCrashes?: number;
  /** This long RUNNING forgives earlier crashes (Diego: 5 min). */
  crashResetMs?: number;
  /** Liveness check period once RUNNING, unless the process sets `health_check.data.interval` (30 s). */
  livenessIntervalMs?: number;
  /** Where buildpack instances run: host processes (default) or containers of the stack image (stack-instances.ts). */
  appRuntime?: AppRuntime;
  /** The stack image for `appRuntime: 'container'`. */
  stackImage?: string;
  /**
   * Host-process instances listen on loopback (default; loopback.ts), or on
   * every interface as in a Diego container ('all': reachable from other machines).
   */
  instanceListen?: 'loopback' | 'all';
}

const CELL = 'local';

export const SUPERVISOR_DEFAULTS: Required<SupervisorOptions> = {
  stopGraceMs: 10_000,
  immediateRestarts: 3,
  backoffMs: 30_000,
  maxBackoffMs: 16 * 60_000,
  maxCrashes: 200,
  crashResetMs: 5 * 60_000,
  livenessIntervalMs: 30_000,
  appRuntime: 'process',
  stackImage: DEFAULT_STACK_IMAGE,
  instanceListen: 'loopback',
};

/** Milliseconds to wait before restarting after the `crashes`-th crash (0 = at once, -1 = never). */
export function restartDelay(crashes: number, o: Required<SupervisorOptions> = SUPERVISOR_DEFAULTS): number {
  if (crashes >= o.maxCrashes) return -1;
  const n = crashes - o.immediateRestarts;
  return n <= 0 ? 0 : Math.min(o.backoffMs * 2 ** Math.min(n - 1, 30), o.maxBackoffMs);
}

/** Go's time.Duration formatting, as Diego prints durations ("1m0s", "5s", "1.5s", "400ms"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const m = Math.floor(ms / 60_000);
  const s = +((ms % 60_000) / 1000).toFixed(3);
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

export class Supervisor {
  private readonly runs = new Map<string, Run>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pidFile: string;
  private closing = false;
  readonly o: Required<SupervisorOptions>;
  private usageCache?: { at: number; groups: Map<number, { ticks: number; rssBytes: number }> };

  constructor(private readonly f: Foundation, opts: SupervisorOptions = {}) {
    this.pidFile = join(f.store.dataDir, 'pids.json');
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.o = { ...SUPERVISOR_DEFAULTS, ...given };
  }

  /** The marker every app (and staging) process of this foundation carries in its env. */
  get marker(): string {
    return this.f.store.dataDir;
  }

  /**
   * Kills app and staging processes a previous (killed) foundation on this data
   * dir left running, and waits until they are gone: on Linux every process
   * whose env carries this data dir's marker; elsewhere the pid file.
   */
  async killLeftovers(): Promise<number[]> {
    const pids = new Set<number>(processesWithEnv(FOUNDATION_ENV, this.marker));
    if (existsSync(this.pidFile)) {
      let recorded: Record<string, string> = {};
      try {
        recorded = JSON.parse(readFileSync(this.pidFile, 'utf8')) as Record<string, string>;
      } catch {
        /* a torn file: nothing to trust */
      }
      for (const [pid, instanceGuid] of Object.entries(recorded)) if (isOurs(Number(pid), instanceGuid)) pids.add(Number(pid));
    }
    for (const pid of pids) {
      killGroup(pid, 'SIGKILL');
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const deadline = Date.now() + 5000;
    while ([...pids].some(alive) && Date.now() < deadline) await sleep(10);
    this.writePids();
    // Containers of docker-lifecycle instances carry this foundation's label; so do
    // buildpack instances when this run, or the killed one, used the stack image.
    const containers = this.o.appRuntime === 'container' || this.previousRuntime() === 'container';
    await dockerOf(this.f).removeLeftovers(containers).catch((err) => {
      this.f.logs.emit('', 'CELL', '0', `supervisor: could not remove leftover containers: ${(err as Error).message}`, 'ERR');
    });
    return [...pids];
  }

  /** The app runtime of the foundation that last ran on this data dir (server.ts writes it; a stop does not remove it). */
  private previousRuntime(): string | undefined {
    try {
      return readFileSync(join(this.f.store.dataDir, APP_RUNTIME_FILE), 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  private writePids(): void {
    const pids: Record<string, string> = {};
    for (const run of this.runs.values()) for (const i of run.instances.values()) if (i.pid && i.child) pids[i.pid] = i.guid;
    // Synchronous on purpose: the file must be right even if we are SIGKILLed next.
    try {
      writeFileAtomic.sync(this.pidFile, JSON.stringify(pids), { mode: 0o600 });
      this.pidsUnsaved = false;
    } catch (err) {
      // A full or read-only data dir: the instances stay tracked here, and a
      // next foundation finds them by the marker in their env (killLeftovers).
      // Failing the launch instead would leave a started process untracked.
      if (!this.pidsUnsaved) logError(`supervisor: could not write ${this.pidFile} (instances stay tracked in memory)`, err);
      this.pidsUnsaved = true;
    }
  }
  private pidsUnsaved = false;

  private shims?: LoopbackShims;
  private loopback(): LoopbackShims {
    return (this.shims ??= installLoopbackShims(this.f.store.dataDir));
  }

  /** Droplets some run still runs (the old instances of a rolling deployment keep theirs). */
  dropletsInUse(): string[] {
    return [...this.runs.values()].map((r) => r.dropletGuid);
  }

  /** Converges every app the state or a run knows of (after a failed write took memory back). */
  syncAll(): void {
    const apps = new Set([...this.f.store.list('apps').map((a) => a.guid), ...[...this.runs.values()].map((r) => r.appGuid)]);
    for (const guid of apps) void this.sync(guid);
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
      // A run keeps the droplet it started with (rolling deployments rely on it); restart = stop + start.
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
    for (const [guid, run] of this.runs) if (run.instances.size === 0) this.runs.delete(guid);
  }

  private async stopRun(run: Run): Promise<void> {
    await Promise.all([...run.instances.values()].map((i) => this.stopInstance(run, i)));
  }

  private startInstance(run: Run, index: number): void {
    const inst: Instance = { index, guid: randomUUID(), port: 0, state: 'STARTING', since: Date.now(), crashes: 0, stopping: false, details: null };
    run.instances.set(index, inst);
    void this.launch(run, inst);
  }

  private sourceType(run: Run): `APP/PROC/${string}` {
    return `APP/PROC/${run.type.toUpperCase()}`;
  }

  private cell(run: Run, inst: Instance, text: string, type: 'OUT' | 'ERR' = 'OUT'): void {
    this.f.logs.emit(run.appGuid, 'CELL', String(inst.index), text, type);
  }

  private async launch(run: Run, inst: Instance): Promise<void> {
    const { store } = this.f;
    const app = store.get('apps', run.appGuid);
    const proc = store.get('processes', run.processGuid);
    const droplet = store.get('droplets', run.dropletGuid);
    if (!app || !proc || !droplet || inst.stopping || this.closing) return;
    inst.state = 'STARTING';
    inst.since = Date.now();
    inst.guid = randomUUID();
    inst.killedFor = undefined;
    inst.cpu = undefined;
    inst.usage = undefined;
    if (droplet.image || this.o.appRuntime === 'container') {
      const launching = this.launchContainer(run, inst, proc, droplet);
      inst.launching = launching;
      await launching;
      if (inst.launching === launching) inst.launching = undefined;
      return;
    }
    try {
      inst.port = await freePort();
      const spec = launchSpec({
        dropletDir: store.dropletDir(droplet.guid),
        command: proc.command ?? droplet.process_types[proc.type] ?? undefined,
        port: inst.port,
        instanceIndex: inst.index,
        instanceGuid: inst.guid,
        // The marker lets the next foundation find (and kill) what a killed one left behind.
        env: { ...app.env, [FOUNDATION_ENV]: this.marker },
        vcapApplication: vcapApplication(this.f, app, proc),
        vcapServices: vcapServices(this.f, app.guid),
        memoryMb: proc.memory_in_mb,
      });
      if (this.o.instanceListen === 'loopback') Object.assign(spec.env, this.loopback().env(app.env));
      if (inst.stopping || this.closing) return;
      this.cell(run, inst, `Cell ${CELL} creating container for instance ${inst.guid}`);
      const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      inst.child = child;
      inst.pid = child.pid;
      inst.exited = new Promise((resolve) => child.once('close', () => resolve()));
      child.once('error', (err) => this.cell(run, inst, `Failed to start: ${err.message}`, 'ERR'));
      this.pipeLogs(child, run.appGuid, this.sourceType(run), String(inst.index));
      child.once('close', (code, signal) => this.onExit(run, inst, child, code, signal));
      this.writePids();
      this.cell(run, inst, `Cell ${CELL} successfully created container for instance ${inst.guid}`);
      await this.startupCheck(run, inst, proc, child);
    } catch (err) {
      this.cell(run, inst, `Failed to start instance: ${(err as Error).message}`, 'ERR');
      inst.details = (err as Error).message;
      this.crashed(run, inst, inst.details);
    }
  }

  /**
   * A docker-lifecycle instance: a container from the droplet's image (§5), supervised like a process;
   * with `appRuntime: 'container'` a buildpack droplet's instance, in the stack image (stack-instances.ts).
   */
  private async launchContainer(run: Run, inst: Instance, proc: ProcessRec, droplet: DropletRec): Promise<void> {
    const app = this.f.store.get('apps', run.appGuid)!;
    const src = this.sourceType(run);
    const index = String(inst.index);
    const fd = dockerOf(this.f);
    let c: ContainerInstance;
    try {
      const docker = await fd.engine();
      inst.port = await freePort();
      if (inst.stopping || this.closing) return;
      this.cell(run, inst, `Cell ${CELL} creating container for instance ${inst.guid}`);
      const base = {
        hostPort: inst.port,
        appGuid: app.guid,
        processGuid: proc.guid,
        processType: proc.type,
        instanceIndex: inst.index,
        instanceGuid: inst.guid,
        env: { ...app.env },
        vcapApplication: vcapApplication(this.f, app, proc),
        vcapServices: vcapServices(this.f, app.guid),
        memoryMb: proc.memory_in_mb,
        labels: fd.labels(),
      };
      const spec = droplet.image
        ? { ...base, image: droplet.image, metadata: parseExecutionMetadata(droplet.execution_metadata), command: proc.command }
        : stackInstanceSpec(base, {
            dropletDir: this.f.store.dropletDir(droplet.guid),
            command: proc.command ?? droplet.process_types[proc.type] ?? undefined,
            image: this.o.stackImage,
          });
      c = await spawnContainer(docker, spec, { onLog: (line, stream) => this.f.logs.emit(run.appGuid, src, index, line, stream === 'stderr' ? 'ERR' : 'OUT') });
    } catch (err) {
      fd.forget(err);
      const text = (err as Error).message.split('\n')[0]!;
      this.cell(run, inst, `Failed to start instance: ${(err as Error).message}`, 'ERR');
      inst.details = text;
      this.crashed(run, inst, text);
      return;
    }
    inst.container = c;
    inst.pid = undefined;
    for (const w of c.warnings) this.cell(run, inst, `WARNING: ${w}`);
    c.onExit((exit) => this.onContainerExit(run, inst, c, exit));
    this.cell(run, inst, `Cell ${CELL} successfully created container for instance ${inst.guid}`);
    if (inst.stopping || this.closing) {
      // Stopped while the container was being created: it must not outlive the stop.
      await c.kill();
      await c.exited;
      await c.remove();
      return;
    }
    await this.startupCheck(run, inst, proc, c);
  }

  private onContainerExit(run: Run, inst: Instance, c: ContainerInstance, exit: ContainerExit): void {
    void c.remove().catch(() => {});
    if (inst.container !== c) return;
    inst.container = undefined;
    inst.liveness?.();
    inst.liveness = undefined;
    const status = exit.code ?? 137;
    this.f.logs.emit(run.appGuid, this.sourceType(run), String(inst.index), `Exit status ${status}`, 'OUT');
    if (inst.stopping || this.closing) return;
    const why = exit.oomKilled ? ' (out of memory)' : exit.error ? ` (${exit.error})` : '';
    const description = inst.killedFor ?? `${this.sourceType(run)}: Exited with status ${status}${why}`;
    this.cell(run, inst, `Cell ${CELL} stopping instance ${inst.guid}`);
    this.cell(run, inst, `Cell ${CELL} destroying container for instance ${inst.guid}`);
    this.crashed(run, inst, description);
  }

  private pipeLogs(child: ChildProcess, appGuid: string, src: `APP/PROC/${string}`, index: string): void {
    for (const [stream, type] of [[child.stdout, 'OUT'], [child.stderr, 'ERR']] as const) {
      let tail = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        tail = this.f.logs.emitChunk(appGuid, src, index, tail + chunk, type);
        if (tail.length > 64 * 1024) tail = this.f.logs.emitChunk(appGuid, src, index, tail + '\n', type);
      });
      stream?.on('end', () => {
        if (tail) this.f.logs.emit(appGuid, src, index, tail, type);
      });
    }
  }

  private alive(inst: Instance, h: Handle): boolean {
    if (inst.stopping || this.closing) return false;
    if (isContainer(h)) return inst.container === h;
    return inst.child === h && h.exitCode === null && h.signalCode === null;
  }

  /** SIGKILL now (the exit handler takes it from there). */
  private hardKill(h: Handle): void {
    if (isContainer(h)) void h.kill().catch(() => {});
    else killGroup(h.pid, 'SIGKILL');
  }

  /** Probes until healthy or the process `timeout` (startup grace) runs out; then the same check keeps watching. */
  private async startupCheck(run: Run, inst: Instance, proc: ProcessRec, child: Handle): Promise<void> {
    const hc = proc.health_check;
    // A container is checked at its own address: the engine's proxy on the host port accepts before the app listens.
    const probe = probeFor(hc, () => inst.container?.healthAddress() ?? { host: '127.0.0.1', port: inst.port });
    if (probe) {
      this.cell(run, inst, 'Starting health monitoring of container');
      const timeoutMs = startupTimeoutMs(hc);
      const failure = await untilHealthy(probe, timeoutMs, () => this.alive(inst, child));
      if (failure !== undefined) {
        this.cell(run, inst, failure, 'ERR');
        this.cell(run, inst, `Timed out after ${goDuration(timeoutMs)}: health check never passed.`, 'ERR');
        inst.killedFor = `Instance never healthy after ${goDuration(timeoutMs)}: ${failure}`;
        this.hardKill(child);
        return;
      }
    }
    if (!this.alive(inst, child)) return;
    inst.state = 'RUNNING';
    inst.since = Date.now();
    inst.details = null;
    this.cell(run, inst, 'Container became healthy');
    if (!isContainer(child) && this.o.instanceListen === 'loopback' && listeningOnAllInterfaces(inst.port)) {
      this.cell(run, inst, `Instance listens on every network interface (port ${inst.port}), so other machines can reach it past the router. Listen on $CF_INSTANCE_IP (127.0.0.1); Node.js and Python apps get this done for them.`, 'ERR');
    }
    this.f.routesChanged();
    if (isContainer(child)) this.sampleUsage(inst);
    // Once RUNNING the same check runs every interval; one failure crashes the instance (Diego).
    if (probe) {
      inst.liveness = watchLiveness(hc, probe, this.o.livenessIntervalMs, () => this.alive(inst, child) && inst.state === 'RUNNING', (failure) => {
        this.cell(run, inst, failure, 'ERR');
        this.cell(run, inst, 'Container became unhealthy', 'ERR');
        inst.killedFor = `Instance became unhealthy: ${failure}`;
        this.hardKill(child);
      });
    }
  }

  private onExit(run: Run, inst: Instance, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (inst.child !== child) return;
    inst.child = undefined;
    inst.liveness?.();
    inst.liveness = undefined;
    this.writePids();
    // Stragglers the app left in its group.
    killGroup(child.pid, 'SIGKILL');
    const status = code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 0);
    this.f.logs.emit(run.appGuid, this.sourceType(run), String(inst.index), `Exit status ${status}`, 'OUT');
    if (inst.stopping || this.closing) return;
    const description = inst.killedFor ?? `${this.sourceType(run)}: Exited with status ${status}`;
    this.cell(run, inst, `Cell ${CELL} stopping instance ${inst.guid}`);
    this.cell(run, inst, `Cell ${CELL} destroying container for instance ${inst.guid}`);
    this.crashed(run, inst, description);
  }

  /** CRASHED; restarted at once for the first crashes, then after a growing back-off (a timer, never a loop). */
  private crashed(run: Run, inst: Instance, description: string): void {
    const wasRunning = inst.state === 'RUNNING';
    // A long healthy run forgives earlier crashes.
    if (wasRunning && Date.now() - inst.since >= this.o.crashResetMs) inst.crashes = 0;
    inst.state = 'CRASHED';
    inst.since = Date.now();
    inst.details = description;
    if (wasRunning) this.f.routesChanged();
    if (inst.stopping || this.closing || run.instances.get(inst.index) !== inst) return;
    inst.crashes++;
    const proc = this.f.store.get('processes', run.processGuid);
    this.f.logs.api(run.appGuid, `Process has crashed with type: "${run.type}"`);
    this.f.logs.api(
      run.appGuid,
      `App instance exited with guid ${run.appGuid} payload: {"instance"=>"${inst.guid}", "index"=>${inst.index}, "cell_id"=>"${CELL}", ` +
        `"reason"=>"CRASHED", "exit_description"=>"${description.replace(/"/g, '\\"')}", "crash_count"=>${inst.crashes}, ` +
        `"crash_timestamp"=>${Date.now() * 1_000_000}, "version"=>"${proc?.updated_at ?? ''}"}`,
    );
    const delay = restartDelay(inst.crashes, this.o);
    if (delay < 0) {
      this.cell(run, inst, `Crashed ${inst.crashes} times; not restarting it again`, 'ERR');
      return;
    }
    if (delay > 0) this.cell(run, inst, `Crashed ${inst.crashes} times; restarting in ${goDuration(delay)}`, 'ERR');
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
    inst.liveness?.();
    const wasRunning = inst.state === 'RUNNING';
    // Out of the router before the app is asked to stop.
    inst.state = 'DOWN';
    if (wasRunning) this.f.routesChanged();
    if (inst.launching) await inst.launching;
    const container = inst.container;
    if (container) {
      this.cell(run, inst, `Cell ${CELL} stopping instance ${inst.guid}`);
      const grace = setTimeout(() => {
        this.cell(run, inst, `Instance did not stop within ${goDuration(this.o.stopGraceMs)} of SIGTERM; sending SIGKILL`, 'ERR');
      }, this.o.stopGraceMs);
      await container.stop(this.o.stopGraceMs).catch(() => container.kill().then(() => container.exited));
      clearTimeout(grace);
      await container.remove().catch(() => {});
      this.cell(run, inst, `Cell ${CELL} destroying container for instance ${inst.guid}`);
      this.cell(run, inst, `Cell ${CELL} successfully destroyed container for instance ${inst.guid}`);
    }
    const child = inst.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      this.cell(run, inst, `Cell ${CELL} stopping instance ${inst.guid}`);
      killGroup(child.pid, 'SIGTERM');
      const grace = setTimeout(() => {
        this.cell(run, inst, `Instance did not stop within ${goDuration(this.o.stopGraceMs)} of SIGTERM; sending SIGKILL`, 'ERR');
        killGroup(child.pid, 'SIGKILL');
      }, this.o.stopGraceMs);
      await inst.exited;
      clearTimeout(grace);
      this.cell(run, inst, `Cell ${CELL} destroying container for instance ${inst.guid}`);
      this.cell(run, inst, `Cell ${CELL} successfully destroyed container for instance ${inst.guid}`);
    }
    if (run.instances.get(inst.index) === inst) run.instances.delete(inst.index);
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

  /** Process-group usage from one /proc scan, shared by calls within 250 ms. */
  private usage(): Map<number, { ticks: number; rssBytes: number }> {
    const now = Date.now();
    if (this.usageCache && now - this.usageCache.at < 250) return this.usageCache.groups;
    const groups = new Set<number>();
    for (const run of this.runs.values()) for (const i of run.instances.values()) if (i.child && i.pid) groups.add(i.pid);
    this.usageCache = { at: now, groups: groupUsage(groups) };
    return this.usageCache.groups;
  }

  private cpuFraction(i: Instance, ticks: number): number {
    const now = Date.now();
    const prev = i.cpu;
    if (!prev || now - prev.at < 200) {
      if (!prev) i.cpu = { ticks, at: now };
      // First sample: the average since the process started.
      const base = prev ?? { ticks: 0, at: i.since };
      const dt = (now - base.at) / 1000;
      return dt > 0 ? Math.max(0, ticksToSeconds(ticks - base.ticks) / dt) : 0;
    }
    i.cpu = { ticks, at: now };
    return Math.max(0, ticksToSeconds(ticks - prev.ticks) / ((now - prev.at) / 1000));
  }

  /** `GET /v3/processes/:guid/stats` resources. */
  stats(proc: ProcessRec): unknown[] {
    const run = this.runs.get(proc.guid);
    const app = this.f.store.get('apps', proc.app_guid);
    const started = app?.state === 'STARTED' && !!app.droplet_guid;
    const usage = started && run && hasProcfs ? this.usage() : new Map<number, { ticks: number; rssBytes: number }>();
    const out: unknown[] = [];
    for (let index = 0; index < proc.instances; index++) {
      const i = started ? run?.instances.get(index) : undefined;
      const state: InstanceState = !started ? 'DOWN' : (i?.state ?? 'STARTING');
      const live = i && i.child && i.pid && (state === 'RUNNING' || state === 'STARTING');
      const u = live ? usage.get(i.pid!) : undefined;
      const up = state !== 'DOWN' && i !== undefined;
      const c = i?.container;
      if (c) {
        out.push(this.containerStats(proc, index, state, i!, c));
        continue;
      }
      out.push(
        statsEntry(proc, index, state, {
          cpu: u ? this.cpuFraction(i!, u.ticks) : 0,
          mem: u?.rssBytes ?? 0,
          port: up && i.port ? { external: i.port, internal: i.port } : undefined,
          up,
          since: i?.since ?? 0,
          details: i?.details,
        }),
      );
    }
    return out;
  }

  /** A container instance's stats entry: usage from the engine's last sample (refreshed in the background). */
  private containerStats(proc: ProcessRec, index: number, state: InstanceState, i: Instance, c: ContainerInstance): unknown {
    const s = i.usage;
    let cpu = 0;
    if (s?.prev && s.at > s.prev.at) cpu = Math.max(0, (s.u.cpuNs - s.prev.cpuNs) / 1e6 / (s.at - s.prev.at));
    else if (s) cpu = Math.max(0, s.u.cpuNs / 1e6 / Math.max(1, s.at - i.since));
    if (!s || Date.now() - s.at > 1000) this.sampleUsage(i);
    return statsEntry(proc, index, state, {
      cpu,
      mem: s?.u.memBytes ?? 0,
      port: { external: c.hostPort, internal: c.port },
      up: true,
      since: i.since,
      details: i.details,
    });
  }

  /** Asks the engine for a container's usage (one at a time per instance). */
  private sampling = new WeakSet<Instance>();
  private sampleUsage(i: Instance): void {
    const c = i.container;
    if (!c || this.sampling.has(i)) return;
    this.sampling.add(i);
    void c
      .usage()
      .then((u) => {
        if (i.container !== c) return;
        const prev = i.usage ? { at: i.usage.at, cpuNs: i.usage.u.cpuNs } : undefined;
        i.usage = { at: Date.now(), u, ...(prev ? { prev } : {}) };
      })
      .catch(() => {})
      .finally(() => this.sampling.delete(i));
  }

  /** Pids of every live instance (tests and diagnostics). */
  pids(): number[] {
    const out: number[] = [];
    for (const run of this.runs.values()) for (const i of run.instances.values()) if (i.child && i.pid) out.push(i.pid);
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  const n = osConstants.signals[sig];
  return typeof n === 'number' ? n : undefined;
}

/** Guards against pid reuse: on Linux the process must carry our INSTANCE_GUID. */
function isOurs(pid: number, instanceGuid: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  if (!hasProcfs) return alive(pid);
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`INSTANCE_GUID=${instanceGuid}\0`);
  } catch {
    return false;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One `/v3/processes/:guid/stats` entry, for a host process or a container instance alike. */
function statsEntry(
  proc: ProcessRec,
  index: number,
  state: InstanceState,
  o: { cpu: number; mem: number; port?: { external: number; internal: number }; up: boolean; since: number; details?: string | null },
): unknown {
  return {
    type: proc.type,
    index,
    state,
    routable: state === 'RUNNING',
    usage: { time: new Date().toISOString(), cpu: Number(o.cpu.toFixed(6)), cpu_entitlement: 0, mem: o.mem, disk: 0, log_rate: 0 },
    host: o.up ? '127.0.0.1' : '',
    instance_ports: o.port ? [{ ...o.port, external_tls_proxy_port: null, internal_tls_proxy_port: null }] : [],
    uptime: o.up && state === 'RUNNING' ? Math.floor((Date.now() - o.since) / 1000) : 0,
    mem_quota: proc.memory_in_mb * 1024 * 1024,
    disk_quota: proc.disk_in_mb * 1024 * 1024,
    fds_quota: 16384,
    log_rate_limit: -1,
    isolation_segment: null,
    details: o.details ?? null,
  };
}
