// /v3/deployments (cf-reference.md §1.8): create (rolling), get, list, cancel.
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { cancelDeployment, createDeployment } from '../deployments';
import type { DeploymentRec } from '../store';

const CREATE_KEYS = ['strategy', 'droplet', 'revision', 'options', 'relationships', 'metadata'];
const OPTION_KEYS = ['max_in_flight', 'web_instances', 'memory_in_mb', 'disk_in_mb', 'log_rate_limit_in_bytes_per_second', 'canary'];

function byGuid(c: Ctx): DeploymentRec {
  const d = c.f.store.get('deployments', c.params.guid);
  if (!d) throw notFound('Deployment');
  return d;
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, CREATE_KEYS);
  const strategy = body.strategy ?? 'rolling';
  if (strategy !== 'rolling') {
    throw unprocessable(strategy === 'canary' ? "Strategy 'canary' is not supported by the local foundation yet" : `Strategy '${String(strategy)}' is not a supported deployment strategy`);
  }
  if (body.revision !== undefined) throw unprocessable('Revisions are not enabled on the local foundation; deploy a droplet instead');
  const options = (body.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object' || Array.isArray(options)) throw unprocessable('Options must be an object');
  rejectUnknown(options, OPTION_KEYS);
  const maxInFlight = options.max_in_flight ?? 1;
  if (!Number.isInteger(maxInFlight) || (maxInFlight as number) < 1) throw unprocessable('Max in flight must be an integer greater than 0');
  const web = options.web_instances;
  if (web !== undefined && (!Number.isInteger(web) || (web as number) < 1)) throw unprocessable('Web instances must be an integer greater than 0');
  const appGuid = relGuid(body.relationships?.app);
  const app = c.f.store.get('apps', appGuid);
  if (!app) throw unprocessable('Unable to use app. Ensure that the app exists and you have access to it.');
  const dropletGuid = (body.droplet as { guid?: unknown } | undefined)?.guid ?? app.droplet_guid;
  if (typeof dropletGuid !== 'string') throw unprocessable('Invalid droplet. Please specify a droplet in the request or set a current droplet for the app.');
  const droplet = c.f.store.get('droplets', dropletGuid);
  if (!droplet || droplet.app_guid !== app.guid || droplet.state !== 'STAGED') {
    throw unprocessable('Unable to assign current droplet. Ensure the droplet exists and belongs to this app.');
  }
  const d = createDeployment(c.f, app, droplet.guid, { maxInFlight: maxInFlight as number, webInstances: web as number | undefined });
  send(c.res, 201, c.f.present.deployment(d));
}

function list(c: Ctx): void {
  const list = filterList(c.f.store.list('deployments'), c.query, {
    guids: (d) => d.guid,
    app_guids: (d) => d.app_guid,
    status_values: (d) => d.value,
    status_reasons: (d) => d.reason,
    states: (d) => (d.value === 'ACTIVE' ? d.reason : d.reason === 'SUPERSEDED' ? 'DEPLOYED' : d.reason),
  });
  send(c.res, 200, paginate(c, list, (d) => c.f.present.deployment(d)));
}

function cancel(c: Ctx): void {
  const d = byGuid(c);
  if (d.value !== 'ACTIVE' || d.reason !== 'DEPLOYING') {
    throw unprocessable(`Cannot cancel a ${d.value === 'ACTIVE' ? d.reason : d.reason === 'SUPERSEDED' ? 'DEPLOYED' : d.reason} deployment`);
  }
  cancelDeployment(c.f, d);
  send(c.res, 200, c.f.present.deployment(d));
}

export const deploymentRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/deployments', handler: list },
  { method: 'POST', path: '/v3/deployments', handler: create },
  { method: 'GET', path: '/v3/deployments/:guid', handler: (c) => send(c.res, 200, c.f.present.deployment(byGuid(c))) },
  { method: 'POST', path: '/v3/deployments/:guid/actions/cancel', handler: cancel },
];
