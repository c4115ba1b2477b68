// The docker lifecycle's package (cf-reference.md §1.1 step 5′): CC stages a
// docker package by reading the image's metadata; the password comes from
// CF_DOCKER_PASSWORD, never from a flag or the manifest.
import type Docker from 'dockerode';
import type { CcApp, CcPackage } from '../cc/types';
import { buildImage, engineMessage, imageRepository } from '../docker/build';
import { connectEngine } from '../docker/engine';
import { appPorts, parseExecutionMetadata } from '../docker/metadata';
import { CfPushError } from '../errors';
import type { AppManifest } from '../manifest/types';
import type { Session } from '../session';
import { dockerLifecycleReason } from '../staging/detect';
import type { PushOptions, Reporter } from './index';
import { pollUntil, STAGING_TIMEOUT_MS } from './poll';

export async function dockerPackage(
  session: Session,
  app: CcApp,
  image: string,
  username: string | undefined,
  r: Reporter,
  signal?: AbortSignal,
): Promise<CcPackage> {
  const password = process.env.CF_DOCKER_PASSWORD;
  if (username && !password) {
    throw new CfPushError('Environment variable CF_DOCKER_PASSWORD not set.', {
      hint: 'Set CF_DOCKER_PASSWORD to the registry password for --docker-username.',
    });
  }
  r.step(`Using docker image ${image}`);
  const pkg = await session.cc.packages.createDocker(app.guid, username ? { image, username, password } : { image });
  const ready = await pollUntil(
    () => session.cc.packages.get(pkg.guid),
    (p) => p.state !== 'PROCESSING_UPLOAD' && p.state !== 'AWAITING_UPLOAD' && p.state !== 'COPYING',
    { what: 'the docker package', timeoutMs: STAGING_TIMEOUT_MS, signal },
  );
  if (ready.state !== 'READY') throw new CfPushError(`The docker package for '${app.name}' is ${ready.state}.`);
  return ready;
}

// ---------------------------------------------------------------------------
// A folder with a Dockerfile (issue 5): no buildpacks, no docker.image in the
// manifest, no -b / --droplet / --stage-locally → the image is built with the
// local Docker engine (output streamed as `[STG/0]` lines) and pushed as a
// docker package. The local foundation runs images from the same engine; a
// remote target can only pull from a registry, so the image is pushed to the
// one the user configured (`--docker-registry HOST/REPO` or
// CFPUSH_DOCKER_REGISTRY; credentials CF_DOCKER_USERNAME / CF_DOCKER_PASSWORD),
// and without one the push stops and says so.

/** Apps whose image is built from their folder's Dockerfile at push time. */
export interface DockerfileApp extends AppManifest {
  /** Set by `markDockerfileApp`: build this folder's Dockerfile. */
  dockerfile?: string;
}

/** Whether an app is pushed by building its folder's Dockerfile. */
export function usesDockerfile(app: AppManifest, opts: Pick<PushOptions, 'droplet' | 'stageLocally' | 'buildpacks'>): boolean {
  if (app.docker || app.buildpacks?.length || opts.buildpacks?.length || opts.droplet || opts.stageLocally) return false;
  const lifecycle = app.raw.lifecycle;
  if (lifecycle !== undefined && lifecycle !== 'docker') return false;
  return !!dockerLifecycleReason(app.path);
}

/** Marks a Dockerfile app: the docker key (so apply_manifest makes a docker-lifecycle app) until the real image is known. */
export function markDockerfileApp(app: AppManifest): DockerfileApp {
  const docker = { image: `${imageRepository(app.name)}:latest` };
  const raw: Record<string, unknown> = { ...app.raw, docker };
  delete raw.path;
  return { ...app, docker, raw, dockerfile: 'Dockerfile' };
}

export interface BuiltForPush {
  image: string;
  username?: string;
}

/** The registry for a remote target: the option, else CFPUSH_DOCKER_REGISTRY. */
export function dockerRegistry(opts: Pick<PushOptions, 'dockerRegistry'>): string | undefined {
  const r = (opts.dockerRegistry ?? process.env.CFPUSH_DOCKER_REGISTRY)?.trim();
  return r ? r.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '') : undefined;
}

/** Whether a reference's first component names a registry host (docker's rule: has '.' or ':', or is localhost). */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * The repository to push to: HOST/REPO as given; a bare HOST[:PORT] gets the
 * app's name as the repository (`127.0.0.1:5000:tag` is no image reference).
 */
export function registryRepository(registry: string, appName: string): string {
  if (registry.includes('/') || !isRegistryHost(registry)) return registry;
  return `${registry}/${appName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`;
}

