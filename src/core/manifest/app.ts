// One `applications[i]` entry → AppManifest, reporting every problem at once
// (CC returns all of an app's errors together; the CLI checks `path`/`docker`).
import { resolve } from 'node:path';
import type { AppManifest } from './types';
import { entry, toJS, type Range, type YMap, type YNode } from './tree';
import { isNull, normKey, scalarText, type AppRef, type Sink } from './checks';
import { keyIndex, validateProcesses, validateProcessFields } from './process';
import { validateRoutes } from './routes';
import { buildpackFix, suggestKey, renameFix } from './fixes';
import { MAX_ENV_BYTES, MAX_ENV_VAR_BYTES, MAX_NAME_LENGTH, envTooLargeMessage, envVarTooLongMessage, nameTooLongMessage } from './limits';

/** App-level keys CC or the CLI understand (underscored, as CC compares them). */
export const APP_KEYS = new Set([
  'name',
  'path',
  'buildpack',
  'buildpacks',
  'stack',
  'lifecycle',
  'command',
  'instances',
  'memory',
  'disk_quota',
  'log_rate_limit_per_second',
  'env',
  'routes',
  'random_route',
  'default_route',
  'no_route',
  'health_check_type',
  'health_check_http_endpoint',
  'health_check_invocation_timeout',
  'health_check_interval',
  'health_check_timeout',
  'readiness_health_check_type',
  'readiness_health_check_http_endpoint',
  'readiness_health_check_invocation_timeout',
  'readiness_health_check_interval',
  'timeout',
  'docker',
  'services',
  'processes',
  'sidecars',
  'metadata',
  'features',
  'cnb_credentials',
]);

/** What a misspelled app key is compared with: not the deprecated `buildpack`. */
const SUGGESTED_APP_KEYS = [...APP_KEYS].filter((k) => k !== 'buildpack');

/** Removed route keys (cf CLI v6 era). */
export const ROUTE_COMPONENT_KEYS = new Set(['host', 'hosts', 'domain', 'domains', 'no_hostname']);

export function deprecatedKeyWarning(key: string): string | undefined {
  const n = normKey(key);
  if (ROUTE_COMPONENT_KEYS.has(n)) {
    return `Deprecation warning: Route component attribute '${key}' is deprecated and no longer supported. Please use 'routes' instead (routes: [{route: host.domain}]).`;
  }
  if (n === 'inherit') return `Deprecation warning: 'inherit' is no longer supported. Please use YAML anchors and aliases (<<: *defaults) instead.`;
  return undefined;
}

/** Where some fields came from, for checks that need the file system (path exists). */
export const appRanges = new WeakMap<AppManifest, { index: number; app: Range; path?: Range; name?: Range }>();

