// /v3/domains: the shared domain `localhost`, and the shared and private
// (org-scoped) domains an admin adds (cf create-shared-domain,
// create-private-domain), which the router serves as soon as a route on
// them has a destination. CC's DomainCreateMessage, DomainCreate and
// DomainsController for the rules and the words.
import { runJob } from '../jobs';
import { filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { domainUsableBy } from '../model';
import { meta, ordinal, type DomainRec } from '../store';
import { deleteDomain } from '../teardown';

/** CloudController::DomainDecorator::DOMAIN_REGEX. */
const DOMAIN_RE = /^(([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])$/i;

const isObj = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** DomainCreateMessage's name validations, every failing one in its order. */
function nameErrors(name: unknown): string[] {
  const errs: string[] = [];
  const s = typeof name === 'string' ? name : '';
  if (s.trim() === '') errs.push("Name can't be blank");
  if (typeof name !== 'string') errs.push('Name must be a string');
  if (s.length < 3) errs.push('Name is too short (minimum is 3 characters)');
  if (s.length > 253) errs.push('Name is too long (maximum is 253 characters)');
  if (!DOMAIN_RE.test(s)) errs.push('Name does not comply with RFC 1035 standards');
  if (!s.includes('.')) errs.push('Name must contain at least one "."');
  if (s.split('.').some((label) => label.length > 63)) errs.push('Name subdomains must each be at most 63 characters');
  if (/[^a-z0-9\-.]/i.test(s)) errs.push('Name must consist of alphanumeric characters and hyphens');
  return errs;
}

function byGuid(c: Ctx): DomainRec {
  const d = c.f.store.get('domains', c.params.guid);
  if (!d) throw notFound('Domain');
  return d;
}

function orgGuidOf(c: Ctx, guid: unknown): string {
  if (typeof guid !== 'string' || !c.f.store.get('orgs', guid))
    throw unprocessable(`Organization with guid '${String(guid)}' does not exist or you do not have access to it.`);
  return guid;
}

/** Domain#name_overlaps? and #routes_match?: a suffix owned by another org, or a route already at that name. */
function checkPlacement(c: Ctx, name: string, orgGuid: string | null): void {
  const labels = name.split('.');
  const suffixes = labels.map((_, i) => labels.slice(i).join('.'));
  const domains = c.f.store.list('domains');
  if (suffixes.some((sfx) => domains.some((d) => d.name === sfx && d.org_guid && d.org_guid !== orgGuid))) throw unprocessable('name overlapping_domain');
  const parent = domains.find((d) => d.name === suffixes[1]);
  if (parent && c.f.store.list('routes').some((r) => r.domain_guid === parent.guid && r.host === labels[0])) throw unprocessable('name route_conflict');
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'internal', 'relationships', 'router_group', 'enforce_route_policies', 'route_policies_scope', 'metadata']);
  const errs = nameErrors(body.name);
  if (body.internal !== undefined && body.internal !== null && typeof body.internal !== 'boolean') errs.push('Internal must be a boolean');
  const scoped = body.relationships !== undefined;
  if (body.internal === true && scoped) errs.push('Cannot associate an internal domain with an organization');
  if (scoped && !isObj(body.relationships?.organization?.data)) errs.push("Relationships Organization can't be blank");
  if (errs.length) throw unprocessable(errs.join(', '));
  if (body.router_group !== undefined && body.router_group !== null) {
    throw unprocessable(`Router group with guid '${String(body.router_group?.guid)}' not found.`);
  }
  const name = (body.name as string).toLowerCase();
  const orgGuid = scoped ? orgGuidOf(c, body.relationships.organization.data.guid) : null;
  const shared: unknown[] = scoped && Array.isArray(body.relationships.shared_organizations?.data) ? body.relationships.shared_organizations.data : [];
  const sharedGuids = shared.map((o) => orgGuidOf(c, (o as { guid?: unknown })?.guid));
  if (orgGuid && sharedGuids.includes(orgGuid)) throw unprocessable('Domain cannot be shared with owning organization.');
  if (c.f.store.list('domains').some((d) => d.name === name)) throw unprocessable(`The domain name "${name}" is already in use`);
  checkPlacement(c, name, orgGuid);
  const d = c.f.store.put('domains', {
    ...meta(),
    name,
    internal: body.internal === true,
    org_guid: orgGuid,
    shared_org_guids: sharedGuids,
  });
  send(c.res, 201, c.f.present.domain(d));
}

async function remove(c: Ctx): Promise<void> {
  const d = byGuid(c);
  if ((d.shared_org_guids ?? []).length > 0) throw unprocessable('This domain is shared with other organizations. Unshare before deleting.');
  await runJob(c, 'domain.delete', async () => deleteDomain(c.f, d));
}

