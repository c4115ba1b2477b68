// Process-level fields (top level = the `web` process) with CC's messages,
// prefixed `Process "TYPE": ` the way CC's AppManifestMessage adds them.
import type { ManifestProcess } from './types';
import { entry, type YMap, type YNode } from './tree';
import { isNull, normKey, numericality, scalarText, type AppRef, type NumOpts, type Sink } from './checks';
import { logRate, megabytes } from './units';
import { renameFix, suggestKey, unitFix } from './fixes';

export const HEALTH_CHECK_TYPES = ['port', 'process', 'http'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];

/** Map a map's keys by their underscored form; both spellings present is an error. */
export function keyIndex(map: YMap, sink: Sink, ref?: AppRef): (k: string) => string | undefined {
  const index = new Map<string, string>();
  for (const e of map.entries) {
    const n = normKey(e.key);
    const prev = index.get(n);
    if (prev !== undefined) {
      sink.error(`'${prev}' and '${e.key}' cannot be used together.`, e.keyRange, ref);
      continue;
    }
    index.set(n, e.key);
  }
  return (k) => index.get(k);
}

export type ProcessFields = Omit<ManifestProcess, 'type'> & { logRateLimitBps?: number };

const unresolved = (n: YNode): boolean => n.kind === 'scalar' && !!n.unresolved;

