// /v3/apps and its sub-resources (cf-reference.md §1.2).
import { runJob } from '../jobs';
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { vcapServices } from '../services';
import {
  appProcesses,
  appRoutes,
  checkAppName,
  checkEnv,
  createApp,
  deleteApp,
  getApp,
  restartApp,
  setDroplet,
  startApp,
  stopApp,
  STACK,
  uniquenessError,
} from '../model';
import { envGroup, vcapApplication } from '../env';
import { appTarget, recordEvent } from '../events';

const HIDDEN = '[PRIVATE DATA HIDDEN]';

const APP_ORDER = ['created_at', 'updated_at', 'name', 'state'];

function listApps(c: Ctx): void {
  const spaces = c.f.store.state.spaces;
  const apps = filterList(c.f.store.list('apps'), c.query, {
    names: (a) => a.name,
    guids: (a) => a.guid,
    space_guids: (a) => a.space_guid,
    organization_guids: (a) => spaces[a.space_guid]?.org_guid,
    states: (a) => a.state,
  });
  send(
    c.res,
    200,
    paginate(c, apps, (a) => c.f.present.app(a), APP_ORDER),
  );
}

function stringMap(v: unknown, label: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw unprocessable(`${label} must be an object`);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

const APP_CREATE_KEYS = ['name', 'relationships', 'environment_variables', 'lifecycle', 'metadata'];
const APP_UPDATE_KEYS = ['name', 'lifecycle', 'metadata'];

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, APP_CREATE_KEYS);
  const name = checkAppName(body.name);
  const spaceGuid = relGuid(body.relationships?.space);
  if (!spaceGuid || !c.f.store.get('spaces', spaceGuid)) {
    throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.');
  }
  const lc = body.lifecycle as { type?: string; data?: { buildpacks?: string[]; stack?: string } } | undefined;
  if (lc?.type && lc.type !== 'buildpack' && lc.type !== 'docker') throw unprocessable(`Lifecycle type '${lc.type}' is not supported by the local foundation`);
  // CC's BuildpackLifecycleDataMessage: the local foundation has one stack.
  if (lc?.type !== 'docker' && lc?.data?.stack !== undefined && lc.data.stack !== STACK) throw unprocessable('Stack must be an existing stack');
  const app = createApp(c.f, {
    name,
    spaceGuid,
    env: stringMap(body.environment_variables, 'Environment variables'),
    buildpacks: lc?.data?.buildpacks,
    stack: lc?.data?.stack,
    docker: lc?.type === 'docker',
  });
  recordEvent(c.f, 'audit.app.create', appTarget(app), app.space_guid, {
    request: { name, ...(body.environment_variables ? { environment_variables: HIDDEN } : {}) },
  });
  send(c.res, 201, c.f.present.app(app));
}

function get(c: Ctx): void {
  send(c.res, 200, c.f.present.app(getApp(c.f, c.params.guid)));
}

async function update(c: Ctx): Promise<void> {
  const app = getApp(c.f, c.params.guid);
  const body = await readJson(c);
  rejectUnknown(body, APP_UPDATE_KEYS);
  if (body.name !== undefined && body.name !== app.name) {
    checkAppName(body.name);
    if (c.f.store.list('apps').some((a) => a.space_guid === app.space_guid && a.name === body.name)) {
      throw uniquenessError(`App with the name '${body.name}' already exists.`);
    }
    app.name = body.name;
  }
  const bps = body.lifecycle?.data?.buildpacks;
  if (Array.isArray(bps) && app.lifecycle.type === 'buildpack') app.lifecycle.data = { ...app.lifecycle.data, buildpacks: bps.map(String) } as never;
  c.f.store.touch(app);
  recordEvent(c.f, 'audit.app.update', appTarget(app), app.space_guid, { request: body });
  send(c.res, 200, c.f.present.app(app));
}

async function remove(c: Ctx): Promise<void> {
  const app = getApp(c.f, c.params.guid);
  recordEvent(c.f, 'audit.app.delete-request', appTarget(app), app.space_guid, { request: { recursive: true } });
  await runJob(c, 'app.delete', () => deleteApp(c.f, app));
}

function start(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  startApp(c.f, app);
  recordEvent(c.f, 'audit.app.start', appTarget(app), app.space_guid);
  send(c.res, 200, c.f.present.app(app));
}

async function stop(c: Ctx): Promise<void> {
  const app = getApp(c.f, c.params.guid);
  await stopApp(c.f, app);
  recordEvent(c.f, 'audit.app.stop', appTarget(app), app.space_guid);
  send(c.res, 200, c.f.present.app(app));
}

async function restart(c: Ctx): Promise<void> {
  const app = getApp(c.f, c.params.guid);
  await restartApp(c.f, app);
  recordEvent(c.f, 'audit.app.restart', appTarget(app), app.space_guid);
  send(c.res, 200, c.f.present.app(app));
}

function dropletRel(c: Ctx, guid: string, dropletGuid: string | null) {
  return {
    data: dropletGuid ? { guid: dropletGuid } : null,
    links: {
      self: { href: `${c.f.apiUrl}/v3/apps/${guid}/relationships/current_droplet` },
      related: { href: `${c.f.apiUrl}/v3/apps/${guid}/droplets/current` },
    },
  };
}

