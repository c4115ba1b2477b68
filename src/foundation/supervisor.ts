// Runs app instances like a tiny Diego cell (cf-reference.md §1.4, §4.2-4.3):
// it converges each app's processes to their desired instance counts, starts
// every instance through a runtime (runtime/types.ts: a host process group,
// or a container for docker-lifecycle apps and `--app-runtime container`)
// with its own PORT, watches it with the process's health check (`port`,
// `http`, `process`; runtime/health.ts) with the process timeout as the
// startup grace and the same check as liveness once RUNNING, restarts
// crashes with Diego's back-off, stops gracefully (SIGTERM, SIGKILL after a
// grace period), answers /stats, and has the runtimes clean up what a killed
// foundation left behind. The runtimes know how to start, signal, stop,
// inspect and clean up their kind of process; what an exit or a failed
// check means for the instance, and what the logs say, is decided here.
//
// Crash policy (Diego's defaults; every number is an option so tests can
// shrink them): the first 3 crashes restart at once; then the instance stays
// CRASHED for 30 s, 60 s, 120 s ... doubling up to 16 min between restarts;
// after 200 crashes it is no longer restarted. An instance that has been
// RUNNING for 5 min has its crash count reset. Waiting is a timer, never a
// loop, so a crash-looping app costs nothing between restarts.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { debugRuntimeOf, AGENT_NAME, sourceRoot } from '../core/debug/runtimes';
import { parseExecutionMetadata } from '../core/docker/metadata';
import { CfPushError } from '../core/errors';
import { DEFAULT_STACK_IMAGE } from '../core/docker/stack';
import type { Foundation } from './context';
import { DEBUG_HOST, debugPlan, missingAgent, withAgent, type DebugPlan } from './debug-agents';
import { dockerOf } from './docker';
import { vcapApplication, envGroup } from './env';
import { appProcesses } from './model';
import { ContainerRuntime } from './runtime/container';
import { probeFor, startupTimeoutMs, untilHealthy, watchLiveness } from './runtime/health';
import { ProcessRuntime } from './runtime/process';
import type { ProcessExit, ProcessSpec, RunningProcess, Runtime } from './runtime/types';
import { vcapServices } from './services';
import { isListening } from './loopback';
import type { AppRuntime } from './stack-instances';
import type { AppRec, DropletRec, ProcessRec } from './store';

export type InstanceState = 'STARTING' | 'RUNNING' | 'CRASHED' | 'DOWN';

interface Instance {
  index: number;
  guid: string;
  port: number;
  state: InstanceState;
  /** What runs the instance (a host process or a container), until it exits. */
  process?: RunningProcess;
  /** Starting the process (stops wait for it, so nothing starts after a stop). */
  launching?: Promise<RunningProcess | undefined>;
  /** Last state change (STARTING, RUNNING, CRASHED). */
  since: number;
  crashes: number;
  stopping: boolean;
  timer?: NodeJS.Timeout;
  /** Ends the liveness checks once RUNNING. */
  liveness?: () => void;
  details: string | null;
  /** Why the supervisor killed it (health check), reported instead of the signal. */
  killedFor?: string;
  /** Runs under a debug agent (issue 20): health checks are off, the router waits for it. */
  debug?: DebugPlan;
  /** Crashes since it was restarted under its agent, and the last one's reason (a debugger tells its user). */
  debugCrashes?: number;
  lastCrash?: string;
}

/** A debugged instance, as the debug endpoint shows it (api/debug.ts). */
export interface DebugInfo {
  process_guid: string;
  app_guid: string;
  index: number;
  runtime: DebugPlan['runtime'];
  agent: string;
  host: string;
  port: number;
  suspend: boolean;
  state: InstanceState;
  /** The agent accepts connections. */
  listening: boolean;
  /** The app's folder as the debugged process sees it (source maps: this is the workspace folder pushed). */
  app_root: string;
  /** Where the running code names its sources (Go: /home/vcap/app, as compiled; else app_root): map the workspace folder there. */
  source_root: string;
  details: string | null;
  /** Crashes since the instance was restarted under its agent (each one ends a debugger's connection). */
  crashes: number;
  /** The last crash's reason ("APP/PROC/WEB: Exited with status 3"), null before one. */
  last_crash: string | null;
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
  /** Under a debugger: a request waits for it (no endpoint timeout), as a developer paused at a breakpoint expects. */
  debugging?: boolean;
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
  private closing = false;
  readonly o: Required<SupervisorOptions>;
  private readonly processes: ProcessRuntime;
  private readonly containers: ContainerRuntime;

