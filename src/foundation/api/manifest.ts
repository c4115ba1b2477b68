// POST /v3/spaces/:guid/actions/apply_manifest and GET /v3/jobs/:guid
// (cf-reference.md §1.7): validate every app first (422 with one error per
// problem, "For application 'NAME': "), then apply additively in a job.
import { randomInt } from 'node:crypto';
import { parseDocument } from 'yaml';
import { megabytes } from '../../core/manifest/units';
import type { Foundation } from '../context';
import { ApiError, notFound, readText, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { runJob } from '../jobs';
import { addDestinations, appRoutes, createApp, createRoute, ensureProcess, findRoute } from '../model';
import type { AppRec, ProcessRec, SpaceRec } from '../store';
import { defaultDomain } from './orgs';

type Raw = Record<string, unknown>;

interface ProcSpec {
  type: string;
  command?: string | null;
  instances?: number;
  memoryMb?: number;
  diskMb?: number;
  healthCheckType?: 'port' | 'process' | 'http';
  endpoint?: string;
  timeout?: number;
  invocationTimeout?: number;
}

interface AppSpec {
  name: string;
  env?: Record<string, string>;
  buildpacks?: string[];
  stack?: string;
  routes?: string[];
  defaultRoute: boolean;
  randomRoute: boolean;
  noRoute: boolean;
  processes: ProcSpec[];
}

const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

function intField(raw: Raw, key: string, label: string, min: number, errs: string[]): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errs.push(`${label} must be an integer`);
    return undefined;
  }
  if (v < min) errs.push(min === 0 ? `${label} must be greater than or equal to 0` : `${label} must be greater than 0`);
  return v;
}

/** The process-level keys shared by the app node (web) and `processes[]` entries. */
function procSpec(raw: Raw, type: string, errs: string[]): ProcSpec {
  const p: ProcSpec = { type };
  if (raw.command !== undefined) {
    if (raw.command !== null && typeof raw.command !== 'string') errs.push('Command must be a string');
    else p.command = raw.command || null;
  }
  p.instances = intField(raw, 'instances', 'Instances', 0, errs);
  const mem = megabytes(raw.memory, 'Memory');
  if (mem.error) errs.push(mem.error);
  p.memoryMb = mem.mb;
  const disk = megabytes(raw['disk_quota'] ?? raw['disk-quota'], 'Disk quota');
  if (disk.error) errs.push(disk.error);
  p.diskMb = disk.mb;
  const hc = raw['health-check-type'];
  if (hc !== undefined && hc !== null) {
    const t = hc === 'none' ? 'process' : hc;
    if (t !== 'port' && t !== 'process' && t !== 'http') errs.push('Health check type must be "port", "process", or "http"');
    else p.healthCheckType = t;
  }
  const ep = raw['health-check-http-endpoint'];
  if (ep !== undefined && ep !== null) {
    if (typeof ep !== 'string' || !ep.startsWith('/')) errs.push('Health check http endpoint must be a valid URI path');
    else p.endpoint = ep;
  }
  p.timeout = intField(raw, 'timeout', 'Timeout', 1, errs);
  p.invocationTimeout = intField(raw, 'health-check-invocation-timeout', 'Health check invocation timeout', 1, errs);
  return p;
}

