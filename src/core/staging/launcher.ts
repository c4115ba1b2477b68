// The launcher (cf-reference.md §4.2/§4.3; BAL launcher/): the env and the
// bash wrapper that start one instance of an exploded droplet.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CfPushError } from '../errors';
import type { LaunchOptions, LaunchSpec } from './types';
import { parseStagingInfo } from './droplet';
import { DEFAULT_PATH, databaseUrl } from './env';

/**
 * The launcher's shell part, run as `bash -c LAUNCHER_SCRIPT launcher <appDir> <command>`.
 * Standalone on purpose: the container image bakes the same text in.
 */
export const LAUNCHER_SCRIPT = `cd "$1"

echo "Invoking pre-start scripts."
if [ -n "$(ls ../profile.d/* 2> /dev/null)" ]; then
  for env_file in ../profile.d/*; do
    source $env_file
  done
fi

if [ -n "$(ls .profile.d/* 2> /dev/null)" ]; then
  for env_file in .profile.d/*; do
    source $env_file
  done
fi

if [ -f .profile ]; then
  source ./.profile
fi

shift

echo "Invoking start command."
exec bash -c "$@"
`;

/**
 * An ssh session in an instance, run as `bash -c SESSION_SCRIPT cf-ssh [COMMAND]`
 * from the app dir: the droplet's profile.d as the launcher sources it (so the
 * buildpack's PATH works), then the command, else a shell (interactive on a terminal).
 */
export const SESSION_SCRIPT = `for env_file in ../profile.d/* .profile.d/*; do
  [ -f "$env_file" ] && source "$env_file"
done
[ -f .profile ] && source ./.profile
[ -n "$1" ] && exec bash -c "$1"
[ -t 0 ] && exec bash -i
exec bash
`;

/** The droplet's start command: the explicit one, else staging_info.yml's. */
export function resolveStartCommand(dropletDir: string, command?: string): string {
  if (command?.trim()) return command;
  let start = '';
  try {
    start = parseStagingInfo(readFileSync(join(dropletDir, 'staging_info.yml'), 'utf8')).start_command;
  } catch {
    /* no or unreadable staging_info.yml: same outcome as no command */
  }
  if (!start.trim()) {
    throw new CfPushError('no start command specified or detected in droplet', {
      code: 'NoStartCommand',
      hint: 'Add a Procfile with a web: entry, or set command: in the manifest (or -c).',
    });
  }
  return start;
}

export function launchSpec(opts: LaunchOptions): LaunchSpec {
  const root = resolve(opts.dropletDir);
  const app = join(root, 'app');
  const command = resolveStartCommand(root, opts.command);
  const ip = '127.0.0.1';
  const vcapApplication = {
    ...opts.vcapApplication,
    host: '0.0.0.0',
    instance_id: opts.instanceGuid,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    instance_index: opts.instanceIndex,
  };
  const vcapServices = opts.vcapServices ?? {};
  const db = databaseUrl(vcapServices);
  // A task has no port: none of the port variables then (as Diego starts a task).
  const port = opts.port === undefined ? undefined : String(opts.port);
  const ports: Record<string, string> = port
    ? {
        PORT: port,
        VCAP_APP_PORT: port,
        VCAP_APP_HOST: '0.0.0.0',
        CF_INSTANCE_PORT: port,
        CF_INSTANCE_ADDR: `${ip}:${port}`,
        CF_INSTANCE_PORTS: JSON.stringify([{ external: opts.port, internal: opts.port }]),
      }
    : { CF_INSTANCE_PORTS: '[]' };

  // Later wins: app env < VCAP_APPLICATION/MEMORY_LIMIT < VCAP_SERVICES < Diego and launcher vars.
  const env: Record<string, string> = {
    PATH: process.env.PATH || DEFAULT_PATH,
    ...(opts.env ?? {}),
    LANG: 'en_US.UTF-8',
    MEMORY_LIMIT: `${opts.memoryMb ?? 1024}m`,
    VCAP_APPLICATION: JSON.stringify(vcapApplication),
    VCAP_SERVICES: JSON.stringify(vcapServices),
    ...ports,
    CF_INSTANCE_INDEX: String(opts.instanceIndex),
    CF_INSTANCE_GUID: opts.instanceGuid,
    CF_INSTANCE_IP: ip,
    CF_INSTANCE_INTERNAL_IP: ip,
    INSTANCE_INDEX: String(opts.instanceIndex),
    INSTANCE_GUID: opts.instanceGuid,
    HOME: app,
    TMPDIR: join(root, 'tmp'),
    DEPS_DIR: join(root, 'deps'),
    USER: 'vcap',
  };
  if (db) env.DATABASE_URL = db;
  return { file: 'bash', args: ['-c', LAUNCHER_SCRIPT, 'launcher', app, command], cwd: app, env };
}
