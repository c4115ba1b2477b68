// The one interface between the supervisor and what runs app code, as
// Diego's executor talks to every backend alike: a Runtime starts a process
// from a spec (droplet, command, env, limits, port) and hands back a
// RunningProcess that can be signalled, stopped, inspected (health address,
// ports, usage) and reports its exit once. Two implementations: host
// processes (process.ts, the default) and containers (container.ts, for
// docker-lifecycle apps and `--app-runtime container`). The supervisor
// decides which runtime a droplet gets, and owns everything around the
// process: desired state, instances, health (health.ts), crashes, back-off,
// log sources.
//
// A long-running app instance is one use of `start`; the two others:
// - a task (`cf run-task`, tasks.ts): `start` with the task's own command,
//   env and memory and no `port` (Diego gives a task none); its output is
//   logged as APP/TASK/<name>; `await exited` gives the status that makes it
//   SUCCEEDED or FAILED; `stop` cancels it.
// - an ssh session (`cf ssh`, ssh/): `exec` runs a command (or a shell)
//   inside a running instance's environment: the host-process runtime with
//   the env and working dir it launched the instance with, the container
//   runtime as a `docker exec` in the container. A session carries bytes both
//   ways (a pty's escape sequences, a `cat` of a binary file) and can be
//   resized, so it gets streams (ExecProcess), not ProcessIO's log lines.
import type { Readable, Writable } from 'node:stream';
import type { ExecutionMetadata } from '../../core/docker/metadata';
import type { Address } from './health';

export type Stream = 'stdout' | 'stderr';

/** What to run a process from. */
export type DropletSource =
  /** An exploded buildpack droplet on this machine, and the start command of the process type (process_types). */
  | { dir: string; command?: string }
  /** A docker image and its execution metadata (its entrypoint and cmd start it). */
  | { image: string; metadata: ExecutionMetadata };

/** How to start one process. */
export interface ProcessSpec {
  droplet: DropletSource;
  /** The process's own command; else the droplet's (the process type's, staging_info.yml's, the image's). */
  command?: string;
  /** The app's env (user env and env groups); the runtime adds CF's (VCAP_*, PORT, CF_INSTANCE_*, MEMORY_LIMIT). */
  env: Record<string, string>;
  vcapApplication: Record<string, unknown>;
  vcapServices: Record<string, unknown[]>;
  memoryMb: number;
  /** Who it is: CF_INSTANCE_INDEX / CF_INSTANCE_GUID, and a container's name and labels. */
  appGuid: string;
  processGuid: string;
  processType: string;
  index: number;
  guid: string;
  /** The free port on 127.0.0.1 the app's PORT is reachable on (the router's backend); none for a task. */
  port?: number;
}

/** What `exec` runs in a running process's environment (an ssh session). */
export interface ExecSpec {
  /** A command for the shell; none (or '') runs an interactive shell. */
  command?: string;
  /** A pseudo-terminal (`cf ssh -t`): its TERM and size; else plain pipes. */
  tty?: { term: string; rows: number; cols: number };
}

/** A process started by `exec`: its raw streams and its exit. */
export interface ExecProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Empty with a tty (a terminal has one output). */
  readonly stderr: Readable;
  /** Resolves once, after the last output. */
  readonly exited: Promise<ProcessExit>;
  /** A new terminal size (with a tty). */
  resize(rows: number, cols: number): void;
  kill(): void;
}

/** Where the process's output and the runtime's own remarks go. */
export interface ProcessIO {
  /** Every line the process writes, in order. */
  log(line: string, stream: Stream): void;
  /** What the runtime says about the process (an image warning, a failed spawn); the supervisor logs it as the cell. */
  note(text: string, stream: Stream): void;
}

export interface ProcessExit {
  /** The exit status, 128 + n when signal n ended it. */
  status: number;
  /** What else the runtime knows of why (e.g. 'out of memory'). */
  reason?: string;
}

export interface Usage {
  /** CPU as a fraction of one core, since the last sample (the first: since the start). */
  cpu: number;
  memBytes: number;
}

export interface RunningProcess {
  /** The router's backend (external, on 127.0.0.1) and the app's PORT (internal); 0 for a task. */
  readonly ports: { external: number; internal: number };
  /** Resolves once, after the last log line; the runtime cleans up what the process left (its group, its container). */
  readonly exited: Promise<ProcessExit>;
  /** Not exited yet. */
  running(): boolean;
  /** Where a `port` or `http` health check connects. */
  healthAddress(): Address;
  /** SIGTERM, SIGKILL after graceMs; resolves once it has exited and been cleaned up. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now; `exited` follows. */
  kill(): void;
  /** The latest usage; undefined when none is known (yet). */
  usage(): Usage | undefined;
  /** Once healthy: why the process can be reached past the router, when it can. */
  exposure(): Promise<string | undefined>;
  /** Runs a command or a shell in the process's environment (working dir, env; its container). */
  exec(spec: ExecSpec): Promise<ExecProcess>;
}

/** Runs processes of one kind: host processes or containers. */
export interface Runtime {
  /** Resolves once the process runs; throws when it cannot start (leaving nothing behind). */
  start(spec: ProcessSpec, io: ProcessIO): Promise<RunningProcess>;
  /** Ends what a killed foundation on this data dir left running, and waits until it is gone. */
  removeLeftovers(): Promise<void>;
}
