// VCAP_APPLICATION and the staging env as CC builds them (cf-reference.md §4.3).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Foundation } from './context';
import { appProcesses, appUris, DEFAULT_MB } from './model';
import { vcapServices } from './services';
import type { AppRec } from './store';

/**
 * Set in the env of every app instance and staging script a foundation runs,
 * to its data dir: a restarted foundation finds and kills what a killed one
 * left behind (supervisor.killLeftovers), and no other foundation's processes.
 */
export const FOUNDATION_ENV = 'CFPUSH_FOUNDATION';

/** For `proc`, or (the app's env, staging) its web process, as CC's VarsBuilder does. */
export function vcapApplication(f: Foundation, app: AppRec, proc = appProcesses(f, app.guid).find((p) => p.type === 'web')): Record<string, unknown> {
  const space = f.store.get('spaces', app.space_guid);
  const org = f.store.get('orgs', space?.org_guid);
  const uris = appUris(f, app.guid);
  const mem = proc?.memory_in_mb ?? DEFAULT_MB;
  const version = app.updated_at;
  return {
    application_id: app.guid,
    application_name: app.name,
    application_uris: uris,
    application_version: version,
    cf_api: f.apiUrl,
    limits: { mem, disk: proc?.disk_in_mb ?? DEFAULT_MB, fds: 16384 },
    name: app.name,
    organization_id: org?.guid,
    organization_name: org?.name,
    process_id: proc?.guid ?? app.guid,
    process_type: proc?.type ?? 'web',
    space_id: space?.guid,
    space_name: space?.name,
    uris,
    users: null,
    version,
  };
}

/** The variables of an environment variable group, `running` or `staging` (empty when never set). */
export function envGroup(f: Foundation, name: 'running' | 'staging'): Record<string, string> {
  return f.store.get('env_groups', name)?.var ?? {};
}

/** Env for the buildpack scripts: staging group < app env < CF_STACK < VCAP_APPLICATION + MEMORY_LIMIT < VCAP_SERVICES. */
export function stagingEnv(f: Foundation, app: AppRec, memoryMb: number, stack: string): Record<string, string> {
  const vcap = { ...vcapApplication(f, app), version: randomUUID(), application_version: randomUUID() };
  return {
    ...envGroup(f, 'staging'),
    ...app.env,
    CF_STACK: stack,
    VCAP_APPLICATION: JSON.stringify(vcap),
    MEMORY_LIMIT: `${memoryMb}m`,
    VCAP_SERVICES: JSON.stringify(vcapServices(f, app.guid)),
    [FOUNDATION_ENV]: f.store.dataDir,
    // One copy of a host runtime for every app's staging (buildpacks/nodejs/lib/node_runtime.sh): a new
    // app's runtime is a hardlink, whose droplet member and checksum state are already known.
    CFPUSH_RUNTIME_CACHE: join(f.store.dataDir, 'cache', 'runtimes'),
  };
}
