// POST /v3/spaces/:guid/actions/apply_manifest, manifest_diff and GET /v3/jobs/:guid
// (cf-reference.md §1.7; CC `space_manifests_controller.rb`). Validation is the
// core validator's (`parseManifest`); this file maps its diagnostics to CC's
// errors, finds or creates the apps (as CC does before answering) and applies
// the rest additively in a job.
import { randomInt } from 'node:crypto';
import { appPrefix, parseManifest, type AppManifest, type ManifestDiagnostic, type ManifestProcess } from '../../core/manifest';
import type { Foundation } from '../context';
import { ApiError, badRequest, notFound, parseError, readText, send, unprocessable, warningsHeader, type Ctx, type RouteDef } from '../http';
import { appTarget, recordEvent } from '../events';
import { holdWhile } from '../hold';
import { runJob } from '../jobs';
import { manifestDiff } from '../manifest-diff';
import { addDestinations, appRoutes, checkEnv, createApp, createRoute, ensureProcess, findRoute, STACK } from '../model';
import { bindByNames } from '../services';
import type { AppRec, SpaceRec } from '../store';
import { defaultDomain } from './domains';

const NOT_YAML = 'Unable to push app because manifest';
const NO_APPS = "Cannot parse manifest with no 'applications' field.";

function compound(details: string[]): ApiError {
  const [first, ...rest] = details.map((detail) => ({ code: 10008, title: 'CF-UnprocessableEntity', detail }));
  return new ApiError(422, first!.code, first!.title, first!.detail, rest);
}

/**
 * The body → validated apps and warnings, or CC's error: a body that is not
 * YAML is a 400 parse error; document-level problems (version, no
 * applications) come alone, as CC checks them first; app problems all at
 * once, each prefixed "For application 'NAME': " / "For application at index N: ".
 */
export function parseManifestBody(text: string): { apps: AppManifest[]; warnings: string[] } {
  const { manifest, diagnostics } = parseManifest(text, { file: 'manifest.yml' });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning').map((d) => appPrefix(d) + d.message);
  if (errors.some((d) => d.message.startsWith(NOT_YAML) && !d.code)) {
    // A YAML document that is not a map is "no applications" to CC; broken YAML is a parse error.
    if (errors.some((d) => d.message.includes("must be a map with an 'applications' list") || d.message.includes("'applications' must be a list"))) {
      throw unprocessable(NO_APPS);
    }
    throw parseError();
  }
  const docErrors = errors.filter((d) => !d.app);
  // A limit (size, depth, aliases) says which one, with what to do instead.
  const limit = docErrors.find((d) => d.code);
  if (limit) throw unprocessable(`${limit.message} ${limit.hint ?? ''}`.trim());
  if (docErrors.length) {
    const version = docErrors.find((d) => d.message.startsWith('Unsupported manifest schema version'));
    throw unprocessable(version ? version.message : NO_APPS);
  }
  if (errors.length || !manifest) throw compound(errors.map((d: ManifestDiagnostic) => appPrefix(d) + d.message));
  return { apps: manifest.apps, warnings };
}

function yamlOnly(c: Ctx): void {
  const type = String(c.req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (!['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml'].includes(type)) throw badRequest('Content-Type must be yaml');
}

function spaceOf(c: Ctx): SpaceRec {
  const space = c.f.store.get('spaces', c.params.guid);
  if (!space) throw notFound('Space');
  return space;
}

// --- applying ----------------------------------------------------------------

function applyProcess(f: Foundation, app: AppRec, ps: Partial<ManifestProcess> & { type: string }): void {
  const p = ensureProcess(f, app, ps.type);
  if (ps.command !== undefined) p.command = ps.command || null;
  if (ps.instances !== undefined) p.instances = ps.instances;
  if (ps.memoryMb !== undefined) p.memory_in_mb = ps.memoryMb;
  if (ps.diskMb !== undefined) p.disk_in_mb = ps.diskMb;
  if (ps.healthCheckType) {
    p.health_check.type = ps.healthCheckType;
    if (ps.healthCheckType !== 'http') p.health_check.data.endpoint = null;
  }
  if (ps.healthCheckHttpEndpoint !== undefined) p.health_check.data.endpoint = ps.healthCheckHttpEndpoint;
  if (ps.timeout !== undefined) p.health_check.data.timeout = ps.timeout;
  if (ps.healthCheckInvocationTimeout !== undefined) p.health_check.data.invocation_timeout = ps.healthCheckInvocationTimeout;
  f.store.touch(p);
}

const WORDS_A = ['brave', 'quiet', 'lucky', 'shiny', 'rapid', 'calm', 'bold', 'merry', 'sunny', 'fuzzy'];
const WORDS_B = ['otter', 'falcon', 'badger', 'panda', 'lynx', 'heron', 'koala', 'tiger', 'wombat', 'gecko'];

function hostFor(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'app'
  );
}

