// Route mapping and swaps. A swap maps before it unmaps, so a route is never
// without a destination and no request meets a 404 mid-swap.
import type { CcApp, CcDomain, CcRoute } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { PushedApp, Reporter } from './index';
import { addDestination, applyRoutePlan, planSwap, removeDestination } from '../actors/route-plan';
import { appRoutes, appUrls, findApp } from './steps';

export interface RouteSpec {
  domain: string;
  hostname?: string;
  path?: string;
}

async function findDomain(session: Session, name: string): Promise<CcDomain> {
  const [d] = await session.cc.domains.list({ names: [name] });
  if (!d) throw new CfPushError(`Domain '${name}' not found.`, { hint: 'List domains with `cfpush routes`; the local foundation has `localhost`.' });
  return d;
}

async function findOrCreateRoute(session: Session, spec: RouteSpec): Promise<CcRoute> {
  const domain = await findDomain(session, spec.domain);
  const host = spec.hostname ?? '';
  const path = spec.path ?? '';
  const [existing] = (await session.cc.routes.list({ domainGuids: [domain.guid], hosts: [host], paths: [path] })).filter(
    (rt) => rt.host === host && rt.path === path,
  );
  if (existing) return existing;
  return session.cc.routes.create({ spaceGuid: session.space.guid, domainGuid: domain.guid, host, path });
}

export async function mapRoute(session: Session, appName: string, spec: RouteSpec, r: Reporter): Promise<PushedApp> {
  const app = await findApp(session, appName);
  const route = await findOrCreateRoute(session, spec);
  r.step(`Mapping ${route.url} to ${appName}`);
  await addDestination(session, route, app);
  return { name: app.name, guid: app.guid, state: app.state, urls: await appUrls(session, app.guid) };
}

export async function unmapRoute(session: Session, appName: string, spec: RouteSpec, r: Reporter): Promise<PushedApp> {
  const app = await findApp(session, appName);
  const domain = await findDomain(session, spec.domain);
  const route = (await appRoutes(session, app.guid)).find(
    (rt) => rt.relationships.domain.data?.guid === domain.guid && rt.host === (spec.hostname ?? '') && rt.path === (spec.path ?? ''),
  );
  if (!route) {
    throw new CfPushError(`Route ${spec.hostname ? spec.hostname + '.' : ''}${spec.domain}${spec.path ?? ''} is not mapped to ${appName}.`, {
      hint: `See ${appName}'s routes with \`cfpush routes\`.`,
    });
  }
  r.step(`Unmapping ${route.url} from ${appName}`);
  await removeDestination(session, route, app);
  return { name: app.name, guid: app.guid, state: app.state, urls: await appUrls(session, app.guid) };
}

/** Exchange two apps' route sets: every route of A ends on B only, and vice versa. */
export async function swapRoutes(session: Session, appAName: string, appBName: string, r: Reporter): Promise<{ a: PushedApp; b: PushedApp }> {
  if (appAName === appBName) throw new CfPushError('Swap needs two different apps.', { hint: 'Pick a second app.' });
  const [a, b] = await Promise.all([findApp(session, appAName), findApp(session, appBName)]);
  const plan = await planSwap(session, a, b);
  const moving = (of: CcApp) =>
    plan.changes
      .filter((c) => c.remove.some((x) => x.guid === of.guid))
      .map((c) => c.route.url)
      .join(', ') || 'none';
  r.step(`Swapping routes of ${a.name} (${moving(a)}) and ${b.name} (${moving(b)})`);
  // Maps first: for a moment both apps serve a route, never neither.
  await applyRoutePlan(session, plan, { step() {} });
  return {
    a: { name: a.name, guid: a.guid, state: a.state, urls: await appUrls(session, a.guid) },
    b: { name: b.name, guid: b.guid, state: b.state, urls: await appUrls(session, b.guid) },
  };
}
