// The host-process runtime (the default): a buildpack droplet's process runs
// on this machine through the CF launcher (core/staging/launcher.ts) as the
// leader of its own process group, so a signal reaches everything the app
// started. Each process carries the foundation's marker in its env
// (FOUNDATION_ENV) and its pid is kept in pids.json, so a restarted
// foundation finds and kills what a killed one left (removeLeftovers). With
// `instanceListen: 'loopback'` the launch env hooks in the loopback preloads
// (loopback.ts). Usage is read from /proc for the whole group (procfs.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import writeFileAtomic from 'write-file-atomic';
import { launchSpec } from '../../core/staging/launcher';
import { FOUNDATION_ENV } from '../env';
import { logError } from '../log';
import { installLoopbackShims, listeningOnAllInterfaces, type LoopbackShims } from '../loopback';
import { groupUsage, hasEnv, hasProcfs, isZombie, processesWithEnv, ticksToSeconds, type GroupUsage } from '../procfs';
import { exitStatus, hostExec, type LaunchEnv } from './host-exec';
import type { ExecProcess, ExecSpec, ProcessExit, ProcessIO, ProcessSpec, RunningProcess, Runtime, Stream, Usage } from './types';

export interface ProcessRuntimeOptions {
  /** The foundation's data dir: the marker in every process's env, pids.json, the loopback preloads. */
  dataDir: string;
  /** Processes listen on loopback (loopback.ts), or on every interface as in a Diego container. */
  listen: 'loopback' | 'all';
}

/** A line longer than this is logged in pieces (a process writing without newlines). */
const MAX_LINE = 64 * 1024;

export class ProcessRuntime implements Runtime {
  private readonly live = new Set<HostProcess>();
  private readonly pidFile: string;
  private pidsUnsaved = false;
  private shims?: LoopbackShims;
  private scan?: { at: number; groups: Map<number, GroupUsage> };

  constructor(private readonly o: ProcessRuntimeOptions) {
    this.pidFile = join(o.dataDir, 'pids.json');
  }

  /** The marker every app (and staging) process of this foundation carries in its env. */
  private get marker(): string {
    return this.o.dataDir;
  }

  async start(spec: ProcessSpec, io: ProcessIO): Promise<RunningProcess> {
    const d = spec.droplet;
    if (!('dir' in d)) throw new Error('a host process runs a buildpack droplet, not an image');
    const launch = launchSpec({
      dropletDir: d.dir,
      command: spec.command ?? d.command,
      port: spec.port,
      instanceIndex: spec.index,
      instanceGuid: spec.guid,
      // The marker lets the next foundation find (and kill) what a killed one left behind.
      env: { ...spec.env, [FOUNDATION_ENV]: this.marker },
      vcapApplication: spec.vcapApplication,
      vcapServices: spec.vcapServices,
      memoryMb: spec.memoryMb,
    });
    if (this.o.listen === 'loopback') Object.assign(launch.env, this.loopback().env(spec.env));
    const child = spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new HostProcess(child, spec, this, io, { cwd: launch.cwd, env: launch.env });
    this.live.add(p);
    void p.exited.finally(() => {
      this.live.delete(p);
      this.writePids();
    });
    this.writePids();
    return p;
  }

  /**
   * Kills the app and staging processes a previous (killed) foundation on this
   * data dir left running, and waits until they are gone: on Linux every
   * process whose env carries this data dir's marker; elsewhere the pid file.
   */
  async removeLeftovers(): Promise<void> {
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
  }

  /** Pids (process group leaders) of the live processes. */
  pids(): number[] {
    return [...this.live].flatMap((p) => (p.pid ? [p.pid] : []));
  }

  /** A live group's usage, from one /proc scan shared by calls within 250 ms. */
  usageOf(pid: number): GroupUsage | undefined {
    const now = Date.now();
    if (!this.scan || now - this.scan.at >= 250) this.scan = { at: now, groups: groupUsage(new Set(this.pids())) };
    return this.scan.groups.get(pid);
  }

  /** Whether processes are kept off other machines (loopback.ts). */
  get loopbackOnly(): boolean {
    return this.o.listen === 'loopback';
  }

  private loopback(): LoopbackShims {
    return (this.shims ??= installLoopbackShims(this.o.dataDir));
  }

  private pidsWrite?: Promise<void>;
  private pidsAgain = false;