/** "host.domain/path": the whole name as a domain first, then host + domain (CC manifest_route.rb). */
function resolveRoute(f: Foundation, route: string): { host: string; domainGuid: string; path: string } {
  const slash = route.indexOf('/');
  const hostPart = (slash < 0 ? route : route.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? '' : route.slice(slash);
  if (/:\d+$/.test(hostPart)) throw unprocessable(`The route '${route}' is a TCP route; TCP routes are not supported by the local foundation.`);
  const domains = f.store.list('domains');
  const exact = domains.find((d) => d.name === hostPart);
  if (exact) return { host: '', domainGuid: exact.guid, path };
  const dot = hostPart.indexOf('.');
  const rest = dot < 0 ? undefined : domains.find((d) => d.name === hostPart.slice(dot + 1));
  if (!rest) throw unprocessable(`No domains exist for route ${route}`);
  return { host: hostPart.slice(0, dot), domainGuid: rest.guid, path };
}

function mapRoute(f: Foundation, app: AppRec, where: { host: string; domainGuid: string; path: string }): void {
  const route =
    findRoute(f, where.host, where.domainGuid, where.path) ??
    createRoute(f, { host: where.host, path: where.path, domainGuid: where.domainGuid, spaceGuid: app.space_guid });
  if (route.space_guid !== app.space_guid) throw unprocessable('Routes cannot be mapped to destinations in different spaces');
  addDestinations(f, route, [{ appGuid: app.guid, processType: 'web' }]);
}

/** no-route unmaps; listed routes are added; random/default only for an app with no routes. */
function applyRoutes(f: Foundation, app: AppRec, m: AppManifest, orgDomain: () => string): void {
  if (m.noRoute) {
    for (const r of appRoutes(f, app.guid)) {
      r.destinations = r.destinations.filter((d) => d.app_guid !== app.guid);
      f.store.touch(r);
    }
    f.routesChanged();
    return;
  }
  if (m.routes) {
    for (const r of m.routes) mapRoute(f, app, resolveRoute(f, r.route));
    return;
  }
  if (appRoutes(f, app.guid).length > 0) return;
  if (m.randomRoute) {
    const host = `${hostFor(app.name)}-${WORDS_A[randomInt(WORDS_A.length)]}-${WORDS_B[randomInt(WORDS_B.length)]}-${randomInt(100, 999)}`;
    mapRoute(f, app, { host, domainGuid: orgDomain(), path: '' });
  } else if (m.defaultRoute) {
    mapRoute(f, app, { host: hostFor(app.name), domainGuid: orgDomain(), path: '' });
  }
}

async function applyApp(c: Ctx, app: AppRec, m: AppManifest): Promise<void> {
  const f = c.f;
  if (m.env) app.env = checkEnv({ ...app.env, ...m.env });
  if (app.lifecycle.type === 'buildpack' && (m.buildpacks || m.stack)) {
    const data = app.lifecycle.data as { buildpacks: string[]; stack: string };
    app.lifecycle.data = { buildpacks: m.buildpacks ?? data.buildpacks, stack: m.stack ?? data.stack };
  }
  f.store.touch(app);
  const web: Partial<ManifestProcess> & { type: string } = {
    type: 'web',
    command: m.command,
    instances: m.instances,
    memoryMb: m.memoryMb,
    diskMb: m.diskMb,
    healthCheckType: m.healthCheckType,
    healthCheckHttpEndpoint: m.healthCheckHttpEndpoint,
    timeout: m.timeout,
  };
  const procs = m.processes ?? [];
  const webEntry = procs.find((p) => p.type === 'web');
  // A `processes:` web entry wins over the app-level keys it sets.
  applyProcess(f, app, webEntry ? { ...web, ...Object.fromEntries(Object.entries(webEntry).filter(([, v]) => v !== undefined)) } : web);
  for (const p of procs) if (p.type !== 'web') applyProcess(f, app, p);
  applyRoutes(f, app, m, () => defaultDomain(c, f.store.get('spaces', app.space_guid)?.org_guid ?? '').guid);
  if (m.services?.length) await bindByNames(f, app, m.services);
  // Only instances (and routes) take effect without a restart.
  if (app.state === 'STARTED') void f.supervisor.sync(app.guid);
}

async function applyManifest(c: Ctx): Promise<void> {
  const space = spaceOf(c);
  yamlOnly(c);
  const { apps, warnings } = parseManifestBody(await readText(c.req));
  // CC finds or creates every app before it answers (AppFindOrCreateSkeleton).
  const pairs = apps.map((m) => {
    let app = c.f.store.list('apps').find((a) => a.space_guid === space.guid && a.name === m.name);
    if (app?.lifecycle.type === 'docker' && m.buildpacks) {
      throw unprocessable(
        `For application '${m.name}': ${m.raw.buildpacks !== undefined ? 'Buildpacks' : 'Buildpack'} cannot be configured for a docker lifecycle app.`,
      );
    }
    if (app?.lifecycle.type === 'buildpack' && m.docker) {
      throw unprocessable(`For application '${m.name}': Docker cannot be configured for a buildpack lifecycle app.`);
    }
    if (m.stack !== undefined && !m.docker && m.stack !== STACK) throw unprocessable(`For application '${m.name}': Stack must be an existing stack`);
    if (!app) {
      app = createApp(c.f, { name: m.name, spaceGuid: space.guid, buildpacks: m.buildpacks, stack: m.stack, docker: !!m.docker });
      recordEvent(c.f, 'audit.app.create', appTarget(app), space.guid, { request: { name: m.name } });
    }
    return { app, m };
  });
  await runJob(
    c,
    'space.apply_manifest',
    async (job) => {
      job.warnings = warnings.map((detail) => ({ detail }));
      for (const { app, m } of pairs) {
        try {
          if (!c.f.store.get('apps', app.guid)) throw notFound('App');
          await applyApp(c, app, m);
          recordEvent(c.f, 'audit.app.apply_manifest', appTarget(app), space.guid, { request: { manifest: '[PRIVATE DATA HIDDEN]' } });
        } catch (err) {
          if (err instanceof ApiError) throw new ApiError(err.status, err.code, err.title, `For application '${m.name}': ${err.detail}`);
          throw err;
        }
      }
    },
    `/v3/spaces/${space.guid}`,
    warningsHeader(warnings),
  );
}

async function getJob(c: Ctx): Promise<void> {
  const j = c.f.store.get('jobs', c.params.guid);
  if (!j) throw notFound('Job');
  await holdWhile(() => j.state === 'PROCESSING' && c.f.store.get('jobs', j.guid) === j);
  send(c.res, 200, c.f.present.job(j));
}

async function diff(c: Ctx): Promise<void> {
  const space = spaceOf(c);
  yamlOnly(c);
  const { apps, warnings } = parseManifestBody(await readText(c.req));
  send(
    c.res,
    201,
    {
      diff: manifestDiff(
        c.f,
        space.guid,
        apps.map((a) => a.raw),
      ),
    },
    warningsHeader(warnings),
  );
}

export const manifestRoutes: RouteDef[] = [
  { method: 'POST', path: '/v3/spaces/:guid/manifest_diff', handler: diff },
  { method: 'POST', path: '/v3/spaces/:guid/actions/apply_manifest', handler: applyManifest },
  { method: 'GET', path: '/v3/jobs/:guid', handler: getJob },
];