async function setCurrentDroplet(c: Ctx): Promise<void> {
  const app = getApp(c.f, c.params.guid);
  const body = await readJson(c);
  const guid = relGuid(body);
  setDroplet(c.f, app, c.f.store.get('droplets', guid));
  recordEvent(c.f, 'audit.app.droplet.mapped', appTarget(app), app.space_guid, { request: { droplet_guid: guid } });
  send(c.res, 200, dropletRel(c, app.guid, app.droplet_guid));
}

function getCurrentDropletRel(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  send(c.res, 200, dropletRel(c, app.guid, app.droplet_guid));
}

function currentDroplet(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const d = c.f.store.get('droplets', app.droplet_guid);
  if (!d) throw notFound('Droplet');
  send(c.res, 200, c.f.present.droplet(d));
}

function appDroplets(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const list = filterList(
    c.f.store.list('droplets').filter((d) => d.app_guid === app.guid),
    c.query,
    { states: (d) => d.state },
  );
  send(
    c.res,
    200,
    paginate(c, list, (d) => c.f.present.droplet(d, { inList: true })),
  );
}

function appPackages(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const list = filterList(
    c.f.store.list('packages').filter((p) => p.app_guid === app.guid),
    c.query,
    { states: (p) => p.state },
  );
  send(
    c.res,
    200,
    paginate(c, list, (p) => c.f.present.package(p)),
  );
}

function appBuilds(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const list = filterList(
    c.f.store.list('builds').filter((b) => b.app_guid === app.guid),
    c.query,
    { states: (b) => b.state },
  );
  send(
    c.res,
    200,
    paginate(c, list, (b) => c.f.present.build(b)),
  );
}

function env(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  send(c.res, 200, {
    staging_env_json: envGroup(c.f, 'staging'),
    running_env_json: envGroup(c.f, 'running'),
    environment_variables: app.env,
    system_env_json: { VCAP_SERVICES: vcapServices(c.f, app.guid) },
    application_env_json: { VCAP_APPLICATION: vcapApplication(c.f, app) },
  });
}

function envVarsBody(c: Ctx, guid: string, vars: Record<string, string>) {
  return {
    var: vars,
    links: { self: { href: `${c.f.apiUrl}/v3/apps/${guid}/environment_variables` }, app: { href: `${c.f.apiUrl}/v3/apps/${guid}` } },
  };
}

function getEnvVars(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  send(c.res, 200, envVarsBody(c, app.guid, app.env));
}

/** PATCH merges; a null value deletes the variable. */
async function patchEnvVars(c: Ctx): Promise<void> {
  const app = getApp(c.f, c.params.guid);
  const vars = (await readJson(c)).var;
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) throw unprocessable('Var must be an object');
  const next = { ...app.env };
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (v === null) delete next[k];
    else next[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  app.env = checkEnv(next);
  c.f.store.touch(app);
  recordEvent(c.f, 'audit.app.update', appTarget(app), app.space_guid, { request: { environment_variables: HIDDEN } });
  send(c.res, 200, envVarsBody(c, app.guid, app.env));
}

function processes(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const list = filterList(appProcesses(c.f, app.guid), c.query, { types: (p) => p.type });
  send(
    c.res,
    200,
    paginate(c, list, (p) => c.f.present.process(p, { inList: true })),
  );
}

function routes(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const list = filterList(appRoutes(c.f, app.guid), c.query, { hosts: (r) => r.host, domain_guids: (r) => r.domain_guid });
  send(
    c.res,
    200,
    paginate(c, list, (r) => c.f.present.route(r)),
  );
}

export const appRoutesTable: RouteDef[] = [
  { method: 'GET', path: '/v3/apps', handler: listApps },
  { method: 'POST', path: '/v3/apps', handler: create },
  { method: 'GET', path: '/v3/apps/:guid', handler: get },
  { method: 'PATCH', path: '/v3/apps/:guid', handler: update },
  { method: 'DELETE', path: '/v3/apps/:guid', handler: remove },
  { method: 'POST', path: '/v3/apps/:guid/actions/start', handler: start },
  { method: 'POST', path: '/v3/apps/:guid/actions/stop', handler: stop },
  { method: 'POST', path: '/v3/apps/:guid/actions/restart', handler: restart },
  { method: 'GET', path: '/v3/apps/:guid/relationships/current_droplet', handler: getCurrentDropletRel },
  { method: 'PATCH', path: '/v3/apps/:guid/relationships/current_droplet', handler: setCurrentDroplet },
  { method: 'GET', path: '/v3/apps/:guid/droplets/current', handler: currentDroplet },
  { method: 'GET', path: '/v3/apps/:guid/droplets', handler: appDroplets },
  { method: 'GET', path: '/v3/apps/:guid/packages', handler: appPackages },
  { method: 'GET', path: '/v3/apps/:guid/builds', handler: appBuilds },
  { method: 'GET', path: '/v3/apps/:guid/env', handler: env },
  { method: 'GET', path: '/v3/apps/:guid/environment_variables', handler: getEnvVars },
  { method: 'PATCH', path: '/v3/apps/:guid/environment_variables', handler: patchEnvVars },
  { method: 'GET', path: '/v3/apps/:guid/processes', handler: processes },
  { method: 'GET', path: '/v3/apps/:guid/routes', handler: routes },
];
