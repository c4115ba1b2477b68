// Runs one instance of a docker app as a container (cf-reference.md §5), for
// the local foundation's supervisor to use beside process instances.
//
// The supervisor's interface (`spawnContainer` → ContainerInstance):
//
//   const inst = await spawnContainer(docker, spec, { onLog });
//     spec: the image and its execution metadata (from the docker droplet),
//       process.command / process.user, the host port to publish on
//       127.0.0.1, instance index/guid, app/process guids, app env,
//       VCAP_APPLICATION / VCAP_SERVICES, labels (add one naming this
//       foundation so `listLeftovers` finds only its own containers).
//     Resolves once the container is started; throws CfPushError when it
//     cannot be created or started (nothing is left behind then).
//   inst.onLog((line, stream) => …)   every output line, 'stdout' | 'stderr'
//                                     (pass `onLog` to spawnContainer to be
//                                     sure to get the first lines)
//   inst.onExit((exit) => …) / await inst.exited
//                                     { code, signal, oomKilled, error };
//                                     fires once, after the last log line
//   await inst.stop(graceMs)          SIGTERM, SIGKILL after the grace
//                                     period (docker stop); resolves on exit
//   await inst.kill()                 SIGKILL now
//   await inst.remove()               delete the container (after exit)
//   await inst.usage()                { cpuNs, memBytes, memLimitBytes }
//   inst.healthAddress()              where a `port` health check must
//                                     connect (see below)
//   await inst.exec(cmd, { tty })     a `docker exec` in the container (an
//                                     ssh session): raw stdin/stdout/stderr,
//                                     the exit status, resize with a tty
//
// Without a host port (a task) nothing is published and the env has no PORT.
//
// Containers run with `HostConfig.Init` (docker-init as PID 1 forwards
// SIGTERM, so stops are prompt), `AutoRemove` off (the exit status stays
// readable; the supervisor removes), and labels org.cfpush.* naming the app,
// process and instance; `listLeftovers` / `removeLeftovers` find and delete
// what a killed foundation left running.
//
// Health checks: the engine's userland proxy accepts connections on the
// published 127.0.0.1 port before the app listens, so a `port` check against
// the host port passes at once. `healthAddress()` gives the container's own
// address on Linux (the bridge is reachable from the host) and the host port
// elsewhere (Docker Desktop), where an `http` check is the reliable one.
//
// Start command (DAL launcher): with process.command → `/bin/sh -c <command>`;
// else the image's entrypoint + cmd as recorded in the execution metadata;
// neither → "No start command found or specified". Working directory: the
// metadata's workdir, else "/". User: process.user, else the image's, else
// root (with a warning). Env, later wins: image ENV < app env <
// VCAP_APPLICATION, MEMORY_LIMIT < VCAP_SERVICES (+ DATABASE_URL) < PORT and
// CF_INSTANCE_* (a Dockerfile `ENV PORT` is overridden).
import type Docker from 'dockerode';
import { EventEmitter } from 'node:events';
import { constants as osConstants } from 'node:os';
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import { CfPushError, cancelledError } from '../errors';
import { databaseUrl } from '../staging/env';
import { LineSplitter, engineMessage, type LogFn, type LogStream } from './build';
import { dockerNotRunning, engineAddress } from './engine';
import { appPort, rootWarning, runUser, type ExecutionMetadata } from './metadata';

/** Labels every instance container carries. */
export const LABELS = {
  managed: 'org.cfpush.managed',
  appGuid: 'org.cfpush.app-guid',
  processGuid: 'org.cfpush.process-guid',
  processType: 'org.cfpush.process-type',
  instanceGuid: 'org.cfpush.instance-guid',
  instanceIndex: 'org.cfpush.instance-index',
} as const;

