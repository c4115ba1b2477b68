// Buildpack app instances inside the stack image (issue 5 item 6): with
// `cfpush foundation start --app-runtime container` (or CFPUSH_APP_RUNTIME=
// container) the supervisor runs a buildpack droplet's instances in the
// container runtime (runtime/container.ts), as containers of the stack image
// (cfpush/stack:bookworm, or `--stack IMAGE`) instead of host processes, the
// same way as docker-lifecycle instances (core/docker/run.ts spawnContainer):
// published on 127.0.0.1 on a free port, logs, health checks, stats, stops
// and leftover clean-up all work the same way. This file holds the choice
// (AppRuntime) and the container spec.
//
// The container is what Diego would run: the exploded droplet mounted
// read-only at /home/vcap, user vcap (uid 2000), cwd /home/vcap/app, the CF
// launcher (profile.d scripts, then the start command) as the command, PORT
// 8080 and the same CF env as a process instance (HOME, DEPS_DIR, USER,
// VCAP_*, CF_INSTANCE_*). TMPDIR is /tmp (the droplet's tmp/ is read-only).
// Droplets staged on the host run when their binaries do on Debian bookworm:
// the nodejs buildpack's node (glibc) and Go's static binaries do.
import type { ContainerSpec } from '../core/docker/run';
import { DEFAULT_STACK_IMAGE, VCAP_HOME } from '../core/docker/stack';
import { LAUNCHER_SCRIPT, resolveStartCommand } from '../core/staging/launcher';

export type AppRuntime = 'process' | 'container';
export const APP_RUNTIMES: readonly AppRuntime[] = ['process', 'container'];
/** The app's port inside a stack container. */
export const STACK_APP_PORT = 8080;

/** `process` | `container`, else undefined. */
export function parseAppRuntime(v: string | undefined): AppRuntime | undefined {
  return (APP_RUNTIMES as readonly string[]).includes(v ?? '') ? (v as AppRuntime) : undefined;
}

export interface StackInstanceOptions {
  /** The exploded droplet on this machine. */
  dropletDir: string;
  /** process.command, else the droplet's process type command (else staging_info.yml's start command). */
  command?: string | null;
  /** default DEFAULT_STACK_IMAGE */
  image?: string;
}

/**
 * The container spec of one buildpack instance in the stack image, from the
 * spec fields a docker instance gets (ports, guids, env, VCAP_*, labels).
 * Throws NoStartCommand as a process instance would.
 */
export function stackInstanceSpec(base: Omit<ContainerSpec, 'image' | 'metadata'>, o: StackInstanceOptions): ContainerSpec {
  const start = resolveStartCommand(o.dropletDir, o.command ?? undefined);
  const app = `${VCAP_HOME}/app`;
  return {
    ...base,
    image: o.image || DEFAULT_STACK_IMAGE,
    metadata: {
      entrypoint: ['bash', '-c', LAUNCHER_SCRIPT, 'launcher', app],
      cmd: [start],
      workdir: app,
      user: 'vcap',
      ports: [{ Port: STACK_APP_PORT, Protocol: 'tcp' }],
    },
    // The launcher runs the start command; planContainer's `/bin/sh -c command` would bypass it.
    command: null,
    user: 'vcap',
    env: {
      ...(base.env ?? {}),
      LANG: 'en_US.UTF-8',
      HOME: app,
      TMPDIR: '/tmp',
      DEPS_DIR: `${VCAP_HOME}/deps`,
      USER: 'vcap',
      // A task has no port (nothing published).
      ...(base.hostPort !== undefined ? { VCAP_APP_PORT: String(STACK_APP_PORT), VCAP_APP_HOST: '0.0.0.0' } : {}),
    },
    binds: [...(base.binds ?? []), `${o.dropletDir}:${VCAP_HOME}:ro`],
  };
}
