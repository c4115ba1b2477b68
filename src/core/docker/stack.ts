// The stack image (issue 5 item 6, issue 8): the root file system buildpack
// scripts and droplets run on for parity staging and exported images, the
// counterpart of CF's cflinuxfs4. The default, cfpush/stack:bookworm, is a
// Debian bookworm minbase root with a `vcap` user (uid/gid 2000, home
// /home/vcap, bash): `bash test/hosts/stack-image.sh` builds it from Debian's
// mirror without any registry; where a registry is reachable a same-named
// image is pulled instead. `--stack IMAGE` uses any image that has bash and
// a vcap user.
import type Docker from 'dockerode';
import { CfPushError, cancelledError } from '../errors';
import { LAUNCHER_SCRIPT } from '../staging/launcher';
import { engineMessage } from './build';
import { connectEngine } from './engine';

export const DEFAULT_STACK_IMAGE = 'cfpush/stack:bookworm';
/** The user buildpack scripts and apps run as (cf-reference.md §4.1, §5). */
export const VCAP_UID = 2000;
export const VCAP_HOME = '/home/vcap';
export const STACK_NOT_FOUND = 'StackImageNotFound';

export interface StackImage {
  /** The reference asked for (`cfpush/stack:bookworm`). */
  image: string;
  id: string;
  /** How it was obtained this time. */
  source: 'local' | 'pulled';
}

export interface EnsureStackOptions {
  /** default DEFAULT_STACK_IMAGE */
  image?: string;
  docker?: Docker;
  /** Try a registry when the image is not in the engine (default true). */
  pull?: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** The hint for a missing stack image: how to build the default one here, or pull another. */
export function stackImageHint(image: string): string {
  return image === DEFAULT_STACK_IMAGE
    ? `Build it locally with \`sudo bash test/hosts/stack-image.sh\` in a cf-push checkout (debootstrap of Debian bookworm from your Debian mirror, about 2-3 minutes, 347 MB with the web servers and interpreters the built-in buildpacks run), or \`docker pull ${image}\` where a registry has it; or name another image with --stack IMAGE (it needs bash and a vcap user, uid 2000).`
    : `Pull or build ${image} first (\`docker pull ${image}\`); it needs bash and a vcap user (uid 2000). Without --stack the default ${DEFAULT_STACK_IMAGE} is used.`;
}

/** The stack image is in the engine (pulled if not, where a registry answers); throws with how to get it otherwise. */
export async function ensureStackImage(opts: EnsureStackOptions = {}): Promise<StackImage> {
  const image = opts.image || DEFAULT_STACK_IMAGE;
  const docker = opts.docker ?? (await connectEngine({ signal: opts.signal }));
  try {
    const info = await docker.getImage(image).inspect();
    return { image, id: info.Id, source: 'local' };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  let pullError = 'not tried';
  if (opts.pull !== false) {
    opts.log?.(`Stack image ${image} is not in the engine: pulling it`);
    try {
      await pull(docker, image, opts.log, opts.signal);
      const info = await docker.getImage(image).inspect();
      return { image, id: info.Id, source: 'pulled' };
    } catch (err) {
      if (opts.signal?.aborted) throw cancelledError('Getting the stack image');
      pullError = engineMessage(err).split('\n')[0]!;
    }
  }
  throw new CfPushError(`The stack image ${image} is not in the Docker engine and could not be pulled (${pullError}).`, {
    code: STACK_NOT_FOUND,
    hint: stackImageHint(image),
  });
}

async function pull(docker: Docker, image: string, log?: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const stream = (await docker.pull(image, { abortSignal: signal } as object)) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: { error?: string }[]) => {
        const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
        if (failed) reject(failed);
        else resolve();
      },
      (e: { status?: string; id?: string }) => {
        if (e.status && !e.id) log?.(e.status);
      },
    );
  });
}

export interface DropletContainerOptions {
  docker: Docker;
  /** default DEFAULT_STACK_IMAGE */
  image?: string;
  /** An exploded droplet (app/, deps/, profile.d/, staging_info.yml...) on this machine; mounted read-only at /home/vcap. */
  dropletDir: string;
  startCommand: string;
  /** Publish the app's port 8080 on 127.0.0.1:hostPort. */
  hostPort: number;
  env?: Record<string, string>;
  name?: string;
  labels?: Record<string, string>;
}

/**
 * A container that runs an exploded droplet inside the stack image with the
 * launcher, as Diego would (cwd /home/vcap, user vcap, PORT 8080). Created,
 * not started.
 */
export async function createDropletContainer(o: DropletContainerOptions): Promise<Docker.Container> {
  const env = {
    PORT: '8080',
    HOME: `${VCAP_HOME}/app`,
    TMPDIR: `${VCAP_HOME}/tmp`,
    DEPS_DIR: `${VCAP_HOME}/deps`,
    USER: 'vcap',
    LANG: 'en_US.UTF-8',
    VCAP_APPLICATION: JSON.stringify({ host: '0.0.0.0', port: 8080, instance_index: 0 }),
    VCAP_SERVICES: '{}',
    ...(o.env ?? {}),
  };
  return o.docker.createContainer({
    name: o.name,
    Image: o.image || DEFAULT_STACK_IMAGE,
    User: 'vcap',
    WorkingDir: VCAP_HOME,
    Cmd: ['bash', '-c', LAUNCHER_SCRIPT, 'launcher', `${VCAP_HOME}/app`, o.startCommand],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: { '8080/tcp': {} },
    Labels: o.labels,
    HostConfig: {
      Init: true,
      Binds: [`${o.dropletDir}:${VCAP_HOME}:ro`],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(o.hostPort) }] },
    },
  });
}
