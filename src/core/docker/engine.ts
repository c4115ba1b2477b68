// The Docker engine the docker lifecycle talks to (issue 5): DOCKER_HOST when
// set (unix://, tcp://, ssh:// as the docker CLI reads it), else the local
// socket (/var/run/docker.sock, or ~/.docker/run/docker.sock of newer Docker
// Desktop installs). Every docker feature goes through `connectEngine`, so a
// missing engine always gives the same message: Docker is not running, how to
// start it, and that buildpack pushes do not need it.
import type Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CfPushError } from '../errors';

export const DOCKER_NOT_RUNNING = 'DockerNotRunning';
const DEFAULT_PING_TIMEOUT_MS = 3000;

export interface EngineOptions {
  /** An engine address ("unix:///path", "tcp://host:2375"); default DOCKER_HOST, else the local socket. */
  host?: string;
  /** How long `ping` may take before the engine counts as not running. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Where the engine is expected, as the user would write DOCKER_HOST. */
export function engineAddress(host = process.env.DOCKER_HOST): string {
  if (host) return host;
  const user = join(homedir(), '.docker', 'run', 'docker.sock');
  return `unix://${existsSync(user) ? user : '/var/run/docker.sock'}`;
}

/** A client for the engine (no I/O yet; use `connectEngine` to know it answers). */
export async function dockerClient(host?: string): Promise<Docker> {
  // dockerode on first use: loading it costs a process several MB resident, and most runs never talk to Docker.
  const { default: Docker } = await import('dockerode');
  if (!host) return new Docker(); // docker-modem reads DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('/')) return new Docker({ socketPath: host });
  const u = new URL(host.includes('//') ? host : `tcp://${host}`);
  const protocol = u.protocol === 'ssh:' ? 'ssh' : u.protocol === 'https:' || u.port === '2376' ? 'https' : 'http';
  return new Docker({ host: u.hostname, port: u.port || (protocol === 'https' ? 2376 : 2375), protocol });
}

/** The error every docker feature reports when the engine does not answer. */
export function dockerNotRunning(address: string, cause?: unknown): CfPushError {
  const why = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : cause ? String(cause) : '';
  return new CfPushError(
    [
      `Docker is not running: no Docker engine answers at ${address}${why ? ` (${why})` : ''}.`,
      'Start it with `sudo dockerd` (Linux), by opening Docker Desktop (macOS, Windows), or in a cf-push checkout with `bash test/hosts/docker-host.sh`; set DOCKER_HOST if the engine listens elsewhere.',
      'Buildpack pushes still work without Docker: only apps with a Dockerfile or a docker image need it.',
    ].join('\n'),
    { code: DOCKER_NOT_RUNNING, cause },
  );
}

/** A client whose engine answered a ping within the timeout; throws `dockerNotRunning` otherwise. */
export async function connectEngine(opts: EngineOptions = {}): Promise<Docker> {
  const address = engineAddress(opts.host);
  let docker: Docker;
  try {
    docker = await dockerClient(opts.host);
  } catch (err) {
    throw dockerNotRunning(address, err);
  }
  await pingEngine(docker, address, opts.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS, opts.signal);
  return docker;
}

async function pingEngine(docker: Docker, address: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      // dockerode 5 takes options here; its typings (v4) do not say so.
      (docker.ping as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>)({ abortSignal: abort.signal }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw dockerNotRunning(address, err);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Engine version facts for logs ("Docker 20.10.24, API 1.41"). */
export async function engineVersion(docker: Docker): Promise<{ version: string; apiVersion: string }> {
  const v = await docker.version();
  return { version: v.Version, apiVersion: v.ApiVersion };
}