export function validateProcessFields(map: YMap, keyOf: (k: string) => string | undefined, type: string, sink: Sink, ref: AppRef): ProcessFields {
  const out: ProcessFields = {};
  const prefix = `Process "${type}": `;
  const err = (msg: string, n: YNode): void => sink.error(prefix + msg, n.range, ref);
  // A unit error with an obvious reading says it in the hint and carries the edit.
  const unitErr = (msg: string, n: YNode, bareMeansMb: boolean): void => {
    sink.error(prefix + msg, n.range, ref, /supported unit/.test(msg) ? unitFix(n, bareMeansMb) : undefined);
  };
  const get = (k: string): YNode | undefined => {
    const real = keyOf(k);
    return real === undefined ? undefined : entry(map, real)?.value;
  };
  const checked = (k: string): YNode | undefined => {
    const n = get(k);
    return n && !unresolved(n) ? n : undefined;
  };
  const scalarValue = (n: YNode): unknown => (n.kind === 'scalar' ? n.value : NaN);

  const num = (k: string, label: string, o: NumOpts): number | undefined => {
    const n = checked(k);
    if (!n || isNull(n)) return undefined;
    const r = numericality(scalarValue(n), o);
    if (r.error) err(`${label} ${r.error}`, n);
    return r.value;
  };

  const mem = checked('memory');
  if (mem) {
    const r = megabytes(scalarValue(mem), 'Memory');
    if (r.error) unitErr(r.error, mem, true);
    else if (r.mb !== undefined) out.memoryMb = r.mb;
  }
  const disk = checked('disk_quota');
  if (disk) {
    const r = megabytes(scalarValue(disk), 'Disk quota');
    if (r.error) unitErr(r.error, disk, true);
    else if (r.mb !== undefined) out.diskMb = r.mb;
  }
  const lr = checked('log_rate_limit_per_second');
  if (lr) {
    const r = logRate(scalarValue(lr));
    if (r.error) unitErr(r.error, lr, false);
    else if (r.bps !== undefined) out.logRateLimitBps = r.bps;
  }
  out.instances = num('instances', 'Instances', { integer: true, gte: 0, lte: 2000000 });

  const cmd = checked('command');
  if (cmd && !isNull(cmd)) {
    const text = cmd.kind === 'scalar' ? scalarText(cmd) : undefined;
    if (text === undefined) err('Command must be a string', cmd);
    else if (text.length < 1 || text.length > 4096) err('Command must be between 1 and 4096 characters', cmd);
    else out.command = text;
  }

  const hct = checked('health_check_type');
  if (hct) {
    // CC maps the deprecated "none" to "process".
    const v = hct.kind === 'scalar' && hct.value === 'none' ? 'process' : scalarValue(hct);
    if (typeof v === 'string' && (HEALTH_CHECK_TYPES as readonly string[]).includes(v)) out.healthCheckType = v as HealthCheckType;
    else err('Health check type must be "port", "process", or "http"', hct);
  }
  const ep = checked('health_check_http_endpoint');
  if (ep && !isNull(ep)) {
    const v = scalarValue(ep);
    if (typeof v !== 'string' || !/^\/[^\s?#]*(\?[^\s#]*)?$/.test(v)) err('Health check http endpoint must be a valid URI path', ep);
    else {
      out.healthCheckHttpEndpoint = v;
      if (out.healthCheckType && out.healthCheckType !== 'http') {
        err('Health check type must be "http" to set a health check HTTP endpoint', get('health_check_type')!);
      }
    }
  }
  out.healthCheckInvocationTimeout = num('health_check_invocation_timeout', 'Health check invocation timeout', { integer: true, gte: 1 });
  num('health_check_interval', 'Health check interval', { integer: true, gte: 1 });
  out.timeout = num('timeout', 'Timeout', { integer: true, gte: 1 });

  const rhct = checked('readiness_health_check_type');
  if (rhct && !(rhct.kind === 'scalar' && typeof rhct.value === 'string' && (HEALTH_CHECK_TYPES as readonly string[]).includes(rhct.value))) {
    err('Readiness health check type must be "port", "process", or "http"', rhct);
  }
  num('readiness_health_check_invocation_timeout', 'Readiness health check invocation timeout', { integer: true, gte: 1 });
  num('readiness_health_check_interval', 'Readiness health check interval', { integer: true, gte: 1 });

  for (const k of Object.keys(out) as (keyof ProcessFields)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export const PROCESS_KEYS = new Set([
  'type',
  'command',
  'instances',
  'memory',
  'disk_quota',
  'log_rate_limit_per_second',
  'user',
  'health_check_type',
  'health_check_http_endpoint',
  'health_check_invocation_timeout',
  'health_check_interval',
  'readiness_health_check_type',
  'readiness_health_check_http_endpoint',
  'readiness_health_check_invocation_timeout',
  'readiness_health_check_interval',
  'timeout',
]);

/** `processes:` with CC's list-level messages, then each entry's fields. */
export function validateProcesses(node: YNode, sink: Sink, ref: AppRef): ManifestProcess[] | undefined {
  if (node.kind !== 'seq') {
    sink.error('Processes must be an array of process configurations', node.range, ref);
    return undefined;
  }
  const out: ManifestProcess[] = [];
  const seen = new Map<string, number>();
  let missingType = false;
  for (const item of node.items) {
    if (item.kind !== 'map') {
      sink.error('Processes must be an array of process configurations', item.range, ref);
      continue;
    }
    const keyOf = keyIndex(item, sink, ref);
    const typeNode = entry(item, 'type')?.value;
    const type = typeNode ? scalarText(typeNode) : undefined;
    if (!type || !type.trim()) {
      // CC says this once for the whole list.
      if (!missingType) sink.error('All Processes must specify a type', typeNode?.range ?? item.entries[0]?.keyRange ?? item.range, ref);
      missingType = true;
      continue;
    }
    const count = (seen.get(type) ?? 0) + 1;
    seen.set(type, count);
    if (count === 2) sink.error(`Process "${type}" may only be present once`, typeNode!.range, ref);
    const present = item.entries.map((e) => e.key);
    for (const e of item.entries) {
      if (PROCESS_KEYS.has(normKey(e.key))) continue;
      const meant = suggestKey(e.key, PROCESS_KEYS, 'process', present);
      sink.warn(`Unknown process key '${e.key}' is ignored${meant ? `. Did you mean '${meant}'?` : ''}`, e.keyRange, ref, {
        fix: meant ? renameFix(e.keyRange, meant) : undefined,
      });
    }
    const { logRateLimitBps: _lr, ...fields } = validateProcessFields(item, keyOf, type, sink, ref);
    if (count === 1) out.push({ type, ...fields });
  }
  return out;
}