export interface ContainerSpec {
  /** The image reference (or id) the droplet names. */
  image: string;
  /** The droplet's execution metadata (parseExecutionMetadata(droplet.execution_metadata)). */
  metadata: ExecutionMetadata;
  /** process.command, when the user set one. */
  command?: string | null;
  /** process.user, when set. */
  user?: string | null;
  /** Free port on hostIp to publish the app's PORT on; none for a task (no port, nothing published). */
  hostPort?: number;
  /** Default 127.0.0.1. */
  hostIp?: string;
  appGuid: string;
  processGuid?: string;
  processType?: string;
  instanceIndex: number;
  instanceGuid: string;
  /** App env (user env, already merged with env groups). */
  env?: Record<string, string>;
  vcapApplication: Record<string, unknown>;
  vcapServices?: Record<string, unknown[]>;
  /** MEMORY_LIMIT, and the container's memory limit when `enforceMemory`. */
  memoryMb?: number;
  enforceMemory?: boolean;
  /** Extra labels (e.g. one naming the foundation's data dir). */
  labels?: Record<string, string>;
  /** Container name (default `cfpush-<instanceGuid>`). */
  name?: string;
  /** Bind mounts (`host:container[:ro]`), e.g. an exploded droplet for a stack-image instance. */
  binds?: string[];
}

export interface ContainerPlan {
  create: Docker.ContainerCreateOptions;
  /** The container port PORT names (first tcp port, else 8080). */
  port: number;
  user: string;
  warnings: string[];
}

export interface ContainerExit {
  /** The exit status (128 + n when signal n ended it), null when unknown. */
  code: number | null;
  /** The signal that ended it, when the status says so. */
  signal: NodeJS.Signals | null;
  oomKilled: boolean;
  /** The engine's error for the container, or why waiting failed. */
  error?: string;
}

export interface ContainerUsage {
  /** Total CPU time used, nanoseconds (cumulative; diff two samples for a fraction). */
  cpuNs: number;
  memBytes: number;
  memLimitBytes: number;
}

export interface ContainerInstance {
  readonly kind: 'container';
  readonly id: string;
  readonly name: string;
  readonly hostIp: string;
  readonly hostPort?: number;
  /** The app's PORT inside the container. */
  readonly port: number;
  /** The container's bridge address, when it has one. */
  readonly containerIp?: string;
  /** Host pid of the container's init process. */
  readonly pid?: number;
  readonly user: string;
  readonly warnings: string[];
  readonly exited: Promise<ContainerExit>;
  onExit(cb: (exit: ContainerExit) => void): void;
  /** Adds a log listener; returns a function removing it. */
  onLog(cb: LogFn): () => void;
  stop(graceMs?: number): Promise<ContainerExit>;
  kill(): Promise<void>;
  remove(): Promise<void>;
  usage(): Promise<ContainerUsage>;
  healthAddress(): { host: string; port: number };
  exec(cmd: string[], o?: { tty?: { term: string; rows: number; cols: number } }): Promise<ContainerExec>;
}

/** A process `docker exec` started in a container. */
export interface ContainerExec {
  stdin: Writable;
  stdout: Readable;
  /** Empty with a tty. */
  stderr: Readable;
  /** The exit status once the process ended (null when the engine does not say). */
  exited: Promise<number | null>;
  resize(rows: number, cols: number): void;
  kill(): void;
}

export interface SpawnOptions {
  /** Gets every line from the first one on. */
  onLog?: LogFn;
  signal?: AbortSignal;
}

