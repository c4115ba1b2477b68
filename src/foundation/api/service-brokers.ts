// /v3/service_brokers (cf create-service-broker / update / delete /
// service-brokers): create, update and delete are jobs, as CC's are; the job
// fetches the broker's catalog (osbapi/catalog.ts) and fails with CC's
// error when the broker cannot be reached or its catalog is invalid. The
// broker record stays after a failed first fetch, as in CC.
import type { Foundation } from '../context';
import { runJob } from '../jobs';
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, ApiError, type Ctx, type RouteDef } from '../http';
import { removeOffering, syncCatalog } from '../osbapi/catalog';
import { meta, type ServiceBrokerRec } from '../store';

export function presentBroker(f: Foundation, b: ServiceBrokerRec) {
  const self = `${f.apiUrl}/v3/service_brokers/${b.guid}`;
  return {
    guid: b.guid,
    created_at: b.created_at,
    updated_at: b.updated_at,
    name: b.name,
    url: b.url,
    relationships: b.space_guid ? { space: { data: { guid: b.space_guid } } } : {},
    metadata: { labels: {}, annotations: {} },
    links: {
      self: { href: self },
      service_offerings: { href: `${f.apiUrl}/v3/service_offerings?service_broker_guids=${b.guid}` },
      ...(b.space_guid ? { space: { href: `${f.apiUrl}/v3/spaces/${b.space_guid}` } } : {}),
    },
  };
}

function broker(c: Ctx): ServiceBrokerRec {
  const b = c.f.store.get('service_brokers', c.params.guid);
  if (!b) throw notFound('Service broker');
  return b;
}

/** name / url / authentication, every problem at once (CC's ServiceBrokerCreateMessage). */
function fields(body: Record<string, any>, creating: boolean): Partial<ServiceBrokerRec> {
  const errs: string[] = [];
  const out: Partial<ServiceBrokerRec> = {};
  if (body.name !== undefined || creating) {
    if (typeof body.name !== 'string' || !body.name.trim()) errs.push('Name must be a non-empty string');
    else out.name = body.name;
  }
  if (body.url !== undefined || creating) {
    let ok: boolean;
    try {
      ok = typeof body.url === 'string' && /^https?:$/.test(new URL(body.url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) errs.push(`Url must be a valid url`);
    else out.url = body.url as string;
  }
  const auth = body.authentication;
  if (auth !== undefined || creating) {
    const cred = auth?.credentials;
    if (auth?.type !== 'basic') errs.push("Authentication type must be 'basic'");
    else if (typeof cred?.username !== 'string' || typeof cred?.password !== 'string' || !cred.username)
      errs.push('Authentication credentials must have a username and a password');
    else Object.assign(out, { username: cred.username, password: cred.password });
  }
  if (errs.length) throw unprocessable(errs.join(', '));
  return out;
}

const nameTaken = (name: string) => new ApiError(422, 270002, 'CF-ServiceBrokerNameTaken', `Name must be unique: the service broker name '${name}' is taken`);

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'url', 'authentication', 'relationships', 'metadata']);
  const f = fields(body, true);
  const spaceGuid = relGuid(body.relationships?.space) ?? null;
  if (spaceGuid && !c.f.store.get('spaces', spaceGuid)) throw unprocessable('Space does not exist');
  if (c.f.store.list('service_brokers').some((b) => b.name === f.name)) throw nameTaken(f.name!);
  const b = c.f.store.put('service_brokers', { ...meta(), name: f.name!, url: f.url!, username: f.username!, password: f.password!, space_guid: spaceGuid });
  await runJob(c, 'service_broker.catalog.synchronize', () => syncCatalog(c.f, b), `service_brokers/${b.guid}`);
}

async function update(c: Ctx): Promise<void> {
  const b = broker(c);
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'url', 'authentication', 'metadata']);
  const f = fields(body, false);
  if (f.name && f.name !== b.name && c.f.store.list('service_brokers').some((x) => x.name === f.name)) throw nameTaken(f.name);
  const before = { ...b };
  Object.assign(b, f);
  c.f.store.touch(b);
  await runJob(
    c,
    'service_broker.update',
    async () => {
      try {
        await syncCatalog(c.f, b);
      } catch (err) {
        // A broker that cannot serve its catalog at the new URL or with the new credentials keeps the old ones.
        Object.assign(b, { url: before.url, username: before.username, password: before.password });
        c.f.store.touch(b);
        throw err;
      }
    },
    `service_brokers/${b.guid}`,
  );
}

async function remove(c: Ctx): Promise<void> {
  const b = broker(c);
  const offerings = c.f.store.list('service_offerings').filter((o) => o.service_broker_guid === b.guid);
  const plans = new Set(
    c.f.store
      .list('service_plans')
      .filter((p) => offerings.some((o) => o.guid === p.service_offering_guid))
      .map((p) => p.guid),
  );
  const using = c.f.store.list('service_instances').filter((si) => si.type === 'managed' && plans.has(si.service_plan_guid));
  if (using.length)
    throw new ApiError(
      422,
      270010,
      'CF-ServiceBrokerNotRemovable',
      `Can not remove brokers that have associated service instances: ${using.map((si) => si.name).join(', ')}`,
    );
  await runJob(c, 'service_broker.delete', async () => {
    for (const o of offerings) removeOffering(c.f, o.guid);
    c.f.store.remove('service_brokers', b.guid);
  });
}

function list(c: Ctx): void {
  const items = filterList(c.f.store.list('service_brokers'), c.query, {
    names: (b) => b.name,
    space_guids: (b) => b.space_guid,
    guids: (b) => b.guid,
  });
  send(
    c.res,
    200,
    paginate(c, items, (b) => presentBroker(c.f, b), ['created_at', 'updated_at', 'name']),
  );
}

export const serviceBrokerRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/service_brokers', handler: list },
  { method: 'POST', path: '/v3/service_brokers', handler: create },
  { method: 'GET', path: '/v3/service_brokers/:guid', handler: (c) => send(c.res, 200, presentBroker(c.f, broker(c))) },
  { method: 'PATCH', path: '/v3/service_brokers/:guid', handler: update },
  { method: 'DELETE', path: '/v3/service_brokers/:guid', handler: remove },
];