export function validateApp(node: YNode, index: number, baseDir: string, sink: Sink, knownServices?: string[]): AppManifest | undefined {
  const ref: AppRef = { index };
  if (node.kind !== 'map') {
    sink.error('Application must be a map of keys and values', node.range, ref);
    return undefined;
  }
  const before = sink.diagnostics.length;
  const app = node;
  const keyOf = keyIndex(app, sink, ref);
  const get = (k: string): YNode | undefined => {
    const real = keyOf(k);
    return real === undefined ? undefined : entry(app, real)?.value;
  };
  const usable = (n: YNode | undefined): n is YNode => !!n && !isNull(n) && !(n.kind === 'scalar' && n.unresolved);

  // name first, so later diagnostics can carry it.
  const nameNode = get('name');
  const name = nameNode ? scalarText(nameNode) : undefined;
  if (nameNode && nameNode.kind !== 'scalar') sink.error('Name must be a string', nameNode.range, ref);
  else if (!name || !name.trim()) sink.error('Name must not be empty', (nameNode ?? headRange(app)).range, ref);
  else if (name.length > MAX_NAME_LENGTH) {
    sink.error(nameTooLongMessage(name.length), nameNode!.range, ref, { hint: 'Choose a shorter name: it becomes part of URLs, routes and log lines.' });
  }
  if (name) ref.name = name.length > MAX_NAME_LENGTH ? `${name.slice(0, 40)}…` : name;
  for (const d of sink.diagnostics.slice(before)) if (d.app && ref.name !== undefined) d.app.name = ref.name;

  const present = app.entries.map((e) => e.key);
  for (const e of app.entries) {
    const dep = deprecatedKeyWarning(e.key);
    if (dep) sink.warn(dep, e.keyRange, ref);
    else if (!APP_KEYS.has(normKey(e.key))) {
      const meant = suggestKey(e.key, SUGGESTED_APP_KEYS, 'app', present);
      sink.warn(`Unknown key '${e.key}' is ignored by Cloud Controller${meant ? `. Did you mean '${meant}'?` : ''}`, e.keyRange, ref, {
        fix: meant ? renameFix(e.keyRange, meant) : undefined,
      });
    }
  }

  const out: AppManifest = { name: name ?? '', path: baseDir, raw: toJS(app) as Record<string, unknown> };
  if (name !== undefined) out.raw.name = name;

  const pathNode = get('path');
  if (usable(pathNode)) {
    const p = scalarText(pathNode);
    if (p === undefined) sink.error('Path must be a string', pathNode.range, ref);
    else out.path = resolve(baseDir, p);
  }

  lifecycle(app, get, out, sink, ref);

  const stack = get('stack');
  if (usable(stack)) {
    const s = scalarText(stack);
    if (s === undefined) sink.error('Stack must be a string', stack.range, ref);
    else out.stack = s;
  }

  Object.assign(out, validateProcessFields(app, keyOf, 'web', sink, ref));
  delete (out as { logRateLimitBps?: number }).logRateLimitBps;
  delete (out as { healthCheckInvocationTimeout?: number }).healthCheckInvocationTimeout;

  const env = get('env');
  if (env && !(env.kind === 'scalar' && env.unresolved)) {
    if (env.kind !== 'map') sink.error('Env must be an object of keys and values', env.range, ref);
    else out.env = envVars(env, sink, ref);
  }

  Object.assign(out, stripUndefined(validateRoutes(app, keyOf, sink, ref)));

  const services = get('services');
  if (services && !isNull(services)) out.services = serviceNames(services, sink, ref, knownServices);

  const processes = get('processes');
  if (processes && !isNull(processes)) out.processes = validateProcesses(processes, sink, ref);

  const sidecars = get('sidecars');
  if (sidecars && !isNull(sidecars) && sidecars.kind !== 'seq') {
    sink.error('Sidecars must be an array of sidecar configurations', sidecars.range, ref);
  }
  const metadata = get('metadata');
  if (metadata && !isNull(metadata)) checkMetadata(metadata, sink, ref);

  appRanges.set(out, { index, app: app.range, path: pathNode?.range, name: nameNode?.range });
  return out;
}

