// Platform-wide settings the foundation's one user (its admin) owns: feature
// flags (`cf feature-flags`) and environment variable groups (`cf srevg` /
// `cf ssevg`: the staging group is in every staging's env, the running group
// in every instance's, below the app's own variables, as CC merges them).
import type { Foundation } from '../context';
import { envGroup } from '../env';
import { ApiError, notFound, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { now } from '../store';

/** CC's flags and their defaults (docs: feature_flags); the local foundation runs docker apps, so diego_docker is on. */
const FLAGS: Record<string, boolean> = {
  app_bits_upload: true,
  app_scaling: true,
  diego_docker: true,
  env_var_visibility: true,
  hide_marketplace_from_unauthenticated_users: false,
  private_domain_creation: true,
  resource_matching: true,
  route_creation: true,
  route_sharing: false,
  service_instance_creation: true,
  service_instance_sharing: false,
  set_roles_by_username: true,
  space_developer_env_var_visibility: true,
  space_scoped_private_broker_creation: true,
  task_creation: true,
  unset_roles_by_username: true,
  user_org_creation: false,
};

/**
 * CC's FeatureFlag.raise_unless_enabled!: 403 FeatureDisabled. CC lets admins
 * past every flag; the local foundation's one user is its admin, so that
 * would make turning a flag off do nothing: here the flag holds for it too.
 */
export function requireFlag(f: Foundation, name: string): void {
  const rec = f.store.get('feature_flags', name);
  if (rec?.enabled ?? FLAGS[name] ?? true) return;
  throw new ApiError(403, 330002, 'CF-FeatureDisabled', `Feature Disabled: ${rec?.custom_error_message || name}`);
}

function presentFlag(c: Ctx, name: string) {
  const rec = c.f.store.get('feature_flags', name);
  return {
    name,
    enabled: rec?.enabled ?? FLAGS[name]!,
    updated_at: rec?.updated_at ?? null,
    custom_error_message: rec?.custom_error_message ?? null,
    links: { self: { href: `${c.f.apiUrl}/v3/feature_flags/${name}` } },
  };
}

function flagName(c: Ctx): string {
  if (!Object.hasOwn(FLAGS, c.params.name!)) throw notFound('Feature flag');
  return c.params.name!;
}

async function patchFlag(c: Ctx): Promise<void> {
  const name = flagName(c);
  const body = await readJson(c);
  rejectUnknown(body, ['enabled', 'custom_error_message']);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw unprocessable('Enabled must be a boolean');
  if (body.custom_error_message !== undefined && body.custom_error_message !== null && typeof body.custom_error_message !== 'string') {
    throw unprocessable('Custom error message must be a string');
  }
  const rec = c.f.store.get('feature_flags', name);
  const t = now();
  c.f.store.put('feature_flags', {
    guid: name,
    created_at: rec?.created_at ?? t,
    updated_at: t,
    enabled: body.enabled ?? rec?.enabled ?? FLAGS[name]!,
    custom_error_message: body.custom_error_message !== undefined ? body.custom_error_message : (rec?.custom_error_message ?? null),
  });
  send(c.res, 200, presentFlag(c, name));
}

function listFlags(c: Ctx): void {
  const names = Object.keys(FLAGS).sort();
  const href = `${c.f.apiUrl}/v3/feature_flags`;
  send(c.res, 200, {
    pagination: { total_results: names.length, total_pages: 1, first: { href }, last: { href }, next: null, previous: null },
    resources: names.map((n) => presentFlag(c, n)),
  });
}

// --- environment variable groups ------------------------------------------------

const GROUPS = ['running', 'staging'] as const;
type Group = (typeof GROUPS)[number];

function groupName(c: Ctx): Group {
  if (!(GROUPS as readonly string[]).includes(c.params.name!)) throw notFound('Environment variable group');
  return c.params.name as Group;
}

function presentGroup(c: Ctx, name: Group) {
  const rec = c.f.store.get('env_groups', name);
  return { name, var: rec?.var ?? {}, updated_at: rec?.updated_at ?? null, links: { self: { href: `${c.f.apiUrl}/v3/environment_variable_groups/${name}` } } };
}

/** PATCH merges; a null value removes the variable (as app env PATCH). */
async function patchGroup(c: Ctx): Promise<void> {
  const name = groupName(c);
  const vars = (await readJson(c)).var;
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) throw unprocessable('Var must be an object');
  const next = { ...envGroup(c.f, name) };
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (k.startsWith('VCAP_') || k === 'PORT')
      throw unprocessable(`Environment variable groups cannot set ${k.startsWith('VCAP_') ? 'VCAP_ variables' : 'PORT'}`);
    if (v === null) delete next[k];
    else next[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const rec = c.f.store.get('env_groups', name);
  const t = now();
  c.f.store.put('env_groups', { guid: name, created_at: rec?.created_at ?? t, updated_at: t, var: next });
  send(c.res, 200, presentGroup(c, name));
}

export const platformRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/feature_flags', handler: listFlags },
  { method: 'GET', path: '/v3/feature_flags/:name', handler: (c) => send(c.res, 200, presentFlag(c, flagName(c))) },
  { method: 'PATCH', path: '/v3/feature_flags/:name', handler: patchFlag },
  { method: 'GET', path: '/v3/environment_variable_groups/:name', handler: (c) => send(c.res, 200, presentGroup(c, groupName(c))) },
  { method: 'PATCH', path: '/v3/environment_variable_groups/:name', handler: patchGroup },
];
