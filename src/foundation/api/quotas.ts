// Organization quotas (cf create-quota, quotas, org-quota, set-org-quota,
// update-quota, delete-quota): the `default` one every org starts on and
// those an admin adds, with CC's OrganizationQuotasCreateMessage checks. Of
// the limits the foundation enforces an org's total routes (model.ts
// createRoute). Space quotas: none exist, the lists are empty.
import { runJob } from '../jobs';
import { emptyList, noneOf, filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { meta, type OrgQuotaRec } from '../store';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Each block and the limits it may set; `paid_services_allowed` is the one boolean. */
const BLOCKS = {
  apps: ['total_memory_in_mb', 'per_process_memory_in_mb', 'total_instances', 'per_app_tasks', 'log_rate_limit_in_bytes_per_second'],
  services: ['total_service_instances', 'total_service_keys', 'paid_services_allowed'],
  routes: ['total_routes', 'total_reserved_ports'],
  domains: ['total_domains'],
} as const;

const label = (k: string) => (k.charAt(0).toUpperCase() + k.slice(1)).replace(/_/g, ' ');

/** Rails' numericality (only_integer, >= 0, nil allowed) and the nested messages' "Apps Total memory in mb ..." words. */
function blockErrors(body: Record<string, any>): string[] {
  const errs: string[] = [];
  for (const [block, keys] of Object.entries(BLOCKS)) {
    const v = body[block];
    if (v === undefined) continue;
    if (!isObj(v)) {
      errs.push(`${label(block)} must be an object`);
      continue;
    }
    const extra = Object.keys(v).filter((k) => !(keys as readonly string[]).includes(k));
    if (extra.length) errs.push(`${label(block)} Unknown field(s): '${extra.join("', '")}'`);
    for (const k of keys) {
      const x = v[k];
      if (x === undefined || x === null) continue;
      if (k === 'paid_services_allowed') {
        if (typeof x !== 'boolean') errs.push(`${label(block)} Paid services allowed must be a boolean`);
      } else if (typeof x !== 'number') errs.push(`${label(block)} ${label(k)} is not a number`);
      else if (!Number.isInteger(x)) errs.push(`${label(block)} ${label(k)} must be an integer`);
      else if (x < 0) errs.push(`${label(block)} ${label(k)} must be greater than or equal to 0`);
    }
  }
  return errs;
}

type Limits = Pick<OrgQuotaRec, keyof typeof BLOCKS>;

/** Sets the limits a body gives (null = unlimited) on `q`. */
function applyLimits(q: Limits, body: Record<string, any>): void {
  for (const block of Object.keys(BLOCKS) as (keyof typeof BLOCKS)[]) {
    const v = body[block];
    if (!isObj(v)) continue;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'log_rate_limit_in_bytes_per_second') continue;
      (q[block] as Record<string, unknown>)[k] = k === 'paid_services_allowed' ? (x ?? true) : x;
    }
  }
  const { total_routes: routes, total_reserved_ports: ports } = q.routes;
  if (ports != null && routes != null && ports > routes) {
    throw unprocessable(
      'total_reserved_route_ports Total reserved ports must be -1, 0, or a positive integer, and must be less than or equal to total routes.',
    );
  }
}

function quotaName(c: Ctx, body: Record<string, any>, self?: OrgQuotaRec): string {
  const errs: string[] = [];
  if (typeof body.name !== 'string') errs.push('Name must be a string');
  if (typeof body.name !== 'string' || body.name.trim() === '') errs.push("Name can't be blank");
  else if (body.name.length > 250) errs.push('Name is too long (maximum is 250 characters)');
  errs.push(...blockErrors(body));
  if (errs.length) throw unprocessable(errs.join(', '));
  if (c.f.store.list('org_quotas').some((q) => q.name === body.name && q !== self)) throw unprocessable(`Organization Quota '${body.name}' already exists.`);
  return body.name as string;
}

/** Org guids from `{"data":[{"guid":…}]}`, every one existing (OrganizationQuotaApply's words otherwise). */
function orgGuids(c: Ctx, rel: unknown): string[] {
  const data = isObj(rel) && Array.isArray(rel.data) ? (rel.data as unknown[]) : undefined;
  if (!data) throw unprocessable('Data must be an array');
  const guids = data.map((d) => String((d as { guid?: unknown })?.guid));
  const missing = guids.filter((g) => !c.f.store.get('orgs', g));
  if (missing.length)
    throw unprocessable(`Organizations with guids ${JSON.stringify(missing).replace(/","/g, '", "')} do not exist, or you do not have access to them.`);
  return guids;
}

