// The docker lifecycle's "droplet" (cf-reference.md §5; DAL builder_runner.go,
// protocol.go, helpers.go; CC diego/docker/desired_lrp_builder.rb): staging a
// docker app only reads the image config.
//
// - execution_metadata is DAL's Go struct marshalled: keys in the order
//   cmd, entrypoint, workdir, ports, user; each omitted when empty (omitempty);
//   port entries `{"Port":N,"Protocol":"tcp"}` (no JSON tags, so capitalised),
//   sorted by port number, tcp before udp for the same number.
// - process_types.web is DAL's start command: cmd joined with spaces, and when
//   there is an entrypoint, entrypoint joined + " " + that (DAL keeps the
//   trailing space of an entrypoint without cmd; so do we).
// - PORT: no ports → 8080; else the first tcp port; ports but none tcp →
//   CC's RunnerError "No tcp ports found in image metadata" (raised when the
//   app is run, not when it is staged).
// - user: process.user, else the image's, else root; running as root is
//   allowed but warned about (a real foundation may refuse it).
import type Docker from 'dockerode';
import { CfPushError } from '../errors';
import { engineMessage, type LogFn } from './build';

export const DEFAULT_APP_PORT = 8080;
export const NO_TCP_PORTS = 'No tcp ports found in image metadata';

/** One exposed port as DAL's protocol.Port marshals it. */
export interface DockerPort {
  Port: number;
  Protocol: string;
}

/** DAL's protocol.ExecutionMetadata (fields absent when empty). */
export interface ExecutionMetadata {
  cmd?: string[];
  entrypoint?: string[];
  workdir?: string;
  ports?: DockerPort[];
  user?: string;
}

/** The parts of an image config (`docker image inspect` .Config) staging reads. */
export interface ImageConfigLike {
  Cmd?: string[] | null;
  Entrypoint?: string[] | string | null;
  WorkingDir?: string | null;
  ExposedPorts?: Record<string, unknown> | null;
  User?: string | null;
}

/** What staging a docker app produces (CC's droplet for the docker lifecycle). */
export interface DockerDroplet {
  lifecycle_type: 'docker';
  lifecycle_metadata: { docker_image: string };
  process_types: { web: string };
  /** The JSON string CC stores as droplet.execution_metadata. */
  execution_metadata: string;
  /** The same, parsed. */
  metadata: ExecutionMetadata;
  /** The image id the metadata was read from, when known. */
  imageId?: string;
  /** Things the user should know (the image runs as root). */
  warnings: string[];
}

/** Ports from an image's ExposedPorts ("8080/tcp", "53/udp", "9000"), sorted as DAL sorts them. */
export function exposedPorts(exposed: Record<string, unknown> | null | undefined): DockerPort[] {
  const ports: DockerPort[] = [];
  for (const key of Object.keys(exposed ?? {})) {
    const [num, proto] = key.split('/');
    const port = Number(num);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new CfPushError(`The image exposes an invalid port '${key}'.`, { code: 'StagingError' });
    }
    ports.push({ Port: port, Protocol: (proto || 'tcp').toLowerCase() });
  }
  return ports.sort((a, b) => a.Port - b.Port || (a.Protocol === 'tcp' ? -1 : b.Protocol === 'tcp' ? 1 : 0));
}

/** DAL's execution metadata for an image config. */
export function executionMetadata(config: ImageConfigLike): ExecutionMetadata {
  const entrypoint = typeof config.Entrypoint === 'string' ? [config.Entrypoint] : config.Entrypoint;
  const m: ExecutionMetadata = {};
  if (config.Cmd?.length) m.cmd = [...config.Cmd];
  if (entrypoint?.length) m.entrypoint = [...entrypoint];
  if (config.WorkingDir) m.workdir = config.WorkingDir;
  const ports = exposedPorts(config.ExposedPorts);
  if (ports.length) m.ports = ports;
  if (config.User) m.user = config.User;
  return m;
}

