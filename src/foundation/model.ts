// Operations on apps, processes and routes that several endpoints share
// (POST /v3/apps and apply_manifest both create apps, etc.).
import { randomUUID } from 'node:crypto';
import type { Foundation } from './context';
import { ApiError, notFound, unprocessable } from './http';
import { MAX_ENV_BYTES, MAX_ENV_VAR_BYTES, MAX_NAME_LENGTH, envTooLargeMessage, envVarTooLongMessage, nameTooLongMessage } from '../core/manifest/limits';
import { revisionForStart } from './revisions';
import { recordAppUsage } from './usage';
import { recordEvent } from './events';
import { removeAppBindings } from './services';
import { meta, now, ordinal, type AppRec, type DomainRec, type DropletRec, type HealthCheck, type ProcessRec, type RouteRec } from './store';

export const STACK = 'cflinuxfs4';
export const DEFAULT_MB = 1024;

export function uniquenessError(detail: string): ApiError {
  return new ApiError(422, 10016, 'CF-UniquenessError', detail);
}

/** CC's name rules (presence; its varchar(255) column), for POST and PATCH alike. */
export function checkAppName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw unprocessable("Name can't be blank");
  if (name.length > MAX_NAME_LENGTH) throw unprocessable(nameTooLongMessage(name.length));
  return name;
}

/** CC's EnvironmentVariablesValidator, plus the sizes a process can be started with. */
export function checkEnv(env: Record<string, string>): Record<string, string> {
  let total = 0;
  for (const [k, v] of Object.entries(env)) {
    if (k === '') throw unprocessable('Environment variables key must be a minimum length of 1');
    if (k.startsWith('VCAP_')) throw unprocessable('Environment variables cannot start with VCAP_');
    if (k.startsWith('VMC')) throw unprocessable('Environment variables cannot start with VMC');
    if (k === 'PORT') throw unprocessable('Environment variables cannot set PORT');
    const bytes = Buffer.byteLength(k) + 1 + Buffer.byteLength(v);
    if (bytes > MAX_ENV_VAR_BYTES) throw unprocessable(envVarTooLongMessage(k, bytes));
    total += bytes;
  }
  if (total > MAX_ENV_BYTES) throw unprocessable(envTooLargeMessage(total));
  return env;
}

export function getApp(f: Foundation, guid: string | undefined): AppRec {
  const app = f.store.get('apps', guid);
  if (!app) throw notFound('App');
  return app;
}

export function createApp(
  f: Foundation,
  o: { name: string; spaceGuid: string; env?: Record<string, string>; buildpacks?: string[]; stack?: string; docker?: boolean },
): AppRec {
  checkAppName(o.name);
  if (o.env) checkEnv(o.env);
  if (f.store.list('apps').some((a) => a.space_guid === o.spaceGuid && a.name === o.name)) {
    throw uniquenessError(`App with the name '${o.name}' already exists.`);
  }
  const app = f.store.put('apps', {
    ...meta(),
    name: o.name,
    space_guid: o.spaceGuid,
    state: 'STOPPED',
    lifecycle: o.docker ? { type: 'docker', data: {} } : { type: 'buildpack', data: { buildpacks: o.buildpacks ?? [], stack: o.stack ?? STACK } },
    env: o.env ?? {},
    droplet_guid: null,
  });
  ensureProcess(f, app, 'web');
  return app;
}

export function defaultHealthCheck(type: string): HealthCheck {
  return { type: type === 'web' ? 'port' : 'process', data: { timeout: null, invocation_timeout: null, interval: null, endpoint: null } };
}

/** CC's process_create defaults: web 1 instance + port check, others 0 + process check. */
export function ensureProcess(f: Foundation, app: AppRec, type: string): ProcessRec {
  const existing = appProcesses(f, app.guid).find((p) => p.type === type);
  if (existing) return existing;
  return f.store.put('processes', {
    ...meta(),
    app_guid: app.guid,
    type,
    command: null,
    instances: type === 'web' ? 1 : 0,
    memory_in_mb: DEFAULT_MB,
    disk_in_mb: DEFAULT_MB,
    health_check: defaultHealthCheck(type),
  });
}

export function appProcesses(f: Foundation, appGuid: string): ProcessRec[] {
  return f.store.list('processes').filter((p) => p.app_guid === appGuid);
}

export function startApp(f: Foundation, app: AppRec): void {
  if (!app.droplet_guid) throw unprocessable('Assign a droplet before starting this app.');
  const was = app.state;
  app.state = 'STARTED';
  f.store.touch(app);
  revisionForStart(f, app);
  if (was !== 'STARTED') recordAppUsage(f, app, 'STARTED');
  f.supervisor.sync(app.guid);
}

export async function stopApp(f: Foundation, app: AppRec): Promise<void> {
  if (app.state === 'STARTED') recordAppUsage(f, app, 'STOPPED');
  app.state = 'STOPPED';
  f.store.touch(app);
  await f.supervisor.sync(app.guid);
}

