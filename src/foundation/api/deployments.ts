// /v3/deployments (cf-reference.md §1.8): create (rolling or canary), get,
// list, cancel, continue.
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { cancelDeployment, continueDeployment, createDeployment } from '../deployments';
import { appTarget, recordEvent } from '../events';
import { revisionForStart } from '../revisions';
import type { DeploymentRec, RevisionRec } from '../store';

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
  if (strategy !== 'rolling' && strategy !== 'canary') throw unprocessable(`Strategy '${String(strategy)}' is not a supported deployment strategy`);
  const options = (body.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object' || Array.isArray(options)) throw unprocessable('Options must be an object');
  rejectUnknown(options, OPTION_KEYS);
  const maxInFlight = options.max_in_flight ?? 1;
  if (!Number.isInteger(maxInFlight) || (maxInFlight as number) < 1) throw unprocessable('Max in flight must be an integer greater than 0');
  const web = options.web_instances;
  if (web !== undefined && (!Number.isInteger(web) || (web as number) < 1)) throw unprocessable('Web instances must be an integer greater than 0');
  const canary = canaryWeights(options.canary, strategy === 'canary');
  const appGuid = relGuid(body.relationships?.app);
  const app = c.f.store.get('apps', appGuid);
  if (!app) throw unprocessable('Unable to use app. Ensure that the app exists and you have access to it.');
  // A revision (`cf rollback`) brings back its droplet and env; its deployment records a new revision saying so.
  let rollback: RevisionRec | undefined;
  if (body.revision !== undefined) {
    rollback = c.f.store.get('revisions', (body.revision as { guid?: string } | null)?.guid);
    if (!rollback || rollback.app_guid !== app.guid) throw unprocessable('The revision does not exist or does not belong to this app.');
    if (app.revisions_enabled === false)
      throw unprocessable('Revisions are disabled for this app; enable them with `cf curl -X PATCH /v3/apps/GUID/features/revisions`.');
  }
  const dropletGuid = rollback?.droplet_guid ?? (body.droplet as { guid?: unknown } | undefined)?.guid ?? app.droplet_guid;
  if (typeof dropletGuid !== 'string') throw unprocessable('Invalid droplet. Please specify a droplet in the request or set a current droplet for the app.');
  const droplet = c.f.store.get('droplets', dropletGuid);
  if (!droplet || droplet.app_guid !== app.guid || droplet.state !== 'STAGED') {
    throw unprocessable('Unable to assign current droplet. Ensure the droplet exists and belongs to this app.');
  }
  if (rollback) {
    app.env = { ...rollback.environment_variables };
    c.f.store.touch(app);
  }
  revisionForStart(c.f, app, droplet.guid, rollback ? `Rolled back to revision ${rollback.version}.` : undefined);
  const d = createDeployment(c.f, app, droplet.guid, { maxInFlight: maxInFlight as number, webInstances: web as number | undefined, canary });
  recordEvent(c.f, 'audit.app.deployment.create', appTarget(app), app.space_guid, {
    droplet_guid: droplet.guid,
    deployment_guid: d.guid,
    type: strategy,
    ...(rollback ? { revision_guid: rollback.guid } : {}),
  });
  send(c.res, 201, c.f.present.deployment(d));
}

/** options.canary.steps as weights: undefined for rolling, null for one canary instance. */
function canaryWeights(raw: unknown, isCanary: boolean): number[] | null | undefined {
  if (raw === undefined) return isCanary ? null : undefined;
  if (!isCanary) throw unprocessable('Options canary are only valid for Canary deployments');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw unprocessable('Options canary must be an object');
  rejectUnknown(raw as Record<string, unknown>, ['steps']);
  const steps = (raw as { steps?: unknown }).steps;
  if (steps === undefined) return null;
  if (!Array.isArray(steps) || steps.length === 0 || steps.some((st) => typeof st !== 'object' || st === null || Array.isArray(st))) {
    throw unprocessable('Canary steps must be a non-empty array of objects');
  }
  const weights = steps.map((st: Record<string, unknown>) => {
    rejectUnknown(st, ['instance_weight']);
    const w = st.instance_weight;
    if (!Number.isInteger(w) || (w as number) < 1 || (w as number) > 100)
      throw unprocessable('Canary instance weights must be integers between 1 and 100 (inclusive)');
    return w as number;
  });
  if (weights.some((w, i) => i > 0 && w < weights[i - 1]!)) throw unprocessable('Canary steps must be sorted in ascending order');
  return weights;
}

/** CC's deprecated `state` word for a deployment. */
function stateOf(d: DeploymentRec): string {
  return d.value === 'ACTIVE' ? d.reason : d.reason === 'SUPERSEDED' ? 'DEPLOYED' : d.reason;
}

function list(c: Ctx): void {
  const list = filterList(c.f.store.list('deployments'), c.query, {
    guids: (d) => d.guid,
    app_guids: (d) => d.app_guid,
    status_values: (d) => d.value,
    status_reasons: (d) => d.reason,
    states: stateOf,
  });
  send(
    c.res,
    200,
    paginate(c, list, (d) => c.f.present.deployment(d)),
  );
}

function cancel(c: Ctx): void {
  const d = byGuid(c);
  if (d.value !== 'ACTIVE' || (d.reason !== 'DEPLOYING' && d.reason !== 'PAUSED')) throw unprocessable(`Cannot cancel a ${stateOf(d)} deployment`);
  cancelDeployment(c.f, d);
  send(c.res, 200, c.f.present.deployment(d));
}

function continueAction(c: Ctx): void {
  const d = byGuid(c);
  if (d.value !== 'ACTIVE' || d.reason !== 'PAUSED') throw unprocessable(`Cannot continue a deployment with status: ${d.value} and reason: ${d.reason}`);
  continueDeployment(c.f, d);
  send(c.res, 200, c.f.present.deployment(d));
}

export const deploymentRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/deployments', handler: list },
  { method: 'POST', path: '/v3/deployments', handler: create },
  { method: 'GET', path: '/v3/deployments/:guid', handler: (c) => send(c.res, 200, c.f.present.deployment(byGuid(c))) },
  { method: 'POST', path: '/v3/deployments/:guid/actions/cancel', handler: cancel },
  { method: 'POST', path: '/v3/deployments/:guid/actions/continue', handler: continueAction },
];