function appSpec(raw: Raw, errs: string[]): AppSpec {
  const spec: AppSpec = { name: String(raw.name ?? ''), defaultRoute: false, randomRoute: false, noRoute: false, processes: [] };
  if (raw.env !== undefined && raw.env !== null) {
    if (!isObj(raw.env)) errs.push('Env must be an object of keys and values');
    else spec.env = Object.fromEntries(Object.entries(raw.env).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  const bps = raw.buildpacks ?? (raw.buildpack !== undefined ? [raw.buildpack] : undefined);
  if (bps !== undefined && bps !== null) {
    if (!Array.isArray(bps) || bps.some((b) => typeof b !== 'string')) errs.push('Buildpacks must be an array of strings');
    else spec.buildpacks = bps as string[];
  }
  if (raw.stack !== undefined && typeof raw.stack !== 'string') errs.push('Stack must be a string');
  else if (typeof raw.stack === 'string') spec.stack = raw.stack;
  if (raw.docker !== undefined) errs.push('Docker apps are not supported by the local foundation yet');
  if (raw.routes !== undefined && raw.routes !== null) {
    if (!Array.isArray(raw.routes) || raw.routes.some((r) => !isObj(r) || typeof r.route !== 'string')) {
      errs.push('Routes must be a list of route objects');
    } else {
      spec.routes = (raw.routes as { route: string }[]).map((r) => r.route);
    }
  }
  spec.noRoute = raw['no-route'] === true;
  spec.randomRoute = raw['random-route'] === true;
  spec.defaultRoute = raw['default-route'] === true;
  if (spec.noRoute && spec.routes) errs.push('Routes cannot be provided when no-route is true');
  const web = procSpec(raw, 'web', errs);
  const procs = new Map<string, ProcSpec>([['web', web]]);
  if (raw.processes !== undefined && raw.processes !== null) {
    if (!Array.isArray(raw.processes)) errs.push('Processes must be an array of process configurations');
    else {
      for (const p of raw.processes) {
        if (!isObj(p) || typeof p.type !== 'string' || !p.type) {
          errs.push('Process must have a type');
          continue;
        }
        const ps = procSpec(p, p.type, errs);
        // A `processes:` web entry wins over app-level keys it sets.
        const prev = procs.get(p.type);
        procs.set(p.type, prev ? { ...prev, ...Object.fromEntries(Object.entries(ps).filter(([, v]) => v !== undefined)) } : ps);
      }
    }
  }
  spec.processes = [...procs.values()];
  return spec;
}

/** The whole document → app specs, or a 422 listing every problem. */
export function parseManifestBody(text: string): AppSpec[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ApiError(400, 1001, 'CF-MessageParseError', `Request invalid due to parse error: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  const root = doc.toJS() as unknown;
  if (!isObj(root)) throw unprocessable("Cannot parse manifest with no 'applications' field.");
  if (root.version !== undefined && root.version !== 1) {
    throw unprocessable('Unsupported manifest schema version. Currently supported versions: [1].');
  }
  const apps = root.applications;
  if (!Array.isArray(apps) || apps.length === 0) throw unprocessable("Cannot parse manifest with no 'applications' field.");
  const problems: string[] = [];
  const specs = apps.map((raw, i) => {
    const errs: string[] = [];
    if (!isObj(raw)) {
      problems.push(`For application at index ${i}: Application must be an object`);
      return undefined;
    }
    const named = typeof raw.name === 'string' && raw.name.trim() !== '';
    if (!named) errs.push('Name must not be empty');
    const spec = appSpec(raw, errs);
    const prefix = named ? `For application '${raw.name as string}': ` : `For application at index ${i}: `;
    problems.push(...errs.map((e) => prefix + e));
    return spec;
  });
  if (problems.length > 0) {
    const [first, ...rest] = problems.map((detail) => ({ code: 10008, title: 'CF-UnprocessableEntity', detail }));
    throw new ApiError(422, first!.code, first!.title, first!.detail, rest);
  }
  return specs as AppSpec[];
}

function applyProcess(f: Foundation, app: AppRec, ps: ProcSpec): ProcessRec {
  const p = ensureProcess(f, app, ps.type);
  if (ps.command !== undefined) p.command = ps.command;
  if (ps.instances !== undefined) p.instances = ps.instances;
  if (ps.memoryMb !== undefined) p.memory_in_mb = ps.memoryMb;
  if (ps.diskMb !== undefined) p.disk_in_mb = ps.diskMb;
  if (ps.healthCheckType) p.health_check.type = ps.healthCheckType;
  if (ps.endpoint !== undefined) p.health_check.data.endpoint = ps.endpoint;
  if (ps.timeout !== undefined) p.health_check.data.timeout = ps.timeout;
  if (ps.invocationTimeout !== undefined) p.health_check.data.invocation_timeout = ps.invocationTimeout;
  f.store.touch(p);
  return p;
}

const WORDS_A = ['brave', 'quiet', 'lucky', 'shiny', 'rapid', 'calm', 'bold', 'merry', 'sunny', 'fuzzy'];
const WORDS_B = ['otter', 'falcon', 'badger', 'panda', 'lynx', 'heron', 'koala', 'tiger', 'wombat', 'gecko'];

function hostFor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'app';
}

/** "host.domain/path": the longest existing domain suffix wins (CC manifest_route.rb). */
function resolveRoute(f: Foundation, route: string): { host: string; domainGuid: string; path: string } {
  const slash = route.indexOf('/');
  const hostPart = (slash < 0 ? route : route.slice(0, slash)).toLowerCase().replace(/^https?:\/\//, '');
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
  if (route.space_guid !== app.space_guid) throw unprocessable(`The app cannot be mapped to route ${route.host} because the route is not in this space.`);
  addDestinations(f, route, [{ appGuid: app.guid, processType: 'web' }]);
}

function applyRoutes(f: Foundation, app: AppRec, spec: AppSpec, orgDomain: () => string): void {
  if (spec.noRoute) {
    for (const r of appRoutes(f, app.guid)) {
      r.destinations = r.destinations.filter((d) => d.app_guid !== app.guid);
      f.store.touch(r);
    }
    f.routesChanged();
    return;
  }
  if (spec.routes) {
    for (const r of spec.routes) mapRoute(f, app, resolveRoute(f, r));
    return;
  }
  if (appRoutes(f, app.guid).length > 0) return;
  if (spec.randomRoute) {
    const host = `${hostFor(app.name)}-${WORDS_A[randomInt(WORDS_A.length)]}-${WORDS_B[randomInt(WORDS_B.length)]}-${randomInt(100, 999)}`;
    mapRoute(f, app, { host, domainGuid: orgDomain(), path: '' });
  } else if (spec.defaultRoute) {
    mapRoute(f, app, { host: hostFor(app.name), domainGuid: orgDomain(), path: '' });
  }
}

async function applyManifest(c: Ctx): Promise<void> {
  const space = c.f.store.get('spaces', c.params.guid) as SpaceRec | undefined;
  if (!space) throw notFound('Space');
  const type = c.req.headers['content-type'] ?? '';
  if (!/yaml/i.test(type)) throw new ApiError(400, 1001, 'CF-MessageParseError', 'Request invalid due to parse error: Content-Type must be yaml');
  const specs = parseManifestBody(await readText(c.req));
  await runJob(c, 'app.apply_manifest', async () => {
    for (const spec of specs) {
      try {
        let app = c.f.store.list('apps').find((a) => a.space_guid === space.guid && a.name === spec.name);
        if (!app) app = createApp(c.f, { name: spec.name, spaceGuid: space.guid, buildpacks: spec.buildpacks, stack: spec.stack });
        if (spec.env) Object.assign(app.env, spec.env);
        if (spec.buildpacks || spec.stack) {
          const data = app.lifecycle.data as { buildpacks: string[]; stack: string };
          app.lifecycle.data = { buildpacks: spec.buildpacks ?? data.buildpacks, stack: spec.stack ?? data.stack };
        }
        c.f.store.touch(app);
        for (const ps of spec.processes) applyProcess(c.f, app, ps);
        applyRoutes(c.f, app, spec, () => defaultDomain(c).guid);
        // Only instances (and routes) take effect without a restart.
        if (app.state === 'STARTED') void c.f.supervisor.sync(app.guid);
      } catch (err) {
        if (err instanceof ApiError) {
          throw new ApiError(err.status, err.code, err.title, `For application '${spec.name}': ${err.detail}`);
        }
        throw err;
      }
    }
  }, `/v3/spaces/${space.guid}`);
}

function getJob(c: Ctx): void {
  const j = c.f.store.get('jobs', c.params.guid);
  if (!j) throw notFound('Job');
  send(c.res, 200, c.f.present.job(j));
}

/** The cf CLI shows this before pushing; an empty diff keeps it quiet (full diff is a later issue). */
async function manifestDiff(c: Ctx): Promise<void> {
  if (!c.f.store.get('spaces', c.params.guid)) throw notFound('Space');
  parseManifestBody(await readText(c.req));
  send(c.res, 201, { diff: [] });
}

export const manifestRoutes: RouteDef[] = [
  { method: 'POST', path: '/v3/spaces/:guid/manifest_diff', handler: manifestDiff },
  { method: 'POST', path: '/v3/spaces/:guid/actions/apply_manifest', handler: applyManifest },
  { method: 'GET', path: '/v3/jobs/:guid', handler: getJob },
];
