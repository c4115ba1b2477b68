// What a list of apps shows, read the same way for `cfpush apps` and the
// tree (the cf CLI's v7action.GetAppSummariesForSpace): each app with every
// process and its instances, and on request its current droplet and routes,
// plus the space's active deployments in one request.
import type { CcApp, CcDeployment, CcDroplet, CcInstanceStats, CcProcess, CcRoute } from '../cc/types';
import type { Session } from '../session';

export interface ProcessSummary {
  type: string;
  desired: number;
  running: number;
  crashed: number;
}

export interface AppSummary {
  app: CcApp;
  processes: { process: CcProcess; stats: CcInstanceStats[] }[];
  /** The current droplet (with `droplets`); undefined when the app has none. */
  droplet?: CcDroplet;
  /** With `routes`. */
  routes: CcRoute[];
  /** A rolling deployment or canary still in progress. */
  deployment?: CcDeployment;
}

export interface SummaryOptions {
  droplets?: boolean;
  routes?: boolean;
  /** Apps already listed (the tree has them): skip listing the space again. */
  apps?: CcApp[];
}

export async function appSummaries(session: Session, o: SummaryOptions = {}): Promise<AppSummary[]> {
  const cc = session.cc;
  const apps = o.apps ?? (await cc.apps.inSpace(session.space.guid));
  const [rows, deployments] = await Promise.all([
    Promise.all(
      apps.map(async (app) => {
        const [processes, droplet, routes] = await Promise.all([
          cc.apps.processStats(app.guid).catch(() => []),
          o.droplets ? cc.apps.currentDroplet(app.guid).catch(() => undefined) : undefined,
          o.routes ? cc.apps.routes(app.guid) : [],
        ]);
        return { app, processes, droplet, routes };
      }),
    ),
    cc.deployments.active(apps.map((a) => a.guid)).catch(() => []),
  ]);
  const byApp = new Map<string, CcDeployment>();
  for (const d of deployments) {
    const guid = d.relationships?.app.data.guid;
    if (guid && !byApp.has(guid)) byApp.set(guid, d);
  }
  return rows.map((r) => ({ ...r, deployment: byApp.get(r.app.guid) }));
}

/** Per process type: instances wanted, running and crashed ("web:1/2" in `cf apps`). */
export function processSummaries(s: Pick<AppSummary, 'processes'>): ProcessSummary[] {
  return s.processes.map(({ process, stats }) => ({
    type: process.type,
    desired: process.instances,
    running: stats.filter((x) => x.state === 'RUNNING').length,
    crashed: stats.filter((x) => x.state === 'CRASHED').length,
  }));
}

/** All processes together. */
export function instanceTotals(s: Pick<AppSummary, 'processes'>): Omit<ProcessSummary, 'type'> {
  return processSummaries(s).reduce((t, p) => ({ desired: t.desired + p.desired, running: t.running + p.running, crashed: t.crashed + p.crashed }), {
    desired: 0,
    running: 0,
    crashed: 0,
  });
}

/** "nodejs 1.0.0" (buildpack apps) or the image (docker), from the current droplet. */
export function builtWith(droplet: CcDroplet | undefined): string | undefined {
  if (droplet?.image) return droplet.image;
  const bps = droplet?.buildpacks?.map((b) => `${b.buildpack_name ?? b.name}${b.version ? ` ${b.version}` : ''}`);
  return bps?.length ? bps.join(', ') : undefined;
}

/** "canary paused 1/2", "deploying" or nothing. */
export function deploymentText(d: CcDeployment | undefined): string | undefined {
  if (!d) return undefined;
  const steps = d.status.canary?.steps;
  if (d.status.reason === 'PAUSED') return `canary paused${steps ? ` ${steps.current}/${steps.total}` : ''}`;
  return d.status.reason.toLowerCase();
}