/** The JSON text, byte for byte as Go's json.Marshal writes DAL's struct. */
export function serializeExecutionMetadata(m: ExecutionMetadata): string {
  const out: Record<string, unknown> = {};
  if (m.cmd?.length) out.cmd = m.cmd;
  if (m.entrypoint?.length) out.entrypoint = m.entrypoint;
  if (m.workdir) out.workdir = m.workdir;
  if (m.ports?.length) out.ports = m.ports.map((p) => ({ Port: p.Port, Protocol: p.Protocol }));
  if (m.user) out.user = m.user;
  // Go escapes <, >, & and U+2028/2029 in strings; JSON.stringify does not.
  return JSON.stringify(out).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Reads a droplet's execution_metadata (CC stores the JSON string). */
export function parseExecutionMetadata(json: string | undefined | null): ExecutionMetadata {
  if (!json) return {};
  try {
    const raw = JSON.parse(json) as Record<string, unknown>;
    const m: ExecutionMetadata = {};
    if (Array.isArray(raw.cmd) && raw.cmd.length) m.cmd = raw.cmd.map(String);
    if (Array.isArray(raw.entrypoint) && raw.entrypoint.length) m.entrypoint = raw.entrypoint.map(String);
    if (typeof raw.workdir === 'string' && raw.workdir) m.workdir = raw.workdir;
    if (Array.isArray(raw.ports) && raw.ports.length) {
      m.ports = (raw.ports as Record<string, unknown>[]).map((p) => ({
        Port: Number(p.Port ?? p.port),
        Protocol: String(p.Protocol ?? p.protocol ?? 'tcp'),
      }));
    }
    if (typeof raw.user === 'string' && raw.user) m.user = raw.user;
    return m;
  } catch (err) {
    throw new CfPushError('The droplet has invalid docker execution metadata.', { code: 'CF-RunnerError', cause: err });
  }
}

/** DAL's detected start command (process_types.web). */
export function startCommand(m: ExecutionMetadata): string {
  const cmd = (m.cmd ?? []).join(' ');
  return m.entrypoint?.length ? `${m.entrypoint.join(' ')} ${cmd}` : cmd;
}

/** The tcp ports routes may use, in order (CC's `ports`); throws CC's RunnerError when the image has ports but none tcp. */
export function appPorts(m: ExecutionMetadata): number[] {
  if (!m.ports?.length) return [DEFAULT_APP_PORT];
  const tcp = m.ports.filter((p) => p.Protocol === 'tcp').map((p) => p.Port);
  if (!tcp.length) {
    throw new CfPushError(NO_TCP_PORTS, {
      code: 'CF-RunnerError',
      hint: 'EXPOSE a tcp port in the Dockerfile (for example `EXPOSE 8080`); routes and PORT need one.',
    });
  }
  return tcp;
}

/** The PORT the app listens on: the first tcp port, else 8080. */
export function appPort(m: ExecutionMetadata): number {
  return appPorts(m)[0]!;
}

/** The user an instance runs as (§5): process.user, else the image's, else root. */
export function runUser(m: ExecutionMetadata, processUser?: string | null): string {
  return processUser || m.user || 'root';
}

/** root, 0, root:x, 0:x — or no user at all. */
export function isRootUser(user: string | undefined | null): boolean {
  if (!user) return true;
  const name = user.split(':')[0]!.trim();
  return name === '' || name === 'root' || name === '0';
}

export function rootWarning(user: string | undefined | null): string | undefined {
  if (!isRootUser(user)) return undefined;
  return `The image runs as root (${user ? `USER ${user}` : 'no USER in the image'}). Add a non-root USER to the Dockerfile: a foundation that refuses root reports "Attempting to run process as root user, which is not permitted."`;
}

/** The docker droplet for an image reference and its config (pure; see `stageDockerImage`). */
export function dockerDroplet(image: string, config: ImageConfigLike, imageId?: string): DockerDroplet {
  const metadata = executionMetadata(config);
  const warnings: string[] = [];
  const root = rootWarning(metadata.user);
  if (root) warnings.push(root);
  return {
    lifecycle_type: 'docker',
    lifecycle_metadata: { docker_image: image },
    process_types: { web: startCommand(metadata) },
    execution_metadata: serializeExecutionMetadata(metadata),
    metadata,
    ...(imageId ? { imageId } : {}),
    warnings,
  };
}

export interface StageDockerOptions {
  /** Pull the image when the engine does not have it (default true). */
  pull?: boolean;
  /** Registry credentials for the pull (username + CF_DOCKER_PASSWORD). */
  auth?: { username: string; password: string; serveraddress?: string };
  log?: LogFn;
  signal?: AbortSignal;
}

/**
 * Stages a docker app as CC does: reads the image's metadata (pulling it
 * first if the engine lacks it) and returns the docker droplet. Warnings are
 * also logged (stderr).
 */
export async function stageDockerImage(docker: Docker, image: string, opts: StageDockerOptions = {}): Promise<DockerDroplet> {
  const info = await ensureImage(docker, image, opts);
  const droplet = dockerDroplet(image, info.Config ?? {}, info.Id);
  for (const w of droplet.warnings) opts.log?.(`WARNING: ${w}`, 'stderr');
  return droplet;
}

/** `docker image inspect`, pulling the image first when the engine does not have it. */
export async function ensureImage(docker: Docker, image: string, opts: StageDockerOptions = {}): Promise<Docker.ImageInspectInfo> {
  try {
    return await docker.getImage(image).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    if (opts.pull === false) {
      throw new CfPushError(`The Docker image '${image}' is not in the local engine.`, { code: 'StagingError', cause: err });
    }
  }
  opts.log?.(`Pulling ${image}`, 'stdout');
  try {
    const stream = await docker.pull(image, { ...(opts.auth ? { authconfig: opts.auth } : {}), abortSignal: opts.signal });
    await new Promise<void>((resolvePromise, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, res: Array<{ error?: string }>) => {
          const failed = res?.find((r) => r.error);
          if (err || failed) reject(err ?? new Error(failed!.error));
          else resolvePromise();
        },
        (e: { status?: string; id?: string; progress?: string }) => {
          if (e.status && !e.progress) opts.log?.(`${e.id ? `${e.id}: ` : ''}${e.status}`, 'stdout');
        },
      );
    });
  } catch (err) {
    throw new CfPushError(`Could not pull the Docker image '${image}': ${engineMessage(err)}`, {
      code: 'StagingError',
      hint: 'Check the image reference and registry credentials (username in the manifest, password in CF_DOCKER_PASSWORD), or build the image locally.',
      cause: err,
    });
  }
  return docker.getImage(image).inspect();
}