  /**
   * Records the live pids. Where there is no procfs the file is the only way
   * the next foundation finds what a killed one left, so it is written at
   * once, synchronously. On Linux the marker in every process's env finds
   * them (removeLeftovers): the file is a second record, written off the
   * main thread (two instance starts and stops per push, ~1.5 ms each).
   */
  private writePids(): void {
    if (!hasProcfs) return this.writePidsNow();
    if (this.pidsWrite) {
      this.pidsAgain = true;
      return;
    }
    this.pidsWrite = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      do {
        this.pidsAgain = false;
        await writeFileAtomic(this.pidFile, this.pidsText(), { mode: 0o600, fsync: false }).then(
          () => (this.pidsUnsaved = false),
          (err: unknown) => this.pidsNotSaved(err),
        );
      } while (this.pidsAgain);
      this.pidsWrite = undefined;
    });
  }

  /** Resolves once no pids.json write is pending (the foundation is stopping: nothing writes to the data dir after). */
  async pidsSaved(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // exits that just happened queue theirs first
    while (this.pidsWrite) await this.pidsWrite;
  }

  private pidsText(): string {
    const pids: Record<string, string> = {};
    for (const p of this.live) if (p.pid) pids[p.pid] = p.guid;
    return JSON.stringify(pids);
  }

  private pidsNotSaved(err: unknown): void {
    // A full or read-only data dir: the processes stay tracked here, and a
    // next foundation finds them by the marker in their env (removeLeftovers).
    // Failing the launch instead would leave a started process untracked.
    if (!this.pidsUnsaved) logError(`supervisor: could not write ${this.pidFile} (instances stay tracked in memory)`, err);
    this.pidsUnsaved = true;
  }

  private writePidsNow(): void {
    // Not fsynced: a killed process's writes are in the page cache, and after a power loss no process is left to find.
    try {
      writeFileAtomic.sync(this.pidFile, this.pidsText(), { mode: 0o600, fsync: false });
      this.pidsUnsaved = false;
    } catch (err) {
      this.pidsNotSaved(err);
    }
  }
}

/** One host process group. */
class HostProcess implements RunningProcess {
  readonly ports: { external: number; internal: number };
  readonly exited: Promise<ProcessExit>;
  /** INSTANCE_GUID, which pids.json records against pid reuse. */
  readonly guid: string;
  private readonly port: number | undefined;
  private closed = false;
  private readonly startedAt = Date.now();
  /** The last CPU sample, for a fraction over the interval between two samples. */
  private cpu?: { ticks: number; at: number };

  constructor(
    private readonly child: ChildProcess,
    spec: ProcessSpec,
    private readonly runtime: ProcessRuntime,
    io: ProcessIO,
    private readonly launched: LaunchEnv,
  ) {
    this.port = spec.port;
    this.guid = spec.guid;
    this.ports = { external: this.port ?? 0, internal: this.port ?? 0 };
    child.once('error', (err) => io.note(`Failed to start: ${err.message}`, 'stderr'));
    pipeLines(child.stdout, 'stdout', io);
    pipeLines(child.stderr, 'stderr', io);
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.closed = true;
        // Stragglers the app left in its group.
        killGroup(child.pid, 'SIGKILL');
        resolve({ status: exitStatus(code, signal) });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  healthAddress(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port ?? 0 };
  }

  exec(spec: ExecSpec): Promise<ExecProcess> {
    return Promise.resolve(hostExec(this.launched, spec));
  }

  async stop(graceMs: number): Promise<void> {
    let grace: NodeJS.Timeout | undefined;
    if (!this.closed) {
      killGroup(this.child.pid, 'SIGTERM');
      grace = setTimeout(() => this.kill(), graceMs);
    }
    await this.exited;
    clearTimeout(grace);
  }

  kill(): void {
    // After 'close' the group id is free for reuse: never signal it then.
    if (!this.closed) killGroup(this.child.pid, 'SIGKILL');
  }

  usage(): Usage | undefined {
    const u = hasProcfs && this.child.pid ? this.runtime.usageOf(this.child.pid) : undefined;
    if (!u) return undefined;
    const now = Date.now();
    const prev = this.cpu;
    // A new sample at most every 200 ms; the first one averages since the start.
    if (!prev || now - prev.at >= 200) this.cpu = { ticks: u.ticks, at: now };
    const base = prev ?? { ticks: 0, at: this.startedAt };
    const dt = (now - base.at) / 1000;
    return { cpu: dt > 0 ? Math.max(0, ticksToSeconds(u.ticks - base.ticks) / dt) : 0, memBytes: u.rssBytes };
  }

  async exposure(): Promise<string | undefined> {
    if (!this.runtime.loopbackOnly || this.port === undefined || !(await listeningOnAllInterfaces(this.port))) return undefined;
    return `Instance listens on every network interface (port ${this.port}), so other machines can reach it past the router. Listen on $CF_INSTANCE_IP (127.0.0.1); Node.js and Python apps get this done for them.`;
  }
}

/** Every line of a stream, a trailing '\r' dropped; a line past MAX_LINE goes out in pieces. */
function pipeLines(stream: Readable | null, name: Stream, io: ProcessIO): void {
  if (!stream) return;
  const emit = (buf: string): string => {
    const lines = buf.split('\n');
    const tail = lines.pop() ?? '';
    for (const l of lines) io.log(l.replace(/\r$/, ''), name);
    return tail;
  };
  let tail = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    tail = emit(tail + chunk);
    if (tail.length > MAX_LINE) tail = emit(tail + '\n');
  });
  stream.on('end', () => {
    if (tail) io.log(tail, name);
  });
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

/** Guards against pid reuse: on Linux the process must carry our INSTANCE_GUID. */
function isOurs(pid: number, instanceGuid: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  if (!hasProcfs) return alive(pid);
  return hasEnv(pid, 'INSTANCE_GUID', instanceGuid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