/** The first line of an app entry (its first key), for "missing" diagnostics. */
function headRange(app: YMap): { range: Range } {
  return { range: app.entries[0]?.keyRange ?? app.range };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** buildpack(s), docker and lifecycle, with CC's combination rules. */
function lifecycle(app: YMap, get: (k: string) => YNode | undefined, out: AppManifest, sink: Sink, ref: AppRef): void {
  const bpsNode = get('buildpacks');
  const bpNode = get('buildpack');
  const dockerNode = get('docker');
  const bpKeyRange = (k: string): Range => app.entries.find((e) => normKey(e.key) === k)!.keyRange;

  if (bpNode) {
    const bpEntry = app.entries.find((e) => normKey(e.key) === 'buildpack')!;
    sink.warn("Deprecation warning: Use of 'buildpack' attribute in manifest is deprecated in favor of 'buildpacks'.", bpEntry.keyRange, ref, {
      fix: bpsNode ? undefined : buildpackFix(bpEntry, !!app.flow),
    });
  }
  if (bpNode && bpsNode) sink.error('Buildpack and Buildpacks fields cannot be used together.', bpKeyRange('buildpack'), ref);
  if (dockerNode && (bpNode || bpsNode)) {
    sink.error('Cannot specify both buildpack(s) and docker keys', bpKeyRange('docker'), ref);
  }

  if (bpsNode && !(bpsNode.kind === 'scalar' && bpsNode.unresolved)) {
    if (isNull(bpsNode)) out.buildpacks = [];
    else if (bpsNode.kind !== 'seq') sink.error('Buildpacks must be an array', bpsNode.range, ref);
    else if (!bpsNode.items.length) {
      // Valid, but rarely meant: CC passes [] on as the app's buildpacks (app_manifest_message.rb,
      // buildpacks_lifecycle_data), which clears them; leaving the key out keeps them.
      sink.warn(
        "Buildpacks is an empty list, so Cloud Controller clears the app's buildpacks and auto-detects one when staging. List the buildpacks to use under it, or remove the key to keep the app's current buildpacks.",
        bpsNode.range,
        ref,
      );
      out.buildpacks = [];
    } else {
      const names: string[] = [];
      for (const item of bpsNode.items) {
        const s = item.kind === 'scalar' && typeof item.value === 'string' ? item.value : undefined;
        if (s === undefined) sink.error('Buildpacks can only contain strings', item.range, ref);
        else if (s !== 'default' && s !== 'null') names.push(s); // auto-detect markers
      }
      out.buildpacks = names;
    }
  } else if (bpNode && !(bpNode.kind === 'scalar' && bpNode.unresolved)) {
    if (isNull(bpNode)) out.buildpacks = [];
    else {
      const s = bpNode.kind === 'scalar' && typeof bpNode.value === 'string' ? bpNode.value : undefined;
      if (s === undefined) sink.error('Buildpack must be a string', bpNode.range, ref);
      else out.buildpacks = s === 'default' || s === 'null' ? [] : [s];
    }
  }

  if (dockerNode && !isNull(dockerNode)) {
    if (dockerNode.kind !== 'map') sink.error('Docker must be an object with an image', dockerNode.range, ref);
    else {
      const image = entry(dockerNode, 'image')?.value;
      const img = image ? scalarText(image) : undefined;
      if (!img) sink.error('Docker image must not be empty', (image ?? dockerNode).range, ref);
      const user = entry(dockerNode, 'username')?.value;
      const username = user ? scalarText(user) : undefined;
      if (img) out.docker = username ? { image: img, username } : { image: img };
    }
    const pathNode = get('path');
    if (pathNode && !isNull(pathNode)) sink.error('Cannot specify both path and docker keys', bpKeyRange('path'), ref);
  }

  const lc = get('lifecycle');
  if (lc && !isNull(lc)) {
    const v = lc.kind === 'scalar' ? lc.value : undefined;
    if (v !== 'buildpack' && v !== 'cnb' && v !== 'docker') {
      sink.error("Lifecycle must be 'buildpack', 'cnb' or 'docker'", lc.range, ref);
    } else if (v !== 'docker' && dockerNode) {
      sink.error(`Docker cannot be configured for a ${v} lifecycle app.`, bpKeyRange('docker'), ref);
    } else if (v === 'docker' && (bpNode || bpsNode)) {
      sink.error('Buildpacks cannot be configured for a docker lifecycle app.', bpKeyRange(bpsNode ? 'buildpacks' : 'buildpack'), ref);
    }
  }
}

const ENV_HINT = 'Put large values in a file inside the app (or a service binding) and point a variable at it.';

function envVars(env: YMap, sink: Sink, ref: AppRef): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const e of env.entries) {
    // CC's EnvironmentVariablesValidator rules.
    if (e.key.startsWith('VCAP_')) sink.error('Env cannot start with VCAP_', e.keyRange, ref);
    else if (e.key.startsWith('VMC')) sink.error('Env cannot start with VMC', e.keyRange, ref);
    else if (e.key === 'PORT') sink.error('Env cannot set PORT', e.keyRange, ref);
    else if (e.key === '') sink.error('Env key must be a minimum length of 1', e.keyRange, ref);
    // CC stringifies every value (`transform_values(&:to_s)`); null → "".
    const v = e.value;
    out[e.key] = v.kind === 'scalar' ? (scalarText(v) ?? '') : JSON.stringify(toJS(v));
    const bytes = Buffer.byteLength(e.key) + 1 + Buffer.byteLength(out[e.key]!);
    if (bytes > MAX_ENV_VAR_BYTES) sink.error(envVarTooLongMessage(e.key, bytes), e.keyRange, ref, { hint: ENV_HINT });
    total += bytes;
  }
  if (total > MAX_ENV_BYTES) sink.error(envTooLargeMessage(total), env.range, ref, { hint: ENV_HINT });
  return out;
}

function serviceNames(node: YNode, sink: Sink, ref: AppRef, known?: string[]): string[] | undefined {
  if (node.kind !== 'seq') {
    sink.error('Services must be a list of service instance names', node.range, ref);
    return undefined;
  }
  const names: string[] = [];
  for (const item of node.items) {
    const nameNode = item.kind === 'map' ? entry(item, 'name')?.value : item;
    const name = nameNode?.kind === 'scalar' && typeof nameNode.value === 'string' ? nameNode.value : undefined;
    if (!name) {
      sink.error('Services must be a list of service instance names or objects with a name', item.range, ref);
      continue;
    }
    if (known && !known.includes(name) && nameNode)
      sink.warn(`Service instance '${name}' does not exist in the targeted space`, nameNode.range, ref, {
        hint: `Its instances: ${known.join(', ') || '(none)'}. Create it (CF: Create Service…, or \`cfpush create-service OFFERING PLAN ${name}\`), or fix the name.`,
      });
    names.push(name);
  }
  return names;
}

function checkMetadata(node: YNode, sink: Sink, ref: AppRef): void {
  if (node.kind !== 'map') {
    sink.error('Metadata must be an object', node.range, ref);
    return;
  }
  for (const k of ['labels', 'annotations']) {
    const v = entry(node, k)?.value;
    if (v && !isNull(v) && v.kind !== 'map') sink.error(`Metadata ${k} must be an object`, v.range, ref);
  }
}
