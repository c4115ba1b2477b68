// POST /v3/spaces/:guid/manifest_diff (CC `space_diff_manifest.rb`): each
// manifest app's recognised keys against the app as CC would render it as a
// manifest (`AppManifestPresenter`, web process fields merged at the top),
// memory and disk compared in MB. JSON-patch style ops with `was`.
import { parseBytes, toMb } from '../core/manifest/units';
import type { Foundation } from './context';
import { appProcesses, appRoutes } from './model';
import { routeUrl } from './present';
import type { AppRec } from './store';

export interface DiffOp {
  op: 'add' | 'remove' | 'replace';
  path: string;
  was?: unknown;
  value?: unknown;
}

/** AppManifestMessage's keys, dasherized as they appear in manifests. */
const RECOGNIZED = new Set([
  'name',
  'buildpack',
  'buildpacks',
  'stack',
  'lifecycle',
  'command',
  'instances',
  'memory',
  'disk_quota',
  'disk-quota',
  'log-rate-limit-per-second',
  'env',
  'routes',
  'random-route',
  'default-route',
  'no-route',
  'health-check-type',
  'health-check-http-endpoint',
  'health-check-invocation-timeout',
  'timeout',
  'docker',
  'services',
  'processes',
  'sidecars',
  'metadata',
  'features',
]);

const PROCESS_KEYS = [
  'type',
  'command',
  'disk_quota',
  'health-check-http-endpoint',
  'health-check-invocation-timeout',
  'health-check-type',
  'instances',
  'log-rate-limit-per-second',
  'memory',
  'timeout',
];

function mbString(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  const r = parseBytes(v);
  return r.ok ? `${toMb(r.bytes)}M` : v;
}

function normalizeBytes(h: Record<string, unknown>): Record<string, unknown> {
  const out = { ...h };
  for (const k of ['memory', 'disk_quota', 'disk-quota']) if (out[k] !== undefined && out[k] !== null) out[k] = mbString(out[k]);
  return out;
}

/** The app as CC renders it for `cf create-app-manifest`. */
export function currentManifest(f: Foundation, app: AppRec): Record<string, unknown> {
  const procs = appProcesses(f, app.guid).map((p) => {
    const h: Record<string, unknown> = {
      type: p.type,
      instances: p.instances,
      memory: `${p.memory_in_mb}M`,
      disk_quota: `${p.disk_in_mb}M`,
      'log-rate-limit-per-second': '-1',
      'health-check-type': p.health_check.type,
    };
    if (p.health_check.data.endpoint) h['health-check-http-endpoint'] = p.health_check.data.endpoint;
    if (p.health_check.data.invocation_timeout) h['health-check-invocation-timeout'] = p.health_check.data.invocation_timeout;
    if (p.health_check.data.timeout) h.timeout = p.health_check.data.timeout;
    if (p.command) h.command = p.command;
    return h;
  });
  const routes = appRoutes(f, app.guid).map((r) => ({ route: routeUrl(r.host, f.store.get('domains', r.domain_guid)?.name ?? '', r.path) }));
  const services = f.store
    .list('service_bindings')
    .filter((b) => b.app_guid === app.guid)
    .map((b) => f.store.get('service_instances', b.service_instance_guid)?.name)
    .filter((n): n is string => !!n);
  const out: Record<string, unknown> = { name: app.name };
  if (app.lifecycle.type === 'buildpack') {
    const data = app.lifecycle.data as { buildpacks: string[]; stack: string };
    if (data.buildpacks.length) out.buildpacks = data.buildpacks;
    out.stack = data.stack;
  }
  if (Object.keys(app.env).length) out.env = { ...app.env };
  if (routes.length) out.routes = routes;
  else out['no-route'] = true;
  if (services.length) out.services = services;
  out.processes = procs;
  const web = procs.find((p) => p.type === 'web');
  if (web) {
    const { type: _t, ...rest } = web;
    Object.assign(out, rest);
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const esc = (k: string | number) => String(k).replace(/~/g, '~0').replace(/\//g, '~1');

/** A structural JSON diff (the json-diff gem's output shape CC returns, `include_was`). */
export function jsonDiff(was: unknown, value: unknown, path: string, out: DiffOp[]): void {
  if (isObj(was) && isObj(value)) {
    for (const k of Object.keys(was)) if (!(k in value)) out.push({ op: 'remove', path: `${path}/${esc(k)}`, was: was[k] });
    for (const k of Object.keys(value)) {
      if (!(k in was)) out.push({ op: 'add', path: `${path}/${esc(k)}`, value: value[k] });
      else jsonDiff(was[k], value[k], `${path}/${esc(k)}`, out);
    }
    return;
  }
  if (Array.isArray(was) && Array.isArray(value)) {
    const n = Math.min(was.length, value.length);
    for (let i = 0; i < n; i++) jsonDiff(was[i], value[i], `${path}/${i}`, out);
    for (let i = was.length - 1; i >= n; i--) out.push({ op: 'remove', path: `${path}/${i}`, was: was[i] });
    for (let i = n; i < value.length; i++) out.push({ op: 'add', path: `${path}/${i}`, value: value[i] });
    return;
  }
  if (JSON.stringify(was) === JSON.stringify(value)) return;
  // CC turns a replace of nothing into an add.
  if (was === undefined || was === null) out.push({ op: 'add', path, value });
  else out.push({ op: 'replace', path, was, value });
}

/** `apps` are the manifest's application nodes as plain JSON (after validation). */
export function manifestDiff(f: Foundation, spaceGuid: string, apps: Record<string, unknown>[]): DiffOp[] {
  const diff: DiffOp[] = [];
  apps.forEach((raw, index) => {
    const manifestApp = normalizeBytes(raw);
    if (Array.isArray(manifestApp.processes)) {
      manifestApp.processes = (manifestApp.processes as Record<string, unknown>[]).map((p) =>
        normalizeBytes(Object.fromEntries(Object.entries(p).filter(([k]) => PROCESS_KEYS.includes(k)))),
      );
    }
    const existing = f.store.list('apps').find((a) => a.space_guid === spaceGuid && a.name === manifestApp.name);
    const current: Record<string, unknown> = existing ? currentManifest(f, existing) : {};
    if (existing && 'disk-quota' in manifestApp) current['disk-quota'] = current.disk_quota;
    for (const [key, value] of Object.entries(manifestApp)) {
      if (!RECOGNIZED.has(key)) continue;
      jsonDiff(current[key], value, `/applications/${index}/${esc(key)}`, diff);
    }
  });
  return diff;
}