/** The registry a repository lives on, for the engine's auth config (Docker Hub when the first component is no host). */
export function registryHost(repo: string): string {
  const first = repo.split('/')[0]!;
  return repo.includes('/') && isRegistryHost(first) ? first : 'https://index.docker.io/v1/';
}

/** Builds the app's Dockerfile; for a remote target also pushes the image to the configured registry. */
export async function buildForPush(session: Session, app: DockerfileApp, opts: PushOptions, r: Reporter): Promise<BuiltForPush> {
  const registry = session.target.local ? undefined : dockerRegistry(opts);
  if (!session.target.local && !registry) {
    throw new CfPushError(
      `'${app.name}' has a Dockerfile: its image would be built by this machine's Docker engine, which ${session.target.name} cannot pull from. A locally built image is only usable by a remote foundation through a registry.`,
      {
        code: 'DockerRegistryRequired',
        hint: 'Name a registry the target can pull from: `--docker-registry HOST/REPO` or CFPUSH_DOCKER_REGISTRY (credentials in CF_DOCKER_USERNAME / CF_DOCKER_PASSWORD); or push a published image with `-o IMAGE`, or buildpacks with `-b`.',
      },
    );
  }
  const docker = await connectEngine({ signal: opts.signal });
  const base = app.name.replace(/-next$/, '');
  r.step(`Building the Docker image for ${app.name} from ${app.dockerfile ?? 'Dockerfile'}`);
  // cf push would stage this folder with a buildpack: say why cfpush did not, and how to ask for that.
  r.step(
    `  the docker lifecycle, because ${app.name}'s folder has a Dockerfile and no buildpack, image or lifecycle is named (cf push would stage it with a buildpack); ` +
      'to stage it with a buildpack instead: -b BUILDPACK, or `lifecycle: buildpack` in the manifest',
  );
  const built = await buildImage({
    appDir: app.path,
    appName: base,
    dockerfile: app.dockerfile,
    docker,
    log: (line, stream) => r.log(`[STG/0] ${stream === 'stderr' ? 'ERR' : 'OUT'} ${line}`),
    signal: opts.signal,
  });
  if (!registry) return { image: built.image };
  const username = process.env.CF_DOCKER_USERNAME || undefined;
  const password = process.env.CF_DOCKER_PASSWORD || undefined;
  if (username && !password) {
    throw new CfPushError('Environment variable CF_DOCKER_PASSWORD not set.', {
      hint: 'Set CF_DOCKER_PASSWORD to the password of CF_DOCKER_USERNAME on the registry.',
    });
  }
  const tag = built.image.slice(built.image.lastIndexOf(':') + 1);
  const repo = registryRepository(registry, base);
  const image = `${repo}:${tag}`;
  r.step(`Pushing ${image} to the registry`);
  await pushImage(docker, built.id, repo, tag, username && password ? { username, password, serveraddress: registryHost(repo) } : undefined, r, opts.signal);
  return { image, ...(username ? { username } : {}) };
}

/** Tags the image REPO:TAG and pushes it with the engine (dockerode), streaming progress. */
export async function pushImage(
  docker: Docker,
  imageId: string,
  repo: string,
  tag: string,
  auth: { username: string; password: string; serveraddress: string } | undefined,
  r: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  await docker.getImage(imageId).tag({ repo, tag });
  try {
    const stream = await docker.getImage(`${repo}:${tag}`).push({ tag, ...(auth ? { authconfig: auth } : {}), abortSignal: signal } as Docker.ImagePushOptions);
    await new Promise<void>((resolvePush, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, res: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
          const failed = res?.find((x) => x.error || x.errorDetail);
          if (err || failed) reject(err ?? new Error(failed!.errorDetail?.message ?? failed!.error));
          else resolvePush();
        },
        (e: { status?: string; id?: string; progress?: string }) => {
          if (e.status && !e.progress) r.log(`[STG/0] OUT ${e.id ? `${e.id}: ` : ''}${e.status}`);
        },
      );
    });
  } catch (err) {
    throw new CfPushError(`Pushing ${repo}:${tag} to the registry failed: ${engineMessage(err)}`, {
      code: 'DockerPushFailed',
      hint: "Check the registry address and credentials (CF_DOCKER_USERNAME / CF_DOCKER_PASSWORD); an http-only registry must be in the engine's insecure-registries.",
      cause: err,
    });
  }
}

/** CC raises this when the app starts (§5); checked right after staging so the push says why instead of "crashed". */
export function checkDockerPorts(executionMetadata: string | undefined | null): void {
  if (executionMetadata) appPorts(parseExecutionMetadata(executionMetadata));
}
