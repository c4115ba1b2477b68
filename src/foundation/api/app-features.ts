// App and space features (`cf enable-ssh`, `cf ssh-enabled`, revisions on or
// off), the app's revisions (`cf revisions`, what `cf rollback` deploys) and
// its manifest (`cf create-app-manifest`), in CC's shapes.
import { stringify } from 'yaml';
import type { Foundation } from '../context';
import { appTarget, recordEvent } from '../events';
import { badQuery, filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { appProcesses, appRoutes, getApp } from '../model';
import { appRevisions } from '../revisions';
import type { AppRec, RevisionRec, SpaceRec } from '../store';

const APP_FEATURES = {
  ssh: { description: 'Enable SSHing into the app.', get: (a: AppRec) => a.enable_ssh !== false, set: (a: AppRec, on: boolean) => (a.enable_ssh = on) },
  revisions: {
    description: 'Enable versioning of an application',
    get: (a: AppRec) => a.revisions_enabled !== false,
    set: (a: AppRec, on: boolean) => (a.revisions_enabled = on),
  },
} as const;

type FeatureName = keyof typeof APP_FEATURES;

function feature(c: Ctx): [AppRec, FeatureName] {
  const app = getApp(c.f, c.params.guid);
  const name = c.params.name as FeatureName;
  if (!Object.hasOwn(APP_FEATURES, name)) throw notFound('Feature');
  return [app, name];
}

const presentFeature = (app: AppRec, name: FeatureName) => ({ name, description: APP_FEATURES[name].description, enabled: APP_FEATURES[name].get(app) });

async function patchFeature(c: Ctx): Promise<void> {
  const [app, name] = feature(c);
  const body = await readJson(c);
  rejectUnknown(body, ['enabled']);
  if (typeof body.enabled !== 'boolean') throw unprocessable('Enabled must be a boolean');
  APP_FEATURES[name].set(app, body.enabled);
  c.f.store.touch(app);
  recordEvent(c.f, 'audit.app.update', appTarget(app), app.space_guid, { request: { [name === 'ssh' ? 'enable_ssh' : 'revisions_enabled']: body.enabled } });
  send(c.res, 200, presentFeature(app, name));
}

/** CC's reasons, from the widest scope down: globally, the space, the app. */
export function sshAllowed(f: Foundation, app: AppRec): { enabled: boolean; reason: string } {
  const space = f.store.get('spaces', app.space_guid);
  if (space?.allow_ssh === false) return { enabled: false, reason: `Disabled for space ${space.name}` };
  if (app.enable_ssh === false) return { enabled: false, reason: `Disabled for app ${app.name}` };
  return { enabled: true, reason: '' };
}

function spaceOf(c: Ctx): SpaceRec {
  const s = c.f.store.get('spaces', c.params.guid);
  if (!s) throw notFound('Space');
  if (c.params.name !== undefined && c.params.name !== 'ssh') throw notFound('Feature');
  return s;
}

const presentSpaceSsh = (s: SpaceRec) => ({ name: 'ssh', description: 'Enable SSHing into apps in the space.', enabled: s.allow_ssh !== false });

async function patchSpaceFeature(c: Ctx): Promise<void> {
  const s = spaceOf(c);
  const body = await readJson(c);
  rejectUnknown(body, ['enabled']);
  if (typeof body.enabled !== 'boolean') throw unprocessable('Enabled must be a boolean');
  s.allow_ssh = body.enabled;
  c.f.store.touch(s);
  send(c.res, 200, presentSpaceSsh(s));
}

// --- revisions ---------------------------------------------------------------

function presentRevision(c: Ctx, r: RevisionRec) {
  const href = (p: string) => ({ href: `${c.f.apiUrl}${p}` });
  return {
    guid: r.guid,
    version: r.version,
    droplet: { guid: r.droplet_guid },
    processes: Object.fromEntries(Object.entries(r.commands).map(([type, command]) => [type, { command }])),
    sidecars: [],
    description: r.description,
    deployable: c.f.store.get('droplets', r.droplet_guid)?.state === 'STAGED',
    relationships: { app: { data: { guid: r.app_guid } } },
    created_at: r.created_at,
    updated_at: r.updated_at,
    metadata: { labels: {}, annotations: {} },
    links: {
      self: href(`/v3/revisions/${r.guid}`),
      app: href(`/v3/apps/${r.app_guid}`),
      environment_variables: href(`/v3/revisions/${r.guid}/environment_variables`),
    },
  };
}

function listRevisions(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  for (const v of c.query.get('versions')?.split(',') ?? []) if (!/^\d+$/.test(v)) throw badQuery('The query parameter is invalid: Versions must be integers');
  const list = filterList(appRevisions(c.f, app.guid), c.query, { versions: (r) => String(r.version) });
  send(
    c.res,
    200,
    paginate(c, list, (r) => presentRevision(c, r)),
  );
}

/** What runs now: the latest revision of a started app (and, mid-deployment, the one it replaces). */
function deployedRevisions(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const all = appRevisions(c.f, app.guid);
  const running = app.state === 'STARTED' ? new Set([app.droplet_guid, ...c.f.supervisor.dropletsInUse()]) : new Set<string | null>();
  const byDroplet = new Map<string, RevisionRec>();
  for (const r of all) if (running.has(r.droplet_guid)) byDroplet.set(r.droplet_guid, r); // the newest per droplet
  send(
    c.res,
    200,
    paginate(c, [...byDroplet.values()], (r) => presentRevision(c, r)),
  );
}

function revision(c: Ctx): RevisionRec {
  const r = c.f.store.get('revisions', c.params.guid);
  if (!r) throw notFound('Revision');
  return r;
}

// --- manifest ----------------------------------------------------------------

/** CC's AppManifestPresenter: the app as a manifest that would push it again. */
function appManifest(f: Foundation, app: AppRec): string {
  const bps = app.lifecycle.type === 'buildpack' ? ((app.lifecycle.data as { buildpacks?: string[] }).buildpacks ?? []) : [];
  const stack = app.lifecycle.type === 'buildpack' ? (app.lifecycle.data as { stack?: string }).stack : undefined;
  const droplet = app.droplet_guid ? f.store.get('droplets', app.droplet_guid) : undefined;
  const routes = appRoutes(f, app.guid).map((r) => ({ route: `${r.host ? `${r.host}.` : ''}${f.store.get('domains', r.domain_guid)?.name ?? ''}${r.path}` }));
  const services = f.store
    .list('service_bindings')
    .filter((b) => b.app_guid === app.guid)
    .map((b) => f.store.get('service_instances', b.service_instance_guid)?.name)
    .filter(Boolean);
  const entry: Record<string, unknown> = { name: app.name };
  if (app.lifecycle.type === 'docker' && droplet?.image) entry.docker = { image: droplet.image };
  if (bps.length) entry.buildpacks = bps;
  if (stack) entry.stack = stack;
  if (Object.keys(app.env).length) entry.env = app.env;
  entry.routes = routes.length ? routes : undefined;
  if (!routes.length) entry['no-route'] = true;
  if (services.length) entry.services = services;
  entry.processes = appProcesses(f, app.guid).map((p) => ({
    type: p.type,
    instances: p.instances,
    memory: `${p.memory_in_mb}M`,
    disk_quota: `${p.disk_in_mb}M`,
    ...(p.command ? { command: p.command } : {}),
    'health-check-type': p.health_check.type,
    ...(p.health_check.data.endpoint ? { 'health-check-http-endpoint': p.health_check.data.endpoint } : {}),
    ...(p.health_check.data.invocation_timeout ? { 'health-check-invocation-timeout': p.health_check.data.invocation_timeout } : {}),
    ...(p.health_check.data.timeout ? { timeout: p.health_check.data.timeout } : {}),
  }));
  return `---\n${stringify({ applications: [JSON.parse(JSON.stringify(entry))] })}`;
}

function manifest(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const text = appManifest(c.f, app);
  c.res.writeHead(200, { 'content-type': 'application/x-yaml', 'content-length': Buffer.byteLength(text) });
  c.res.end(text);
}

export const appFeatureRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/v3/apps/:guid/features',
    handler: (c) => {
      const app = getApp(c.f, c.params.guid);
      const features = (Object.keys(APP_FEATURES) as FeatureName[]).map((n) => presentFeature(app, n));
      send(c.res, 200, {
        resources: features,
        pagination: {
          total_results: features.length,
          total_pages: 1,
          first: { href: `${c.f.apiUrl}/v3/apps/${app.guid}/features` },
          last: { href: `${c.f.apiUrl}/v3/apps/${app.guid}/features` },
          next: null,
          previous: null,
        },
      });
    },
  },
  { method: 'GET', path: '/v3/apps/:guid/features/:name', handler: (c) => send(c.res, 200, presentFeature(...feature(c))) },
  { method: 'PATCH', path: '/v3/apps/:guid/features/:name', handler: patchFeature },
  { method: 'GET', path: '/v3/apps/:guid/ssh_enabled', handler: (c) => send(c.res, 200, sshAllowed(c.f, getApp(c.f, c.params.guid))) },
  { method: 'GET', path: '/v3/spaces/:guid/features', handler: (c) => send(c.res, 200, { resources: [presentSpaceSsh(spaceOf(c))] }) },
  { method: 'GET', path: '/v3/spaces/:guid/features/:name', handler: (c) => send(c.res, 200, presentSpaceSsh(spaceOf(c))) },
  { method: 'PATCH', path: '/v3/spaces/:guid/features/:name', handler: patchSpaceFeature },
  { method: 'GET', path: '/v3/apps/:guid/revisions', handler: listRevisions },
  { method: 'GET', path: '/v3/apps/:guid/revisions/deployed', handler: deployedRevisions },
  { method: 'GET', path: '/v3/revisions/:guid', handler: (c) => send(c.res, 200, presentRevision(c, revision(c))) },
  {
    method: 'GET',
    path: '/v3/revisions/:guid/environment_variables',
    handler: (c) => {
      const r = revision(c);
      send(c.res, 200, {
        var: r.environment_variables,
        links: {
          self: { href: `${c.f.apiUrl}/v3/revisions/${r.guid}/environment_variables` },
          revision: { href: `${c.f.apiUrl}/v3/revisions/${r.guid}` },
          app: { href: `${c.f.apiUrl}/v3/apps/${r.app_guid}` },
        },
      });
    },
  },
  { method: 'GET', path: '/v3/apps/:guid/manifest', handler: manifest },
];
