// `fields[...]` on service instance reads: what `cf services` and `cf service`
// take plan, offering, broker, space and org names from (CC's
// Field*Decorator classes). Each key answers only the fields asked for, and
// `relationships.X` links one included resource to the next.
import type { Foundation } from '../context';
import { badQuery, type Ctx } from '../http';
import type { ServiceInstanceRec } from '../store';

interface Level {
  key: string;
  included: string;
  allowed: string[];
  /** The resource(s) of this level for an instance. */
  of: (f: Foundation, si: ServiceInstanceRec) => Record<string, any> | undefined;
  rel?: { name: string; guid: (r: Record<string, any>) => string | undefined };
}

const planOf = (f: Foundation, si: ServiceInstanceRec) => (si.type === 'managed' ? f.store.get('service_plans', si.service_plan_guid) : undefined);
const offeringOf = (f: Foundation, si: ServiceInstanceRec) => f.store.get('service_offerings', planOf(f, si)?.service_offering_guid);

const LEVELS: Level[] = [
  {
    key: 'space',
    included: 'spaces',
    allowed: ['name', 'guid', 'relationships.organization'],
    of: (f, si) => f.store.get('spaces', si.space_guid),
    rel: { name: 'organization', guid: (s) => s.org_guid },
  },
  {
    key: 'space.organization',
    included: 'organizations',
    allowed: ['name', 'guid'],
    of: (f, si) => f.store.get('orgs', f.store.get('spaces', si.space_guid)?.org_guid),
  },
  {
    key: 'service_plan',
    included: 'service_plans',
    allowed: ['name', 'guid', 'relationships.service_offering'],
    of: planOf,
    rel: { name: 'service_offering', guid: (p) => p.service_offering_guid },
  },
  {
    key: 'service_plan.service_offering',
    included: 'service_offerings',
    allowed: ['name', 'guid', 'description', 'documentation_url', 'tags', 'relationships.service_broker'],
    of: offeringOf,
    rel: { name: 'service_broker', guid: (o) => o.service_broker_guid },
  },
  {
    key: 'service_plan.service_offering.service_broker',
    included: 'service_brokers',
    allowed: ['name', 'guid'],
    of: (f, si) => f.store.get('service_brokers', offeringOf(f, si)?.service_broker_guid),
  },
];

export function instanceIncluded(c: Ctx, instances: ServiceInstanceRec[]): Record<string, unknown[]> | undefined {
  const asked = [...c.query.keys()].filter((k) => k.startsWith('fields['));
  if (!asked.length) return undefined;
  const out: Record<string, unknown[]> = {};
  for (const param of asked) {
    const key = param.slice('fields['.length, -1);
    const level = LEVELS.find((l) => l.key === key);
    if (!level || !param.endsWith(']'))
      throw badQuery(`The query parameter is invalid: Fields [${key}] valid resources are: ${LEVELS.map((l) => `'${l.key}'`).join(', ')}`);
    const fields = (c.query.get(param) ?? '').split(',').filter(Boolean);
    const bad = fields.filter((x) => !level.allowed.includes(x));
    if (bad.length) throw badQuery(`The query parameter is invalid: Fields valid keys for '${key}' are: ${level.allowed.map((a) => `'${a}'`).join(', ')}`);
    const seen = new Map<string, Record<string, unknown>>();
    for (const si of instances) {
      const r = level.of(c.f, si);
      if (!r || seen.has(r.guid)) continue;
      const item: Record<string, unknown> = {};
      for (const field of fields) {
        if (field === `relationships.${level.rel?.name}`) item.relationships = { [level.rel!.name]: { data: { guid: level.rel!.guid(r) } } };
        else item[field] = r[field] ?? null;
      }
      seen.set(r.guid, item);
    }
    out[level.included] = [...seen.values()];
  }
  return out;
}
