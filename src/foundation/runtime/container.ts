// The container runtime: a docker-lifecycle droplet's process runs as a
// container of its image (core/docker/run.ts spawnContainer, cf-reference.md
// §5), and with `--app-runtime container` a buildpack droplet's runs in the
// stack image (stack-instances.ts). The app's port is published on 127.0.0.1
// on the spec's port, which the router uses as for a host process. Health
// checks go to the container's own address (the engine's proxy on the host
// port accepts before the app listens); usage comes from the engine's stats,
// sampled in the background; a stop is `docker stop` with the grace; an
// exited container is removed. Containers carry the foundation's label, so a
// restarted foundation removes what a killed one left (docker.ts). `exec` is
// a `docker exec` in the container: bash with the droplet's profile.d in a
// stack container (SESSION_SCRIPT), the image's /bin/sh in a docker app's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnContainer, type ContainerInstance, type ContainerSpec } from '../../core/docker/run';
import { SESSION_SCRIPT } from '../../core/staging/launcher';
import { APP_RUNTIME_FILE } from '../context';
import type { FoundationDocker } from '../docker';
import { stackInstanceSpec } from '../stack-instances';
import type { ExecProcess, ExecSpec, ProcessExit, ProcessIO, ProcessSpec, RunningProcess, Runtime, Usage } from './types';

/** A docker image's shell (interactive on a terminal): bash when it has one. */
const IMAGE_SHELL = '[ -t 0 ] && i=-i; command -v bash >/dev/null 2>&1 && exec bash $i; exec sh $i';

export interface ContainerRuntimeOptions {
  dataDir: string;
  /** The image buildpack droplets run in. */
  stackImage: string;
  /** This foundation runs buildpack droplets here too (`--app-runtime container`). */
  buildpackDroplets: boolean;
}

export class ContainerRuntime implements Runtime {
  constructor(
    private readonly docker: FoundationDocker,
    private readonly o: ContainerRuntimeOptions,
  ) {}

  async start(spec: ProcessSpec, io: ProcessIO): Promise<RunningProcess> {
    let c: ContainerInstance;
    try {
      const engine = await this.docker.engine();
      c = await spawnContainer(engine, this.containerSpec(spec), { onLog: (line, stream) => io.log(line, stream) });
    } catch (err) {
      this.docker.forget(err);
      throw err;
    }
    for (const w of c.warnings) io.note(`WARNING: ${w}`, 'stdout');
    return new Container(c, 'dir' in spec.droplet);
  }

  /** The image's container for a docker droplet; the stack image's, with the droplet mounted, for a buildpack one. */
  private containerSpec(spec: ProcessSpec): ContainerSpec {
    const base = {
      hostPort: spec.port,
      appGuid: spec.appGuid,
      processGuid: spec.processGuid,
      processType: spec.processType,
      instanceIndex: spec.index,
      instanceGuid: spec.guid,
      env: { ...spec.env },
      vcapApplication: spec.vcapApplication,
      vcapServices: spec.vcapServices,
      memoryMb: spec.memoryMb,
      labels: this.docker.labels(),
    };
    const d = spec.droplet;
    if ('image' in d) return { ...base, image: d.image, metadata: d.metadata, command: spec.command };
    return stackInstanceSpec(base, { dropletDir: d.dir, command: spec.command ?? d.command, image: this.o.stackImage });
  }

  /**
   * Removes the containers a killed foundation on this data dir left: docker apps' always
   * (when there are any), buildpack droplets' when this foundation or the last one ran them here.
   */
  async removeLeftovers(): Promise<void> {
    await this.docker.removeLeftovers(this.o.buildpackDroplets || this.previousRuntime() === 'container');
  }

  /** The app runtime of the foundation that last ran on this data dir (server.ts writes it; a stop does not remove it). */
  private previousRuntime(): string | undefined {
    try {
      return readFileSync(join(this.o.dataDir, APP_RUNTIME_FILE), 'utf8').trim();
    } catch {
      return undefined;
    }
  }
}

/** One container, as a RunningProcess. */
class Container implements RunningProcess {
  readonly ports: { external: number; internal: number };
  readonly exited: Promise<ProcessExit>;
  private done = false;
  private readonly startedAt = Date.now();
  /** The engine's last usage sample, and the one before it (for a CPU fraction). */
  private sample?: { at: number; cpuNs: number; memBytes: number; prev?: { at: number; cpuNs: number } };
  private sampling = false;

  constructor(
    private readonly c: ContainerInstance,
    /** A buildpack droplet in the stack image (else a docker image). */
    private readonly stack: boolean,
  ) {
    this.ports = { external: c.hostPort ?? 0, internal: c.port };
    this.exited = c.exited.then((exit) => {
      this.done = true;
      void c.remove().catch(() => {});
      const reason = exit.oomKilled ? 'out of memory' : exit.error;
      return { status: exit.code ?? 137, ...(reason ? { reason } : {}) };
    });
    this.refreshUsage();
  }

  running(): boolean {
    return !this.done;
  }

  healthAddress(): { host: string; port: number } {
    return this.c.healthAddress();
  }

  async stop(graceMs: number): Promise<void> {
    await this.c.stop(graceMs).catch(() => this.c.kill().then(() => this.c.exited));
    await this.c.remove().catch(() => {});
    await this.exited;
  }

  kill(): void {
    void this.c.kill().catch(() => {});
  }

  /** From the last sample (asking the engine for a new one when it is over a second old). */
  usage(): Usage | undefined {
    const s = this.sample;
    if (!s || Date.now() - s.at > 1000) this.refreshUsage();
    if (!s) return undefined;
    const base = s.prev ?? { at: this.startedAt, cpuNs: 0 };
    const cpu = s.at > base.at ? Math.max(0, (s.cpuNs - base.cpuNs) / 1e6 / (s.at - base.at)) : 0;
    return { cpu, memBytes: s.memBytes };
  }

  async exec(spec: ExecSpec): Promise<ExecProcess> {
    const cmd = this.stack ? ['bash', '-c', SESSION_SCRIPT, 'cf-ssh', spec.command ?? ''] : ['/bin/sh', '-c', spec.command || IMAGE_SHELL];
    const e = await this.c.exec(cmd, { tty: spec.tty });
    return { ...e, exited: e.exited.then((status) => ({ status: status ?? 255 })) };
  }

  /** Container ports are published on 127.0.0.1 only. */
  async exposure(): Promise<undefined> {
    return undefined;
  }

  /** Asks the engine for the usage (one request at a time). */
  private refreshUsage(): void {
    if (this.sampling || this.done) return;
    this.sampling = true;
    void this.c
      .usage()
      .then((u) => {
        const prev = this.sample ? { at: this.sample.at, cpuNs: this.sample.cpuNs } : undefined;
        this.sample = { at: Date.now(), cpuNs: u.cpuNs, memBytes: u.memBytes, ...(prev ? { prev } : {}) };
      })
      .catch(() => {})
      .finally(() => (this.sampling = false));
  }
}