  constructor(
    private readonly f: Foundation,
    opts: SupervisorOptions = {},
  ) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.o = { ...SUPERVISOR_DEFAULTS, ...given };
    const dataDir = f.store.dataDir;
    this.processes = new ProcessRuntime({ dataDir, listen: this.o.instanceListen });
    this.containers = new ContainerRuntime(dockerOf(f), { dataDir, stackImage: this.o.stackImage, buildpackDroplets: this.o.appRuntime === 'container' });
  }

  /** Where a droplet's instances (and tasks) run: a docker image in a container; a buildpack droplet as the app runtime says. */
  runtimeFor(droplet: DropletRec): Runtime {
    return droplet.image || this.o.appRuntime === 'container' ? this.containers : this.processes;
  }

  /** Ends what a previous (killed) foundation on this data dir left running (host processes, then containers). */
  async killLeftovers(): Promise<void> {
    await this.processes.removeLeftovers();
    await this.containers.removeLeftovers().catch((err) => {
      this.f.logs.emit('', 'CELL', '0', `supervisor: could not remove leftover containers: ${(err as Error).message}`, 'ERR');
    });
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
    return this.serial(appGuid, () => this.converge(appGuid)).catch((err) =>
      this.f.logs.emit(appGuid, 'CELL', '0', `supervisor: ${(err as Error).message}`, 'ERR'),
    );
  }

  /**
   * CC's restart (stop, then start) with the new instances launched while the
   * old ones stop: the old runs leave the table and the router at once, so a
   * restart waits for the app's start, not for its stop first.
   */
  restart(appGuid: string): Promise<void> {
    return this.serial(appGuid, async () => {
      const old = [...this.runs.values()].filter((r) => r.appGuid === appGuid);
      for (const r of old) this.runs.delete(r.processGuid);
      const stops = Promise.all(old.map((r) => this.stopRun(r)));
      await this.converge(appGuid);
      await stops;
    }).catch((err) => this.f.logs.emit(appGuid, 'CELL', '0', `supervisor: ${(err as Error).message}`, 'ERR'));
  }

  /** Runs `fn` after every earlier change to the app's instances (converge, debug), and before later ones. */
  private serial<T>(appGuid: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.chains.get(appGuid) ?? Promise.resolve()).then(fn);
    const next = result.then(
      () => {},
      () => {},
    );
    this.chains.set(appGuid, next);
    void next.then(() => {
      if (this.chains.get(appGuid) === next) this.chains.delete(appGuid);
    });
    return result;
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

  private startInstance(run: Run, index: number, debug?: DebugPlan): void {
    const inst: Instance = { index, guid: randomUUID(), port: 0, state: 'STARTING', since: Date.now(), crashes: 0, stopping: false, details: null, debug };
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
    const launching = this.create(run, inst, app, proc, droplet);
    inst.launching = launching;
    const p = await launching;
    if (inst.launching === launching) inst.launching = undefined;
    if (!p) return;
    await this.startupCheck(run, inst, proc, p).catch((err) => {
      // Never a process nobody watches: killing it makes its exit a crash.
      this.cell(run, inst, `Failed to start instance: ${(err as Error).message}`, 'ERR');
      inst.killedFor = (err as Error).message;
      p.kill();
    });
  }

  /** Starts the instance's process in its runtime; undefined when it did not start (crashed) or was stopped meanwhile. */
  private async create(run: Run, inst: Instance, app: AppRec, proc: ProcessRec, droplet: DropletRec): Promise<RunningProcess | undefined> {
    const src = this.sourceType(run);
    const index = String(inst.index);
    let p: RunningProcess;
    try {
      inst.port = await freePort();
      if (inst.stopping || this.closing) return undefined;
      this.cell(run, inst, `Cell ${CELL} creating container for instance ${inst.guid}`);
      p = await this.runtimeFor(droplet).start(this.spec(inst, app, proc, droplet), {
        log: (line, stream) => this.f.logs.emit(run.appGuid, src, index, line, stream === 'stderr' ? 'ERR' : 'OUT'),
        note: (text, stream) => this.cell(run, inst, text, stream === 'stderr' ? 'ERR' : 'OUT'),
      });
    } catch (err) {
      const text = (err as Error).message.split('\n')[0]!;
      this.cell(run, inst, `Failed to start instance: ${(err as Error).message}`, 'ERR');
      inst.details = text;
      this.crashed(run, inst, text);
      return undefined;
    }
    inst.process = p;
    void p.exited.then((exit) => this.onExit(run, inst, p, exit));
    this.cell(run, inst, `Cell ${CELL} successfully created container for instance ${inst.guid}`);
    if (inst.stopping || this.closing) {
      // Stopped while it was being started: it must not outlive the stop (no grace: it never ran).
      await p.stop(0);
      return undefined;
    }
    return p;
  }

  /** What an instance runs: its droplet, with the process's command, the app's env and CF's, on its port. */
  private spec(inst: Instance, app: AppRec, proc: ProcessRec, droplet: DropletRec): ProcessSpec {
    const spec = this.specFor(app, droplet, {
      type: proc.type,
      processGuid: proc.guid,
      command: proc.command,
      memoryMb: proc.memory_in_mb,
      vcapApplication: vcapApplication(this.f, app, proc),
      index: inst.index,
      guid: inst.guid,
      port: inst.port,
    });
    return inst.debug ? withAgent(spec, inst.debug, this.f.store.dataDir) : spec;
  }

  /**
   * What runs from an app's droplet, for an instance or a task alike: the
   * given command, else the process type's; the running env group below the
   * app's own variables (as CC merges them), VCAP_SERVICES; a port or none.
   */
  specFor(
    app: AppRec,
    droplet: DropletRec,
    o: {
      type: string;
      processGuid: string;
      command?: string | null;
      memoryMb: number;
      vcapApplication: Record<string, unknown>;
      index: number;
      guid: string;
      port?: number;
    },
  ): ProcessSpec {
    return {
      droplet: droplet.image
        ? { image: droplet.image, metadata: parseExecutionMetadata(droplet.execution_metadata) }
        : { dir: this.f.store.dropletDir(droplet.guid), command: droplet.process_types[o.type] ?? undefined },
      command: o.command ?? undefined,
      env: { ...envGroup(this.f, 'running'), ...app.env },
      vcapApplication: o.vcapApplication,
      vcapServices: vcapServices(this.f, app.guid),
      memoryMb: o.memoryMb,
      appGuid: app.guid,
      processGuid: o.processGuid,
      processType: o.type,
      index: o.index,
      guid: o.guid,
      ...(o.port !== undefined ? { port: o.port } : {}),
    };
  }

  /** The process of a RUNNING instance (an ssh session runs beside it); undefined when there is none. */
  running(processGuid: string, index: number): RunningProcess | undefined {
    const inst = this.runs.get(processGuid)?.instances.get(index);
    return inst?.state === 'RUNNING' && inst.process?.running() ? inst.process : undefined;
  }

  private onExit(run: Run, inst: Instance, p: RunningProcess, exit: ProcessExit): void {
    if (inst.process !== p) return;
    inst.process = undefined;
    inst.liveness?.();
    inst.liveness = undefined;
    this.f.logs.emit(run.appGuid, this.sourceType(run), String(inst.index), `Exit status ${exit.status}`, 'OUT');
    if (inst.stopping || this.closing) return;
    const description = inst.killedFor ?? `${this.sourceType(run)}: Exited with status ${exit.status}${exit.reason ? ` (${exit.reason})` : ''}`;
    this.cell(run, inst, `Cell ${CELL} stopping instance ${inst.guid}`);
    this.cell(run, inst, `Cell ${CELL} destroying container for instance ${inst.guid}`);
    this.crashed(run, inst, description);
  }

  /** Still the instance's live process, and the instance is not being stopped. */
  private alive(inst: Instance, p: RunningProcess): boolean {
    return !inst.stopping && !this.closing && inst.process === p && p.running();
  }

  /** Probes until healthy or the process `timeout` (startup grace) runs out; then the same check keeps watching. */
  private async startupCheck(run: Run, inst: Instance, proc: ProcessRec, p: RunningProcess): Promise<void> {
    const hc = proc.health_check;
    const probe = probeFor(hc, () => p.healthAddress());
    if (probe) {
      this.cell(run, inst, 'Starting health monitoring of container');
      // Under a debugger the app may sit at a breakpoint (or wait for one, suspend=y): no deadline.
      const timeoutMs = inst.debug ? Infinity : startupTimeoutMs(hc);
      const failure = await untilHealthy(probe, timeoutMs, () => this.alive(inst, p));
      if (failure !== undefined) {
        this.cell(run, inst, failure, 'ERR');
        this.cell(run, inst, `Timed out after ${goDuration(timeoutMs)}: health check never passed.`, 'ERR');
        inst.killedFor = `Instance never healthy after ${goDuration(timeoutMs)}: ${failure}`;
        p.kill();
        return;
      }
    }
    if (!this.alive(inst, p)) return;
    inst.state = 'RUNNING';
    inst.since = Date.now();
    inst.details = null;
    this.cell(run, inst, 'Container became healthy');
    if (inst.debug) this.cell(run, inst, `Debugging: ${AGENT_NAME[inst.debug.runtime]} on ${DEBUG_HOST}:${inst.debug.port}; health checks are suspended`);
    this.f.routesChanged();
    // In the router first: the check below reads /proc (off the main thread), and only adds a warning.
    void p.exposure().then(
      (exposure) => exposure && this.alive(inst, p) && this.cell(run, inst, exposure, 'ERR'),
      () => undefined,
    );
    // Once RUNNING the same check runs every interval; one failure crashes the instance (Diego). A paused debuggee
    // fails every check, so a debugged instance is not watched: the developer decides when it is unhealthy.
    if (probe && !inst.debug) {
      inst.liveness = watchLiveness(
        hc,
        probe,
        this.o.livenessIntervalMs,
        () => this.alive(inst, p) && inst.state === 'RUNNING',
        (failure) => {
          this.cell(run, inst, failure, 'ERR');
          this.cell(run, inst, 'Container became unhealthy', 'ERR');
          inst.killedFor = `Instance became unhealthy: ${failure}`;
          p.kill();
        },
      );
    }
  }

  /** CRASHED; restarted at once for the first crashes, then after a growing back-off (a timer, never a loop). */
  private crashed(run: Run, inst: Instance, description: string): void {
    const wasRunning = inst.state === 'RUNNING';
    // A long healthy run forgives earlier crashes.
    if (wasRunning && Date.now() - inst.since >= this.o.crashResetMs) inst.crashes = 0;
    inst.state = 'CRASHED';
    inst.since = Date.now();
    inst.details = description;
    if (inst.debug) {
      inst.debugCrashes = (inst.debugCrashes ?? 0) + 1;
      inst.lastCrash = description;
    }
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

  /** Out of the router, then SIGTERM, SIGKILL after the grace period. */
  private async stopInstance(run: Run, inst: Instance): Promise<void> {
    inst.stopping = true;
    if (inst.timer) clearTimeout(inst.timer);
    inst.liveness?.();
    const wasRunning = inst.state === 'RUNNING';
    // Out of the router before the app is asked to stop.
    inst.state = 'DOWN';
    if (wasRunning) this.f.routesChanged();
    if (inst.launching) await inst.launching;
    const p = inst.process;
    if (p?.running()) {
      this.cell(run, inst, `Cell ${CELL} stopping instance ${inst.guid}`);
      const grace = setTimeout(() => {
        this.cell(run, inst, `Instance did not stop within ${goDuration(this.o.stopGraceMs)} of SIGTERM; sending SIGKILL`, 'ERR');
      }, this.o.stopGraceMs);
      await p.stop(this.o.stopGraceMs);
      clearTimeout(grace);
      this.cell(run, inst, `Cell ${CELL} destroying container for instance ${inst.guid}`);
      this.cell(run, inst, `Cell ${CELL} successfully destroyed container for instance ${inst.guid}`);
    }
    if (run.instances.get(inst.index) === inst) run.instances.delete(inst.index);
  }

  /** RUNNING instances of an app's process type, for the router. */
  endpoints(appGuid: string, type: string): Endpoint[] {
    const out: Endpoint[] = [];
    for (const run of this.runs.values()) {
      if (run.appGuid !== appGuid || run.type !== type) continue;
      for (const i of run.instances.values()) {
        if (i.state === 'RUNNING') out.push({ port: i.port, appGuid, index: i.index, instanceGuid: i.guid, ...(i.debug ? { debugging: true } : {}) });
      }
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** `GET /v3/processes/:guid/stats` resources. */
  stats(proc: ProcessRec): unknown[] {
    const run = this.runs.get(proc.guid);
    const app = this.f.store.get('apps', proc.app_guid);
    const started = app?.state === 'STARTED' && !!app.droplet_guid;
    const out: unknown[] = [];
    for (let index = 0; index < proc.instances; index++) {
      const i = started ? run?.instances.get(index) : undefined;
      const state: InstanceState = !started ? 'DOWN' : (i?.state ?? 'STARTING');
      const up = state !== 'DOWN' && i !== undefined;
      const p = up ? i.process : undefined;
      const u = p && (state === 'RUNNING' || state === 'STARTING') ? p.usage() : undefined;
      out.push(
        statsEntry(proc, index, state, {
          cpu: u?.cpu ?? 0,
          mem: u?.memBytes ?? 0,
          port: p ? p.ports : up && i.port ? { external: i.port, internal: i.port } : undefined,
          up,
          since: i?.since ?? 0,
          details: i?.debug && state === 'RUNNING' ? debugDetails(i.debug) : i?.details,
        }),
      );
    }
    return out;
  }

  /**
   * Restarts one instance under its runtime's debug agent on 127.0.0.1:`port`
   * (a free one when not given), the other instances untouched. Refused, with
   * nothing changed, when the instance does not exist, runs in a container,
   * its runtime is unknown or its agent missing here, or the port is taken.
   */
  debug(processGuid: string, index: number, o: { port?: number } = {}): Promise<DebugInfo> {
    const appGuid = this.f.store.get('processes', processGuid)?.app_guid ?? '';
    return this.serial(appGuid, async () => {
      const { run, inst, app, proc, droplet } = this.instanceOf(processGuid, index);
      if (this.runtimeFor(droplet) !== this.processes)
        throw new CfPushError(`Instance ${index} of ${app.name} runs in a container, which cf-push cannot debug yet.`, {
          code: 'DebugUnavailable',
          hint: 'Push it with a buildpack (host processes) to debug it here, or debug it over ssh: `cfpush debug APP --ssh`.',
        });
      const runtime = debugRuntimeOf({ buildpacks: droplet.buildpacks.map((b) => b.name), command: proc.command ?? droplet.process_types[proc.type] });
      if (!runtime)
        throw new CfPushError(
          `cf-push cannot tell which runtime ${app.name} runs (buildpack ${droplet.buildpacks.at(-1)?.name ?? 'none'}), so it has no debug agent for it.`,
          {
            code: 'DebugUnavailable',
            hint: 'Debugging is offered for Node.js, Java, Python and Go apps.',
          },
        );
      const missing = missingAgent(runtime);
      if (missing) throw missing;
      let port = o.port ?? inst.debug?.port;
      if (port === undefined) port = await freePort();
      else if (port !== inst.debug?.port && !(await portFree(port)))
        throw new CfPushError(`Port ${port} on ${DEBUG_HOST} is already in use, so the debug agent cannot listen there.`, {
          code: 'DebugPortTaken',
          hint: 'Pick another port, or leave it out to get a free one.',
        });
      const plan = debugPlan(runtime, port, app.env);
      this.f.logs.api(app.guid, `Restarting instance ${index} of process ${proc.type} under ${AGENT_NAME[runtime]}`);
      await this.stopInstance(run, inst);
      this.startInstance(run, index, plan);
      return this.debugInfo(processGuid, index)!;
    });
  }

  /** Restarts a debugged instance without its agent (nothing when it is not debugged). */
  undebug(processGuid: string, index: number): Promise<void> {
    const appGuid = this.f.store.get('processes', processGuid)?.app_guid ?? '';
    return this.serial(appGuid, async () => {
      const run = this.runs.get(processGuid);
      const inst = run?.instances.get(index);
      if (!run || !inst?.debug) return;
      this.f.logs.api(appGuid, `Restarting instance ${index} of process ${run.type} without its debug agent`);
      await this.stopInstance(run, inst);
      const proc = this.f.store.get('processes', processGuid);
      const app = this.f.store.get('apps', appGuid);
      if (proc && app?.state === 'STARTED' && index < proc.instances) this.startInstance(run, index);
    });
  }

  /** The debugged instance `index` of a process, or undefined when it is not debugged. */
  debugInfo(processGuid: string, index: number): DebugInfo | undefined {
    const run = this.runs.get(processGuid);
    const inst = run?.instances.get(index);
    const plan = inst?.debug;
    if (!run || !inst || !plan) return undefined;
    const droplet = this.f.store.get('droplets', run.dropletGuid);
    const appRoot = droplet ? join(this.f.store.dropletDir(droplet.guid), 'app') : '';
    return {
      process_guid: processGuid,
      app_guid: run.appGuid,
      index,
      runtime: plan.runtime,
      agent: AGENT_NAME[plan.runtime],
      host: DEBUG_HOST,
      port: plan.port,
      suspend: plan.suspend,
      state: inst.state,
      listening: inst.process?.running() === true && isListening(plan.port),
      app_root: appRoot,
      source_root: sourceRoot(plan.runtime, appRoot),
      details: inst.state === 'RUNNING' ? debugDetails(plan) : inst.details,
      crashes: inst.debugCrashes ?? 0,
      last_crash: inst.lastCrash ?? null,
    };
  }

  /** Every debugged instance. */
  debugged(): DebugInfo[] {
    const out: DebugInfo[] = [];
    for (const run of this.runs.values()) for (const i of run.instances.values()) if (i.debug) out.push(this.debugInfo(run.processGuid, i.index)!);
    return out;
  }

  private instanceOf(processGuid: string, index: number) {
    const proc = this.f.store.get('processes', processGuid);
    const app = proc && this.f.store.get('apps', proc.app_guid);
    const run = this.runs.get(processGuid);
    const inst = run?.instances.get(index);
    const droplet = run && this.f.store.get('droplets', run.dropletGuid);
    if (!proc || !app || !run || !inst || !droplet || inst.stopping)
      throw new CfPushError(`Instance ${index} of process ${proc?.type ?? processGuid} is not running${app ? ` (app ${app.name} is ${app.state})` : ''}.`, {
        code: 'DebugUnavailable',
        hint: 'Start the app, and pick an instance it has (see `cfpush apps`).',
      });
    return { proc, app, run, inst, droplet };
  }

  /** Pids of every live host-process instance (tests and diagnostics). */
  pids(): number[] {
    return this.processes.pids();
  }

  /** Stops every instance (desired state is kept, so the next start resumes them). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.chains.values()]);
    await Promise.all([...this.runs.values()].map((r) => this.stopRun(r)));
    this.runs.clear();
    await this.processes.pidsSaved();
  }
}

/** What `cf app` and the tree show for a debugged RUNNING instance. */
function debugDetails(plan: DebugPlan): string {
  return `debugging: ${AGENT_NAME[plan.runtime]} on ${DEBUG_HOST}:${plan.port}`;
}

/** Whether nothing listens on `port` on 127.0.0.1 (a bind succeeds). */
function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
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