/** The container's create options for a spec (pure: no engine calls). */
export function planContainer(spec: ContainerSpec): ContainerPlan {
  const m = spec.metadata;
  const port = appPort(m);
  const hostIp = spec.hostIp ?? '127.0.0.1';
  const user = runUser(m, spec.user);
  const warnings: string[] = [];
  const root = rootWarning(spec.user || m.user);
  if (root) warnings.push(root);

  let entrypoint: string[] | undefined;
  let cmd: string[] | undefined;
  if (spec.command?.trim()) {
    entrypoint = ['/bin/sh', '-c'];
    cmd = [spec.command];
  } else if (m.entrypoint?.length || m.cmd?.length) {
    entrypoint = m.entrypoint?.length ? m.entrypoint : undefined;
    cmd = m.cmd ?? [];
  } else {
    throw new CfPushError('No start command found or specified', {
      code: 'NoStartCommand',
      hint: 'Give the image a CMD or ENTRYPOINT, or set command: in the manifest (or -c).',
    });
  }

  const published = spec.hostPort !== undefined;
  const vcapApplication = {
    ...spec.vcapApplication,
    host: '0.0.0.0',
    instance_id: spec.instanceGuid,
    instance_index: spec.instanceIndex,
    ...(published ? { port } : {}),
  };
  const vcapServices = spec.vcapServices ?? {};
  const db = databaseUrl(vcapServices);
  const ports: Record<string, string> = published
    ? {
        PORT: String(port),
        CF_INSTANCE_PORT: String(spec.hostPort),
        CF_INSTANCE_ADDR: `${hostIp}:${spec.hostPort}`,
        CF_INSTANCE_PORTS: JSON.stringify([{ external: spec.hostPort, internal: port }]),
      }
    : { CF_INSTANCE_PORTS: '[]' };
  const env: Record<string, string> = {
    ...(spec.env ?? {}),
    VCAP_APPLICATION: JSON.stringify(vcapApplication),
    MEMORY_LIMIT: `${spec.memoryMb ?? 1024}m`,
    VCAP_SERVICES: JSON.stringify(vcapServices),
    ...(db ? { DATABASE_URL: db } : {}),
    ...ports,
    CF_INSTANCE_INDEX: String(spec.instanceIndex),
    CF_INSTANCE_GUID: spec.instanceGuid,
    CF_INSTANCE_IP: hostIp,
    CF_INSTANCE_INTERNAL_IP: hostIp,
    INSTANCE_INDEX: String(spec.instanceIndex),
    INSTANCE_GUID: spec.instanceGuid,
  };

  const labels: Record<string, string> = {
    ...(spec.labels ?? {}),
    [LABELS.managed]: 'true',
    [LABELS.appGuid]: spec.appGuid,
    [LABELS.instanceGuid]: spec.instanceGuid,
    [LABELS.instanceIndex]: String(spec.instanceIndex),
    ...(spec.processGuid ? { [LABELS.processGuid]: spec.processGuid } : {}),
    ...(spec.processType ? { [LABELS.processType]: spec.processType } : {}),
  };

  const portKey = `${port}/tcp`;
  const create: Docker.ContainerCreateOptions = {
    name: spec.name ?? `cfpush-${spec.instanceGuid}`,
    Image: spec.image,
    ...(entrypoint ? { Entrypoint: entrypoint } : {}),
    Cmd: cmd,
    WorkingDir: m.workdir || '/',
    User: user,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    ...(published ? { ExposedPorts: { [portKey]: {} } } : {}),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      Init: true,
      AutoRemove: false,
      ...(spec.binds?.length ? { Binds: spec.binds } : {}),
      ...(published ? { PortBindings: { [portKey]: [{ HostIp: hostIp, HostPort: String(spec.hostPort) }] } } : {}),
      ...(spec.enforceMemory && spec.memoryMb ? { Memory: spec.memoryMb * 1024 * 1024 } : {}),
    },
  };
  return { create, port, user, warnings };
}

/** Creates and starts the container; see the file header for the returned interface. */
export async function spawnContainer(docker: Docker, spec: ContainerSpec, opts: SpawnOptions = {}): Promise<ContainerInstance> {
  const plan = planContainer(spec);
  if (opts.signal?.aborted) throw cancelledError('Starting the container');
  let container: Docker.Container;
  try {
    container = await docker.createContainer(plan.create);
  } catch (err) {
    throw engineError(err, `Could not create the container for instance ${spec.instanceIndex}`, spec.image);
  }
  try {
    if (opts.signal?.aborted) throw cancelledError('Starting the container');
    await container.start();
    const info = await container.inspect();
    return new RunningContainer(docker, container, info, spec, plan, opts.onLog);
  } catch (err) {
    await container.remove({ force: true }).catch(() => {});
    if (err instanceof CfPushError) throw err;
    throw engineError(err, `Could not start the container for instance ${spec.instanceIndex}`, spec.image);
  }
}

