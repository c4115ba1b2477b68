// /v3/service_offerings, /v3/service_plans and plan visibility: what
// `cf marketplace`, `service-access` and `enable-service-access` /
// `disable-service-access` read and change. `space_guids` /
// `organization_guids` on plans mean "visible there" (public, opened to the
// org, or a space-scoped broker's space), so a plan an admin has not opened
// is not in the marketplace. `include=service_offering` and
// `fields[service_offering.service_broker]` / `fields[service_broker]` add
// what the cf CLI reads beside each plan or offering.
import type { Foundation } from '../context';
import { badQuery, filterList, includes, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { removeOffering } from '../osbapi/catalog';
import type { ServiceOfferingRec, ServicePlanRec } from '../store';

const META = () => ({ labels: {}, annotations: {} });

function presentOffering(f: Foundation, o: ServiceOfferingRec) {
  const self = `${f.apiUrl}/v3/service_offerings/${o.guid}`;
  return {
    guid: o.guid,
    created_at: o.created_at,
    updated_at: o.updated_at,
    name: o.name,
    description: o.description,
    available: o.available,
    tags: o.tags,
    requires: o.requires,
    shareable: o.shareable,
    documentation_url: o.documentation_url,
    broker_catalog: o.broker_catalog,
    relationships: { service_broker: { data: { guid: o.service_broker_guid } } },
    metadata: META(),
    links: {
      self: { href: self },
      service_plans: { href: `${f.apiUrl}/v3/service_plans?service_offering_guids=${o.guid}` },
      service_broker: { href: `${f.apiUrl}/v3/service_brokers/${o.service_broker_guid}` },
    },
  };
}

function presentPlan(f: Foundation, p: ServicePlanRec) {
  const self = `${f.apiUrl}/v3/service_plans/${p.guid}`;
  const spaceGuid = p.visibility_type === 'space' ? brokerOf(f, p)?.space_guid : undefined;
  return {
    guid: p.guid,
    created_at: p.created_at,
    updated_at: p.updated_at,
    name: p.name,
    description: p.description,
    visibility_type: p.visibility_type,
    available: p.available,
    free: p.free,
    costs: p.costs,
    maintenance_info: p.maintenance_info,
    broker_catalog: p.broker_catalog,
    schemas: p.schemas,
    relationships: {
      service_offering: { data: { guid: p.service_offering_guid } },
      ...(spaceGuid ? { space: { data: { guid: spaceGuid } } } : {}),
    },
    metadata: META(),
    links: {
      self: { href: self },
      service_offering: { href: `${f.apiUrl}/v3/service_offerings/${p.service_offering_guid}` },
      visibility: { href: `${self}/visibility` },
    },
  };
}

const offeringOf = (f: Foundation, p: ServicePlanRec) => f.store.get('service_offerings', p.service_offering_guid);
const brokerOf = (f: Foundation, p: ServicePlanRec) => f.store.get('service_brokers', offeringOf(f, p)?.service_broker_guid);

/** Whether a plan is offered in a space (the marketplace's question). */
export function visibleIn(f: Foundation, p: ServicePlanRec, spaceGuid: string): boolean {
  const space = f.store.get('spaces', spaceGuid);
  if (!space) return false;
  if (p.visibility_type === 'public') return true;
  if (p.visibility_type === 'organization') return p.visibility_org_guids.includes(space.org_guid);
  if (p.visibility_type === 'space') return brokerOf(f, p)?.space_guid === spaceGuid;
  return false;
}

/** `fields[KEY]=name,guid` for the brokers: only those two are supported, as CC's allow-list. */
function brokerFields(c: Ctx, key: string): boolean {
  const raw = c.query.get(`fields[${key}]`);
  if (raw === null) return false;
  const bad = raw.split(',').filter((x) => x && x !== 'name' && x !== 'guid');
  if (bad.length) throw badQuery(`The query parameter is invalid: Fields valid keys for '${key}' are: 'name', 'guid'`);
  return true;
}

function listPlans(c: Ctx): void {
  const f = c.f;
  const inc = includes(c, ['service_offering', 'space.organization']);
  const withBrokers = brokerFields(c, 'service_offering.service_broker');
  let plans = filterList(f.store.list('service_plans'), c.query, {
    names: (p) => p.name,
    guids: (p) => p.guid,
    service_offering_guids: (p) => p.service_offering_guid,
    service_offering_names: (p) => offeringOf(f, p)?.name,
    service_broker_guids: (p) => offeringOf(f, p)?.service_broker_guid,
    service_broker_names: (p) => brokerOf(f, p)?.name,
    broker_catalog_ids: (p) => p.broker_catalog.id,
  });
  const available = c.query.get('available');
  if (available !== null) plans = plans.filter((p) => String(p.available && offeringOf(f, p)?.available !== false) === available);
  const spaces = c.query.get('space_guids')?.split(',');
  if (spaces) plans = plans.filter((p) => spaces.some((s) => visibleIn(f, p, s)));
  const orgs = c.query.get('organization_guids')?.split(',');
  if (orgs)
    plans = plans.filter((p) =>
      orgs.some(
        (o) => p.visibility_type === 'public' || p.visibility_org_guids.includes(o) || f.store.get('spaces', brokerOf(f, p)?.space_guid)?.org_guid === o,
      ),
    );
  const page = paginate(c, plans, (p) => presentPlan(f, p), ['created_at', 'updated_at', 'name']) as { resources: { guid: string }[] };
  const shown = page.resources.map((r) => f.store.get('service_plans', r.guid)!);
  const included: Record<string, unknown[]> = {};
  const offerings = [...new Set(shown.map((p) => p.service_offering_guid))].flatMap((g) => f.store.get('service_offerings', g) ?? []);
  if (inc.has('service_offering')) included.service_offerings = offerings.map((o) => presentOffering(f, o));
  if (withBrokers)
    included.service_brokers = [...new Set(offerings.map((o) => o.service_broker_guid))].flatMap((g) => {
      const b = f.store.get('service_brokers', g);
      return b ? [{ name: b.name, guid: b.guid }] : [];
    });
  if (inc.has('space.organization')) {
    const spaceGuids = [...new Set(shown.flatMap((p) => (p.visibility_type === 'space' ? [brokerOf(f, p)?.space_guid] : [])).filter((g): g is string => !!g))];
    const spaceRecs = spaceGuids.flatMap((g) => f.store.get('spaces', g) ?? []);
    const orgGuids = [...new Set([...spaceRecs.map((s) => s.org_guid), ...shown.flatMap((p) => p.visibility_org_guids)])];
    included.spaces = spaceRecs.map((s) => f.present.space(s));
    included.organizations = orgGuids.flatMap((g) => f.store.get('orgs', g) ?? []).map((o) => f.present.org(o));
  }
  send(c.res, 200, Object.keys(included).length || inc.size || withBrokers ? { ...page, included } : page);
}

function listOfferings(c: Ctx): void {
  const f = c.f;
  includes(c, ['service_broker']);
  const withBrokers = brokerFields(c, 'service_broker');
  let offerings = filterList(f.store.list('service_offerings'), c.query, {
    names: (o) => o.name,
    guids: (o) => o.guid,
    service_broker_guids: (o) => o.service_broker_guid,
    service_broker_names: (o) => f.store.get('service_brokers', o.service_broker_guid)?.name,
  });
  const available = c.query.get('available');
  if (available !== null) offerings = offerings.filter((o) => String(o.available) === available);
  const spaces = c.query.get('space_guids')?.split(',');
  if (spaces)
    offerings = offerings.filter((o) =>
      f.store.list('service_plans').some((p) => p.service_offering_guid === o.guid && spaces.some((s) => visibleIn(f, p, s))),
    );
  const page = paginate(c, offerings, (o) => presentOffering(f, o), ['created_at', 'updated_at', 'name']) as { resources: { guid: string }[] };
  if (!withBrokers && !c.query.get('include')) return send(c.res, 200, page);
  const brokers = [...new Set(page.resources.map((r) => f.store.get('service_offerings', r.guid)!.service_broker_guid))].flatMap(
    (g) => f.store.get('service_brokers', g) ?? [],
  );
  send(c.res, 200, { ...page, included: { service_brokers: brokers.map((b) => ({ name: b.name, guid: b.guid })) } });
}

function plan(c: Ctx): ServicePlanRec {
  const p = c.f.store.get('service_plans', c.params.guid);
  if (!p) throw notFound('Service plan');
  return p;
}

function presentVisibility(f: Foundation, p: ServicePlanRec) {
  if (p.visibility_type === 'organization')
    return { type: 'organization', organizations: p.visibility_org_guids.map((g) => ({ guid: g, name: f.store.get('orgs', g)?.name ?? '' })) };
  if (p.visibility_type === 'space') {
    const s = f.store.get('spaces', brokerOf(f, p)?.space_guid);
    return { type: 'space', space: { guid: s?.guid ?? '', name: s?.name ?? '' } };
  }
  return { type: p.visibility_type };
}

/** POST applies (organizations are added), PATCH replaces: CC's service_plan_visibility. */
async function setVisibility(c: Ctx, replace: boolean): Promise<void> {
  const p = plan(c);
  const body = await readJson(c);
  rejectUnknown(body, ['type', 'organizations']);
  if (p.visibility_type === 'space') throw unprocessable('Cannot update visibility for a space-scoped plan');
  const type = body.type;
  if (!['public', 'admin', 'organization'].includes(type)) throw unprocessable("Type must be one of 'public', 'admin', 'organization'");
  if (type === 'organization') {
    const orgs = body.organizations;
    if (!Array.isArray(orgs) || !orgs.length || orgs.some((o: { guid?: unknown }) => typeof o?.guid !== 'string'))
      throw unprocessable("Organizations can't be blank and must be a list of {guid}");
    const missing = orgs.filter((o: { guid: string }) => !c.f.store.get('orgs', o.guid)).map((o: { guid: string }) => o.guid);
    if (missing.length) throw unprocessable(`Could not find organizations with guids: ${missing.join(', ')}`);
    const keep = !replace && p.visibility_type === 'organization' ? p.visibility_org_guids : [];
    p.visibility_org_guids = [...new Set([...keep, ...orgs.map((o: { guid: string }) => o.guid)])];
  } else {
    if (body.organizations !== undefined) throw unprocessable(`Organizations must not be given for type '${type}'`);
    p.visibility_org_guids = [];
  }
  p.visibility_type = type;
  c.f.store.touch(p);
  send(c.res, 200, presentVisibility(c.f, p));
}

function removeOrgVisibility(c: Ctx): void {
  const p = plan(c);
  if (p.visibility_type !== 'organization' || !p.visibility_org_guids.includes(c.params.org)) throw notFound('Service plan visibility');
  p.visibility_org_guids = p.visibility_org_guids.filter((g) => g !== c.params.org);
  if (!p.visibility_org_guids.length) p.visibility_type = 'admin';
  c.f.store.touch(p);
  send(c.res, 204);
}

export const serviceCatalogRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/service_plans', handler: listPlans },
  { method: 'GET', path: '/v3/service_plans/:guid', handler: (c) => send(c.res, 200, presentPlan(c.f, plan(c))) },
  { method: 'GET', path: '/v3/service_plans/:guid/visibility', handler: (c) => send(c.res, 200, presentVisibility(c.f, plan(c))) },
  { method: 'POST', path: '/v3/service_plans/:guid/visibility', handler: (c) => setVisibility(c, false) },
  { method: 'PATCH', path: '/v3/service_plans/:guid/visibility', handler: (c) => setVisibility(c, true) },
  { method: 'DELETE', path: '/v3/service_plans/:guid/visibility/:org', handler: removeOrgVisibility },
  { method: 'GET', path: '/v3/service_offerings', handler: listOfferings },
  {
    method: 'GET',
    path: '/v3/service_offerings/:guid',
    handler: (c) => {
      const o = c.f.store.get('service_offerings', c.params.guid);
      if (!o) throw notFound('Service offering');
      send(c.res, 200, presentOffering(c.f, o));
    },
  },
  {
    method: 'DELETE',
    path: '/v3/service_offerings/:guid',
    handler: (c) => {
      const o = c.f.store.get('service_offerings', c.params.guid);
      if (!o) throw notFound('Service offering');
      removeOffering(c.f, o.guid);
      send(c.res, 204);
    },
  },
];