/** Stop + start as one (`actions/restart`): the usage events and revision of both, the new instances started as the old ones stop. */
export async function restartApp(f: Foundation, app: AppRec): Promise<void> {
  if (!app.droplet_guid) throw unprocessable('Assign a droplet before starting this app.');
  if (app.state === 'STARTED') recordAppUsage(f, app, 'STOPPED');
  app.state = 'STARTED';
  f.store.touch(app);
  revisionForStart(f, app);
  recordAppUsage(f, app, 'STARTED');
  await f.supervisor.restart(app.guid);
}

export function setDroplet(f: Foundation, app: AppRec, droplet: DropletRec | undefined): void {
  if (!droplet || droplet.app_guid !== app.guid || droplet.state !== 'STAGED') {
    throw unprocessable('Unable to assign current droplet. Ensure the droplet exists and belongs to this app.');
  }
  app.droplet_guid = droplet.guid;
  f.store.touch(app);
  for (const type of Object.keys(droplet.process_types)) ensureProcess(f, app, type);
}

export async function deleteApp(f: Foundation, app: AppRec): Promise<void> {
  app.state = 'STOPPED';
  await f.supervisor.sync(app.guid);
  await f.tasks.removeApp(app.guid);
  for (const r of f.store.list('routes')) {
    const kept = r.destinations.filter((d) => d.app_guid !== app.guid);
    if (kept.length !== r.destinations.length) {
      r.destinations = kept;
      f.store.touch(r);
    }
  }
  for (const p of appProcesses(f, app.guid)) f.store.remove('processes', p.guid);
  removeAppBindings(f, app.guid);
  for (const d of f.store.list('deployments').filter((x) => x.app_guid === app.guid)) f.store.remove('deployments', d.guid);
  for (const p of f.store.list('packages').filter((x) => x.app_guid === app.guid)) f.store.remove('packages', p.guid);
  for (const b of f.store.list('builds').filter((x) => x.app_guid === app.guid)) f.store.remove('builds', b.guid);
  f.store.remove('apps', app.guid);
  // A staging still running for it stops now (its buildpack processes with it), as Diego cancels the task.
  f.stager.reconcile();
  // Every record above goes to disk in the same write as its droplets', before their bits go: a foundation
  // killed meanwhile finds the whole app or none of it (faults.test.ts once found it STARTED without processes).
  await f.store.dropletBits.remove(...f.store.list('droplets').filter((x) => x.app_guid === app.guid));
  f.logs.drop(app.guid);
  f.routesChanged();
  // Its package blobs (unless another package has the same files) and its build cache.
  f.gc.schedule();
}

/** CC's `packages.max_valid_packages_stored`: READY packages an app keeps. */
export const MAX_VALID_PACKAGES = 5;

/**
 * CC's BitsExpiration after a staging: the app's READY packages past the
 * newest MAX_VALID_PACKAGES go (CC keeps their records as EXPIRED without
 * bits; we drop them, as for droplets), and with them the blobs nothing else
 * lists. One a build is staging from stays.
 */
export function expirePackages(f: Foundation, appGuid: string): void {
  const staging = new Set(
    f.store
      .list('builds')
      .filter((b) => b.state === 'STAGING')
      .map((b) => b.package_guid),
  );
  const ready = f.store
    .list('packages')
    .filter((p) => p.app_guid === appGuid && p.state === 'READY')
    .reverse();
  ready.sort((a, b) => ordinal(b.created_at, a.created_at));
  const old = ready.slice(MAX_VALID_PACKAGES).filter((p) => !staging.has(p.guid));
  for (const p of old) f.store.remove('packages', p.guid);
  if (old.length) f.gc.schedule();
}

/** CC's `droplets.max_staged_droplets_stored`: staged droplets an app keeps besides its current one. */
export const MAX_STAGED_DROPLETS = 5;

/**
 * CC's BitsExpiration after a staging: the app's staged droplets past the
 * newest MAX_STAGED_DROPLETS (its current one aside) go, with their bits
 * unless another record shares them. CC keeps such records as EXPIRED; we
 * drop them. One that a run or an active deployment still uses stays.
 */
export async function expireDroplets(f: Foundation, appGuid: string): Promise<void> {
  const current = f.store.get('apps', appGuid)?.droplet_guid;
  const inUse = new Set<string | null>([...f.supervisor.dropletsInUse(), ...f.tasks.dropletsInUse()]);
  for (const d of f.store.list('deployments')) if (d.app_guid === appGuid && d.value === 'ACTIVE') inUse.add(d.droplet_guid).add(d.previous_droplet_guid);
  // Newest first; records are kept in creation order, which breaks created_at ties (1 s resolution).
  const staged = f.store
    .list('droplets')
    .filter((d) => d.app_guid === appGuid && d.state === 'STAGED' && d.guid !== current)
    .reverse();
  staged.sort((a, b) => ordinal(b.created_at, a.created_at));
  const old = staged.slice(MAX_STAGED_DROPLETS).filter((d) => !inUse.has(d.guid));
  if (old.length) await f.store.dropletBits.remove(...old);
}

