// `routes`, `random-route`, `default-route`, `no-route` with CC's messages
// (CC `manifest_routes_update_message.rb`, `app_manifest/manifest_route.rb`).
import type { ManifestRoute } from './types';
import { entry, type YMap, type YNode } from './tree';
import { isBool, isNull, type AppRef, type Sink } from './checks';

const PROTOCOLS = ['http1', 'http2', 'tcp'] as const;
const ROUTE_OPTIONS = ['loadbalancing', 'hash_header', 'hash_balance'];
const LOADBALANCING = ['round-robin', 'least-connection', 'hash'];

/**
 * `host.domain[/path]` or `domain:port`, optional http(s):// scheme; no
 * user info, query or fragment; `*` only as the whole first label.
 */
export function isWellFormedRoute(route: string): boolean {
  const m = /^(?:https?:\/\/)?([^/:?#@\s]+)(?::(\d{1,5}))?(\/[^?#\s]*)?$/i.exec(route);
  if (!m) return false;
  const labels = m[1]!.split('.');
  if (labels.length < 2) return false;
  const labelOk = (l: string, i: number): boolean => (i === 0 && l === '*') || /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(l);
  if (!labels.every(labelOk)) return false;
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535 || m[3]) return false; // TCP routes have no path
  }
  return true;
}

export interface RouteFields {
  routes?: ManifestRoute[];
  randomRoute?: boolean;
  defaultRoute?: boolean;
  noRoute?: boolean;
}

export function validateRoutes(app: YMap, keyOf: (k: string) => string | undefined, sink: Sink, ref: AppRef): RouteFields {
  const out: RouteFields = {};
  const get = (k: string): YNode | undefined => {
    const real = keyOf(k);
    return real === undefined ? undefined : entry(app, real)?.value;
  };
  const routesNode = get('routes');
  if (routesNode) out.routes = routeList(routesNode, sink, ref);

  const flags: [string, string, keyof RouteFields][] = [
    ['no_route', 'No-route', 'noRoute'],
    ['default_route', 'Default-route', 'defaultRoute'],
    ['random_route', 'Random-route', 'randomRoute'],
  ];
  for (const [key, label, field] of flags) {
    const n = get(key);
    if (!n || isNull(n) || (n.kind === 'scalar' && n.unresolved)) continue;
    if (!isBool(n)) sink.error(`${label} must be a boolean`, n.range, ref);
    else (out as Record<string, unknown>)[field] = n.value;
  }
  if (out.randomRoute && out.defaultRoute) {
    const n = get('default_route')!;
    sink.error('Random-route and default-route may not be used together', n.range, ref);
  }
  return out;
}

function routeList(node: YNode, sink: Sink, ref: AppRef): ManifestRoute[] | undefined {
  const items = node.kind === 'seq' ? node.items : undefined;
  const bad = !items || items.some((r) => r.kind !== 'map' || !routeText(r));
  if (bad) {
    // CC reports this once and skips the per-route checks.
    const where = items?.find((r) => r.kind !== 'map' || !routeText(r)) ?? node;
    sink.error('Routes must be a list of route objects', where.range, ref);
    return undefined;
  }
  const out: ManifestRoute[] = [];
  for (const r of items as YMap[]) {
    const routeEntry = entry(r, 'route')!;
    const route = routeText(r)!;
    const unresolved = routeEntry.value.kind === 'scalar' && routeEntry.value.unresolved;
    if (!unresolved && !isWellFormedRoute(route)) {
      sink.error(`The route '${route}' is not a properly formed URL`, routeEntry.value.range, ref);
    }
    const mr: ManifestRoute = { route };
    const proto = entry(r, 'protocol')?.value;
    if (proto && !isNull(proto)) {
      const p = proto.kind === 'scalar' ? proto.value : undefined;
      if (typeof p === 'string' && (PROTOCOLS as readonly string[]).includes(p)) mr.protocol = p as ManifestRoute['protocol'];
      else if (!(proto.kind === 'scalar' && proto.unresolved)) sink.error("Route protocol must be 'http1', 'http2' or 'tcp'.", proto.range, ref);
    }
    const opts = entry(r, 'options')?.value;
    if (opts) routeOptions(route, opts, sink, ref);
    out.push(mr);
  }
  return out;
}

function routeText(r: YNode): string | undefined {
  if (r.kind !== 'map') return undefined;
  const v = entry(r, 'route')?.value;
  if (!v || v.kind !== 'scalar' || v.value === null || v.value === '') return undefined;
  return String(v.value);
}

function routeOptions(route: string, opts: YNode, sink: Sink, ref: AppRef): void {
  if (opts.kind !== 'map') {
    sink.error(`Route '${route}': options must be an object`, opts.range, ref);
    return;
  }
  for (const e of opts.entries) {
    if (!ROUTE_OPTIONS.includes(e.key)) {
      sink.error(`Route '${route}' contains invalid route option '${e.key}'. Valid keys: '${ROUTE_OPTIONS.join(', ')}'`, e.keyRange, ref);
    }
  }
  const lb = entry(opts, 'loadbalancing')?.value;
  if (lb) {
    const v = lb.kind === 'scalar' ? lb.value : undefined;
    if (typeof v !== 'string') {
      sink.error(`Invalid value for 'loadbalancing' for Route '${route}'; Valid values are: '${LOADBALANCING.join(', ')}'`, lb.range, ref);
    } else if (!LOADBALANCING.includes(v)) {
      sink.error(`Cannot use loadbalancing value '${v}' for Route '${route}'; Valid values are: '${LOADBALANCING.join(', ')}'`, lb.range, ref);
    }
  }
}
