// /v3/processes: read, update, scale, stats (cf-reference.md §1.4).
import { filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { appProcesses, getApp } from '../model';
import { appTarget, recordEvent } from '../events';
import { holdWhile } from '../hold';
import { recordUsage } from '../usage';
import type { ProcessRec } from '../store';

function byGuid(c: Ctx): ProcessRec {
  const p = c.f.store.get('processes', c.params.guid);
  if (!p) throw notFound('Process');
  return p;
}

function byAppType(c: Ctx): ProcessRec {
  const app = getApp(c.f, c.params.guid);
  const p = appProcesses(c.f, app.guid).find((x) => x.type === c.params.type);
  if (!p) throw notFound('Process');
  return p;
}

function list(c: Ctx): void {
  const procs = filterList(c.f.store.list('processes'), c.query, {
    guids: (p) => p.guid,
    types: (p) => p.type,
    app_guids: (p) => p.app_guid,
    space_guids: (p) => c.f.store.get('apps', p.app_guid)?.space_guid,
  });
  send(
    c.res,
    200,
    paginate(c, procs, (p) => c.f.present.process(p, { inList: true })),
  );
}

function nonNegInt(v: unknown, label: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0) throw unprocessable(`${label} must be greater than or equal to 0`);
  return v as number;
}

function posInt(v: unknown, label: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < 1) throw unprocessable(`${label} must be greater than 0`);
  return v as number;
}

async function update(c: Ctx, p: ProcessRec): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['command', 'health_check', 'readiness_health_check', 'metadata']);
  if (body.command !== undefined) {
    if (body.command !== null && typeof body.command !== 'string') throw unprocessable('Command must be a string');
    p.command = body.command === '' ? null : body.command;
  }
  const hc = body.health_check;
  if (hc && typeof hc === 'object') {
    if (hc.type !== undefined) {
      const t = hc.type === 'none' ? 'process' : hc.type;
      if (!['port', 'process', 'http'].includes(t)) throw unprocessable('Health check type must be "port", "process", or "http"');
      p.health_check.type = t;
    }
    const d = hc.data ?? {};
    if (d.timeout !== undefined) p.health_check.data.timeout = posInt(d.timeout, 'Timeout') ?? null;
    if (d.invocation_timeout !== undefined) p.health_check.data.invocation_timeout = posInt(d.invocation_timeout, 'Invocation timeout') ?? null;
    if (d.endpoint !== undefined) p.health_check.data.endpoint = d.endpoint ?? null;
  }
  c.f.store.touch(p);
  processEvent(c, p, 'audit.app.process.update', { ...body, ...(body.command !== undefined ? { command: '[PRIVATE DATA HIDDEN]' } : {}) });
  send(c.res, 200, c.f.present.process(p));
}

/** Process events name the app as their target, with the process in their data (as CC's). */
function processEvent(c: Ctx, p: ProcessRec, type: string, request: Record<string, unknown>): void {
  const app = c.f.store.get('apps', p.app_guid);
  if (app) recordEvent(c.f, type, appTarget(app), app.space_guid, { process_guid: p.guid, process_type: p.type, request });
}

/** Instances apply at once; memory/disk need a restart, as on CF. */
async function scale(c: Ctx, p: ProcessRec): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['instances', 'memory_in_mb', 'disk_in_mb', 'log_rate_limit_in_bytes_per_second']);
  const instances = nonNegInt(body.instances, 'Instances');
  const mem = posInt(body.memory_in_mb, 'Memory in mb');
  const disk = posInt(body.disk_in_mb, 'Disk in mb');
  const before = { state: 'STARTED', instances: p.instances, memory: p.memory_in_mb };
  if (instances !== undefined) p.instances = instances;
  if (mem !== undefined) p.memory_in_mb = mem;
  if (disk !== undefined) p.disk_in_mb = disk;
  c.f.store.touch(p);
  void c.f.supervisor.sync(p.app_guid);
  const app = c.f.store.get('apps', p.app_guid);
  if (app?.state === 'STARTED') recordUsage(c.f, app, p, 'STARTED', before);
  processEvent(c, p, 'audit.app.process.scale', { instances, memory_in_mb: mem, disk_in_mb: disk });
  send(c.res, 202, c.f.present.process(p));
}

/** While a started app's instances are all still starting, the answer waits briefly for the first to run. */
async function stats(c: Ctx, p: ProcessRec): Promise<void> {
  const starting = () => {
    const app = c.f.store.get('apps', p.app_guid);
    if (app?.state !== 'STARTED' || p.instances === 0) return false;
    const states = (c.f.supervisor.stats(p) as { state: string }[]).map((s) => s.state);
    return states.length > 0 && states.every((s) => s === 'STARTING');
  };
  await holdWhile(starting);
  send(c.res, 200, { resources: c.f.supervisor.stats(p) });
}

/** Sidecars: none run here yet, so every list is empty and any one is not found (CC's shapes). */
function noSidecars(c: Ctx): void {
  send(
    c.res,
    200,
    paginate(c, [], (x) => x),
  );
}

export const processRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/processes/:guid/sidecars', handler: (c) => (byGuid(c), noSidecars(c)) },
  { method: 'GET', path: '/v3/apps/:guid/sidecars', handler: (c) => (getApp(c.f, c.params.guid), noSidecars(c)) },
  {
    method: 'GET',
    path: '/v3/sidecars/:guid',
    handler: () => {
      throw notFound('Sidecar');
    },
  },
  { method: 'GET', path: '/v3/processes', handler: list },
  { method: 'GET', path: '/v3/processes/:guid', handler: (c) => send(c.res, 200, c.f.present.process(byGuid(c))) },
  { method: 'PATCH', path: '/v3/processes/:guid', handler: (c) => update(c, byGuid(c)) },
  { method: 'POST', path: '/v3/processes/:guid/actions/scale', handler: (c) => scale(c, byGuid(c)) },
  { method: 'GET', path: '/v3/processes/:guid/stats', handler: (c) => stats(c, byGuid(c)) },
  { method: 'GET', path: '/v3/apps/:guid/processes/:type', handler: (c) => send(c.res, 200, c.f.present.process(byAppType(c))) },
  { method: 'PATCH', path: '/v3/apps/:guid/processes/:type', handler: (c) => update(c, byAppType(c)) },
  { method: 'POST', path: '/v3/apps/:guid/processes/:type/actions/scale', handler: (c) => scale(c, byAppType(c)) },
  { method: 'GET', path: '/v3/apps/:guid/processes/:type/stats', handler: (c) => stats(c, byAppType(c)) },
];