// --- routes --------------------------------------------------------------

const HOST_RE = /^([\w-]+|\*)$/;

export function validateRoute(host: string, path: string): void {
  if (host && (!HOST_RE.test(host) || host.length > 63)) {
    throw unprocessable('Host must be either "*" or contain only alphanumeric characters, "_", or "-"');
  }
  if (path && (!path.startsWith('/') || path === '/' || path.includes('?'))) {
    throw unprocessable("Path must begin with '/' and may not be '/' or contain '?'");
  }
}

export function findRoute(f: Foundation, host: string, domainGuid: string, path: string): RouteRec | undefined {
  return f.store.list('routes').find((r) => r.host === host && r.domain_guid === domainGuid && r.path === path);
}

/** A domain an org may put routes on: shared, its own, or shared with it. */
export function domainUsableBy(d: DomainRec, orgGuid: string): boolean {
  return !d.org_guid || d.org_guid === orgGuid || (d.shared_org_guids ?? []).includes(orgGuid);
}

/** CC's RouteCreate with the Route model's validations, in its order and words. */
export function createRoute(f: Foundation, o: { host: string; path: string; domainGuid: string; spaceGuid: string }): RouteRec {
  const space = f.store.get('spaces', o.spaceGuid);
  if (!space) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.');
  const domain = f.store.get('domains', o.domainGuid);
  if (!domain) throw unprocessable('Invalid domain. Ensure that the domain exists and you have access to it.');
  const org = f.store.get('orgs', space.org_guid);
  const host = o.host.toLowerCase();
  validateRoute(host, o.path);
  if (!domainUsableBy(domain, space.org_guid)) throw unprocessable(`Invalid domain. Domain '${domain.name}' is not available in organization '${org?.name}'.`);
  const limit = org && f.store.get('org_quotas', org.quota_guid)?.routes.total_routes;
  if (limit != null && f.store.list('routes').filter((r) => f.store.get('spaces', r.space_guid)?.org_guid === org!.guid).length >= limit) {
    throw unprocessable(`Routes quota exceeded for organization '${org!.name}'.`);
  }
  if (domain.internal && host === '*') throw unprocessable('Wildcard hosts are not supported for internal domains.');
  if (host && f.store.list('domains').some((d) => d.name === `${host}.${domain.name}`))
    throw unprocessable(`Route conflicts with domain '${host}.${domain.name}'.`);
  if (!domain.org_guid && !host) throw unprocessable('Missing host. Routes in shared domains must have a host defined.');
  if (domain.internal && o.path) throw unprocessable('Paths are not supported for internal domains.');
  if (findRoute(f, host, o.domainGuid, o.path)) {
    const where = [host && `host '${host}'`, o.path && `path '${o.path}'`].filter(Boolean).join(' and ');
    throw unprocessable(`Route already exists${where ? ` with ${where}` : ''} for domain '${domain.name}'.`);
  }
  const route = f.store.put('routes', { ...meta(), host, path: o.path, domain_guid: o.domainGuid, space_guid: o.spaceGuid, destinations: [] });
  recordEvent(f, 'audit.route.create', { guid: route.guid, type: 'route', name: host }, space.guid, {
    request: { host, path: o.path, domain_guid: domain.guid, space_guid: space.guid },
  });
  return route;
}

/** Adds destinations, skipping ones already there (CC answers the same). */
export function addDestinations(f: Foundation, route: RouteRec, dests: { appGuid: string; processType: string }[]): void {
  for (const d of dests) {
    const app = f.store.get('apps', d.appGuid);
    if (!app) throw unprocessable(`App(s) with guid(s) "${d.appGuid}" do not exist or you do not have access.`);
    if (app.space_guid !== route.space_guid) throw unprocessable('Routes cannot be mapped to destinations in different spaces.');
    if (route.destinations.some((x) => x.app_guid === d.appGuid && x.process_type === d.processType)) continue;
    const t = now();
    route.destinations.push({ guid: randomUUID(), app_guid: d.appGuid, process_type: d.processType, created_at: t, updated_at: t });
  }
  f.store.touch(route);
  f.routesChanged();
}

export function appRoutes(f: Foundation, appGuid: string): RouteRec[] {
  return f.store.list('routes').filter((r) => r.destinations.some((d) => d.app_guid === appGuid));
}

export function appUris(f: Foundation, appGuid: string): string[] {
  return appRoutes(f, appGuid).map((r) => `${r.host ? `${r.host}.` : ''}${f.store.get('domains', r.domain_guid)?.name ?? ''}${r.path}`);
}