function engineError(err: unknown, what: string, image: string): CfPushError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') return dockerNotRunning(engineAddress(), err);
  const status = (err as { statusCode?: number }).statusCode;
  if (status === 404 && /image/i.test(engineMessage(err))) {
    return new CfPushError(`${what}: the image '${image}' is not in the local engine.`, { code: 'DockerImageMissing', cause: err });
  }
  return new CfPushError(`${what}: ${engineMessage(err)}`, { code: 'DockerRunFailed', cause: err });
}

/** The container's address on its (first) network. */
function containerAddress(info: Docker.ContainerInspectInfo): string | undefined {
  const ns = info.NetworkSettings as Docker.ContainerInspectInfo['NetworkSettings'] & { IPAddress?: string };
  if (ns?.IPAddress) return ns.IPAddress;
  for (const n of Object.values(ns?.Networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return undefined;
}

function signalOf(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128 || code > 128 + 64) return null;
  const n = code - 128;
  const entry = Object.entries(osConstants.signals).find(([, v]) => v === n);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}

function ignoreStatus(...codes: number[]) {
  return (err: unknown) => {
    if (!codes.includes((err as { statusCode?: number }).statusCode ?? 0)) throw err;
  };
}

class RunningContainer implements ContainerInstance {
  readonly kind = 'container' as const;
  readonly id: string;
  readonly name: string;
  readonly hostIp: string;
  readonly hostPort?: number;
  readonly port: number;
  readonly containerIp?: string;
  readonly pid?: number;
  readonly user: string;
  readonly warnings: string[];
  readonly exited: Promise<ContainerExit>;
  private readonly events = new EventEmitter();
  private logsDone: Promise<void>;

  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
    info: Docker.ContainerInspectInfo,
    spec: ContainerSpec,
    plan: ContainerPlan,
    onLog?: LogFn,
  ) {
    this.events.setMaxListeners(0);
    this.id = info.Id;
    this.name = info.Name.replace(/^\//, '');
    this.hostIp = spec.hostIp ?? '127.0.0.1';
    this.hostPort = spec.hostPort;
    this.port = plan.port;
    this.containerIp = containerAddress(info);
    this.pid = info.State?.Pid || undefined;
    this.user = plan.user;
    this.warnings = plan.warnings;
    if (onLog) this.events.on('log', onLog);
    this.logsDone = this.followLogs();
    this.exited = this.waitExit();
    this.exited.then((exit) => this.events.emit('exit', exit));
  }

  private async followLogs(): Promise<void> {
    let stream: Readable;
    try {
      stream = (await this.container.logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
    } catch (err) {
      this.events.emit('log', `cf-push: cannot follow the container's logs: ${engineMessage(err)}`, 'stderr');
      return;
    }
    const emit = (s: LogStream) => new LineSplitter((line) => this.events.emit('log', line, s));
    const out = emit('stdout');
    const err = emit('stderr');
    const outPass = new PassThrough();
    const errPass = new PassThrough();
    outPass.on('data', (d: Buffer) => out.push(d.toString('utf8')));
    errPass.on('data', (d: Buffer) => err.push(d.toString('utf8')));
    this.docker.modem.demuxStream(stream, outPass, errPass);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    // demuxStream writes synchronously on 'data'; everything is in by now.
    out.flush();
    err.flush();
  }

  private async waitExit(): Promise<ContainerExit> {
    let exit: ContainerExit;
    try {
      const r = (await this.container.wait()) as { StatusCode?: number; Error?: { Message?: string } | null };
      const code = typeof r.StatusCode === 'number' ? r.StatusCode : null;
      exit = { code, signal: signalOf(code), oomKilled: false, ...(r.Error?.Message ? { error: r.Error.Message } : {}) };
      try {
        const info = await this.container.inspect();
        exit.oomKilled = !!info.State?.OOMKilled;
        if (info.State?.Error) exit.error = info.State.Error;
      } catch {
        /* removed meanwhile: the wait result is all there is */
      }
    } catch (err) {
      exit = { code: null, signal: null, oomKilled: false, error: engineMessage(err) };
    }
    // The last lines before the exit callback, as a child process's 'close' does; never wait long.
    await Promise.race([this.logsDone, new Promise((r) => setTimeout(r, 2000).unref())]);
    return exit;
  }

  onExit(cb: (exit: ContainerExit) => void): void {
    this.exited.then(cb);
  }

  onLog(cb: LogFn): () => void {
    this.events.on('log', cb);
    return () => this.events.off('log', cb);
  }

  async stop(graceMs = 10_000): Promise<ContainerExit> {
    await this.container.stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) }).catch(ignoreStatus(304, 404));
    return this.exited;
  }

  async kill(): Promise<void> {
    await this.container.kill({ signal: 'SIGKILL' }).catch(ignoreStatus(404, 409));
  }

  async remove(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch(ignoreStatus(404, 409));
  }

  async usage(): Promise<ContainerUsage> {
    const s = (await this.container.stats({ stream: false, 'one-shot': true } as { stream: false })) as Docker.ContainerStats;
    return {
      cpuNs: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
      memBytes: s.memory_stats?.usage ?? 0,
      memLimitBytes: s.memory_stats?.limit ?? 0,
    };
  }

  healthAddress(): { host: string; port: number } {
    if ((process.platform === 'linux' && this.containerIp) || this.hostPort === undefined) return { host: this.containerIp ?? this.hostIp, port: this.port };
    return { host: this.hostIp, port: this.hostPort };
  }

  async exec(cmd: string[], o: { tty?: { term: string; rows: number; cols: number } } = {}): Promise<ContainerExec> {
    const tty = !!o.tty;
    const exec = await this.container.exec({
      Cmd: cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty,
      ...(o.tty ? { Env: [`TERM=${o.tty.term}`] } : {}),
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as unknown as Duplex;
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdin.pipe(stream);
    stream.on('error', () => {});
    if (tty) stream.pipe(stdout, { end: false });
    else this.docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
    });
    const exited = ended.then(async () => {
      stdout.end();
      stderr.end();
      const info = await exec.inspect().catch(() => undefined);
      return typeof info?.ExitCode === 'number' ? info.ExitCode : null;
    });
    if (o.tty) await exec.resize({ h: o.tty.rows, w: o.tty.cols }).catch(() => {});
    return {
      stdin,
      stdout,
      stderr,
      exited,
      resize: (rows, cols) => void exec.resize({ h: rows, w: cols }).catch(() => {}),
      kill: () => {
        // The engine cannot signal an exec; on this machine its pid can be (else the stream closes).
        void exec
          .inspect()
          .then((i) => i.Pid && process.kill(i.Pid, 'SIGKILL'))
          .catch(() => {})
          .finally(() => stream.destroy());
      },
    };
  }
}

export interface Leftover {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

function labelFilters(filter: Record<string, string | true>): string[] {
  const out = [`${LABELS.managed}=true`];
  for (const [k, v] of Object.entries(filter)) out.push(v === true ? k : `${k}=${v}`);
  return out;
}

/** Instance containers (running or not) whose labels match every entry (`true` = label present). */
export async function listLeftovers(docker: Docker, filter: Record<string, string | true> = {}): Promise<Leftover[]> {
  const list = await docker.listContainers({ all: true, filters: { label: labelFilters(filter) } });
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
    state: c.State,
    labels: c.Labels ?? {},
  }));
}

/** Force-removes the containers `listLeftovers` finds; returns what it removed. */
export async function removeLeftovers(docker: Docker, filter: Record<string, string | true> = {}): Promise<Leftover[]> {
  const found = await listLeftovers(docker, filter);
  await Promise.all(found.map((c) => docker.getContainer(c.id).remove({ force: true, v: true }).catch(ignoreStatus(404, 409))));
  return found;
}
