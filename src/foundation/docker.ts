// The local foundation's Docker engine (issue 5): one lazily connected client
// per foundation, used to stage docker packages (read the image config, CC's
// docker droplet: cf-reference.md §1.3, §5) and by the container runtime
// (runtime/container.ts) to run instances as containers. The engine is
// whatever the foundation process sees (DOCKER_HOST, else the local socket):
// the same one `cfpush push` builds images with, so a locally built image
// needs no registry.
//
// Containers carry a label naming this foundation's data dir, so a restarted
// foundation removes what a killed one left running (and only that).
import type Docker from 'dockerode';
import { connectEngine, DOCKER_NOT_RUNNING } from '../core/docker/engine';
import { listLeftovers, removeLeftovers, type Leftover } from '../core/docker/run';
import { stageDockerImage, type DockerDroplet } from '../core/docker/metadata';
import type { LogFn } from '../core/docker/build';
import type { Foundation } from './context';
import type { PackageRec } from './store';

/** The label every container of a foundation carries: its data dir. */
export const FOUNDATION_LABEL = 'org.cfpush.foundation';

export class FoundationDocker {
  private client?: Promise<Docker>;

  constructor(private readonly f: Foundation) {}

  /** A client whose engine answers; throws the DockerNotRunning error (and forgets the client) otherwise. */
  engine(signal?: AbortSignal): Promise<Docker> {
    const c = (this.client ??= connectEngine({ signal }));
    c.catch(() => {
      if (this.client === c) this.client = undefined;
    });
    return c;
  }

  /** Drops the cached client after an engine error, so the next call pings again. */
  forget(err: unknown): void {
    if ((err as { code?: string })?.code === DOCKER_NOT_RUNNING) this.client = undefined;
  }

  /** Labels for a container of this foundation. */
  labels(): Record<string, string> {
    return { [FOUNDATION_LABEL]: this.f.store.dataDir };
  }

  /** Stages a docker package: reads (pulling if needed) the image config into CC's docker droplet. */
  async stage(pkg: PackageRec, log: LogFn, signal?: AbortSignal): Promise<DockerDroplet> {
    const image = pkg.docker?.image ?? '';
    const docker = await this.engine(signal);
    const auth =
      pkg.docker?.username && pkg.docker.password
        ? { username: pkg.docker.username, password: pkg.docker.password, serveraddress: registryOf(image) }
        : undefined;
    return stageDockerImage(docker, image, { log, signal, ...(auth ? { auth } : {}) });
  }

  /** Whether the state mentions docker at all (no engine round trip at start otherwise). */
  hasDockerApps(): boolean {
    return this.f.store.list('droplets').some((d) => !!d.image) || this.f.store.list('apps').some((a) => a.lifecycle.type === 'docker');
  }

  /**
   * Removes the containers a killed foundation on this data dir left (none when the engine is not running);
   * `always`: even when no app is a docker app (buildpack instances in the stack image).
   */
  async removeLeftovers(always = false): Promise<Leftover[]> {
    if (!always && !this.hasDockerApps()) return [];
    let docker: Docker;
    try {
      docker = await connectEngine({ timeoutMs: 2000 });
    } catch {
      return [];
    }
    return removeLeftovers(docker, { [FOUNDATION_LABEL]: this.f.store.dataDir });
  }

  /** This foundation's containers (tests and diagnostics). */
  async containers(): Promise<Leftover[]> {
    return listLeftovers(await this.engine(), { [FOUNDATION_LABEL]: this.f.store.dataDir });
  }
}

const engines = new WeakMap<Foundation, FoundationDocker>();

/** The foundation's docker helper (one per foundation). */
export function dockerOf(f: Foundation): FoundationDocker {
  let d = engines.get(f);
  if (!d) engines.set(f, (d = new FoundationDocker(f)));
  return d;
}

/** The registry host of an image reference, for credentials ("docker.io" when none is named). */
export function registryOf(image: string): string {
  const first = image.split('/')[0]!;
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'https://index.docker.io/v1/';
}