function assign(c: Ctx, q: OrgQuotaRec, guids: string[]): void {
  for (const g of guids) c.f.store.touch(Object.assign(c.f.store.get('orgs', g)!, { quota_guid: q.guid }));
}

function byGuid(c: Ctx): OrgQuotaRec {
  const q = c.f.store.get('org_quotas', c.params.guid);
  if (!q) throw notFound('Organization quota');
  return q;
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'apps', 'services', 'routes', 'domains', 'relationships']);
  const name = quotaName(c, body);
  const guids = body.relationships?.organizations !== undefined ? orgGuids(c, body.relationships.organizations) : [];
  const limits: Limits = {
    apps: { total_memory_in_mb: null, per_process_memory_in_mb: null, total_instances: null, per_app_tasks: null },
    services: { paid_services_allowed: true, total_service_instances: null, total_service_keys: null },
    routes: { total_routes: null, total_reserved_ports: null },
    domains: { total_domains: null },
  };
  applyLimits(limits, body);
  const q = c.f.store.put('org_quotas', { ...meta(), name, ...limits });
  assign(c, q, guids);
  send(c.res, 201, c.f.present.orgQuota(q));
}

async function update(c: Ctx): Promise<void> {
  const q = byGuid(c);
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'apps', 'services', 'routes', 'domains']);
  const name = body.name === undefined ? q.name : quotaName(c, body, q);
  const errs = blockErrors(body);
  if (errs.length) throw unprocessable(errs.join(', '));
  const limits: Limits = structuredClone({ apps: q.apps, services: q.services, routes: q.routes, domains: q.domains });
  applyLimits(limits, body);
  c.f.store.touch(Object.assign(q, limits, { name }));
  send(c.res, 200, c.f.present.orgQuota(q));
}

async function remove(c: Ctx): Promise<void> {
  const q = byGuid(c);
  if (c.f.store.list('orgs').some((o) => o.quota_guid === q.guid)) {
    throw unprocessable('This quota is applied to one or more orgs. Remove this quota from all orgs before deleting.');
  }
  await runJob(c, 'organization_quota.delete', async () => c.f.store.remove('org_quotas', q.guid));
}

/** cf set-org-quota: POST …/relationships/organizations moves orgs onto this quota. */
async function apply(c: Ctx): Promise<void> {
  const q = byGuid(c);
  assign(c, q, orgGuids(c, await readJson(c)));
  const orgs = c.f.store.list('orgs').filter((o) => o.quota_guid === q.guid);
  send(c.res, 200, {
    data: orgs.map((o) => ({ guid: o.guid })),
    links: { self: { href: `${c.f.apiUrl}/v3/organization_quotas/${q.guid}/relationships/organizations` } },
  });
}

function list(c: Ctx): void {
  const quotas = filterList(c.f.store.list('org_quotas'), c.query, {
    names: (q) => q.name,
    guids: (q) => q.guid,
    organization_guids: (q) =>
      c.f.store
        .list('orgs')
        .filter((o) => o.quota_guid === q.guid)
        .map((o) => o.guid),
  });
  send(
    c.res,
    200,
    paginate(c, quotas, (q) => c.f.present.orgQuota(q), ['created_at', 'updated_at', 'name']),
  );
}

export const quotaRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/organization_quotas', handler: list },
  { method: 'POST', path: '/v3/organization_quotas', handler: create },
  { method: 'GET', path: '/v3/organization_quotas/:guid', handler: (c) => send(c.res, 200, c.f.present.orgQuota(byGuid(c))) },
  { method: 'PATCH', path: '/v3/organization_quotas/:guid', handler: update },
  { method: 'DELETE', path: '/v3/organization_quotas/:guid', handler: remove },
  { method: 'POST', path: '/v3/organization_quotas/:guid/relationships/organizations', handler: apply },
  { method: 'GET', path: '/v3/space_quotas', handler: (c) => emptyList(c) },
  { method: 'GET', path: '/v3/space_quotas/:guid', handler: noneOf('Space quota') },
];