/** CC's DomainsController#check_routes: host and path default to "" (no host, no path), not "any". */
function routeReservations(c: Ctx): void {
  const d = byGuid(c);
  const host = (c.query.get('host') ?? '').toLowerCase();
  const path = c.query.get('path') ?? '';
  const matching = c.f.store.list('routes').some((r) => r.domain_guid === d.guid && r.host === host && r.path === path);
  send(c.res, 200, { matching_route: matching });
}

function listIn(c: Ctx, domains: DomainRec[]): void {
  const list = filterList(domains, c.query, {
    names: (d) => d.name,
    guids: (d) => d.guid,
    organization_guids: (d) => d.org_guid ?? null,
  });
  send(
    c.res,
    200,
    paginate(c, list, (d) => c.f.present.domain(d), ['created_at', 'updated_at', 'name']),
  );
}

function orgOf(c: Ctx): string {
  if (!c.f.store.get('orgs', c.params.guid)) throw notFound('Organization');
  return c.params.guid!;
}

/** The org default domain (Organization#default_domain): the oldest shared, not internal domain, else the oldest the org may use. */
export function defaultDomain(c: Ctx, orgGuid: string): DomainRec {
  const usable = c.f.store
    .list('domains')
    .filter((d) => domainUsableBy(d, orgGuid) && !d.internal)
    .sort((a, b) => ordinal(a.created_at, b.created_at));
  const d = usable.find((x) => !x.org_guid) ?? usable[0];
  if (!d) throw notFound('Domain');
  return d;
}

function sharedOrgs(c: Ctx, d: DomainRec) {
  return {
    data: (d.shared_org_guids ?? []).map((guid) => ({ guid })),
    links: { self: { href: `${c.f.apiUrl}/v3/domains/${d.guid}/relationships/shared_organizations` } },
  };
}

/** cf share-private-domain: POST adds orgs to a private domain's shared ones. */
async function share(c: Ctx): Promise<void> {
  const d = byGuid(c);
  const body = await readJson(c);
  if (!Array.isArray(body.data)) throw unprocessable('Data must be an array');
  const guids = (body.data as unknown[]).map((o) => orgGuidOf(c, (o as { guid?: unknown })?.guid));
  if (d.org_guid && guids.includes(d.org_guid)) throw unprocessable('Domain cannot be shared with owning organization.');
  if (!d.org_guid) throw unprocessable('Domains cannot be shared with other organizations unless they are scoped to an organization.');
  d.shared_org_guids = [...new Set([...(d.shared_org_guids ?? []), ...guids])];
  c.f.store.touch(d);
  send(c.res, 200, sharedOrgs(c, d));
}

/** cf unshare-private-domain: refused while the org has routes on it. */
function unshare(c: Ctx): void {
  const d = byGuid(c);
  const org = c.f.store.get('orgs', c.params.org);
  if (!org) throw unprocessable(`Organization with guid '${c.params.org}' does not exist or you do not have access to it.`);
  if (!(d.shared_org_guids ?? []).includes(org.guid)) {
    throw unprocessable(`Unable to unshare domain from organization with name '${org.name}'. Ensure the domain is shared to this organization.`);
  }
  const spaces = new Set(
    c.f.store
      .list('spaces')
      .filter((s) => s.org_guid === org.guid)
      .map((s) => s.guid),
  );
  if (c.f.store.list('routes').some((r) => r.domain_guid === d.guid && spaces.has(r.space_guid))) {
    throw unprocessable('This domain has associated routes in this organization. Delete the routes before unsharing.');
  }
  d.shared_org_guids = d.shared_org_guids!.filter((g) => g !== org.guid);
  c.f.store.touch(d);
  send(c.res, 204);
}

export const domainRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/domains', handler: (c) => listIn(c, c.f.store.list('domains')) },
  { method: 'POST', path: '/v3/domains', handler: create },
  { method: 'GET', path: '/v3/domains/:guid', handler: (c) => send(c.res, 200, c.f.present.domain(byGuid(c))) },
  { method: 'DELETE', path: '/v3/domains/:guid', handler: remove },
  { method: 'GET', path: '/v3/domains/:guid/route_reservations', handler: routeReservations },
  { method: 'GET', path: '/v3/domains/:guid/relationships/shared_organizations', handler: (c) => send(c.res, 200, sharedOrgs(c, byGuid(c))) },
  { method: 'POST', path: '/v3/domains/:guid/relationships/shared_organizations', handler: share },
  { method: 'DELETE', path: '/v3/domains/:guid/relationships/shared_organizations/:org', handler: unshare },
  {
    method: 'GET',
    path: '/v3/organizations/:guid/domains',
    handler: (c) => {
      const org = orgOf(c);
      listIn(
        c,
        c.f.store.list('domains').filter((d) => domainUsableBy(d, org)),
      );
    },
  },
  { method: 'GET', path: '/v3/organizations/:guid/domains/default', handler: (c) => send(c.res, 200, c.f.present.domain(defaultDomain(c, orgOf(c)))) },
];
