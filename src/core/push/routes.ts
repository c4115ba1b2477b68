// Route mapping and swaps. A swap maps before it unmaps, so a route is never
// without a destination and no request meets a 404 mid-swap.
import type { CcApp, CcDomain, CcRoute } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { PushedApp, Reporter } from './index';
import { appRoutes, appUrls, findApp } from './steps';

export interface RouteSpec {
  domain: string;
  hostname?: string;
  path?: string;
}

async function findDomain(session: Session, name: string): Promise<CcDomain> {
  const [d] = await session.cc.list<CcDomain>('/v3/domains', { names: name });
  if (!d) throw new CfPushError(`Domain '${name}' not found.`, { hint: 'List domains with `cfpush routes`; the local foundation has `localhost`.' });
  return d;
}

async function findOrCreateRoute(session: Session, spec: RouteSpec): Promise<CcRoute> {
  const domain = await findDomain(session, spec.domain);
  const host = spec.hostname ?? '';
  const path = spec.path ?? '';
  const [existing] = (
    await session.cc.list<CcRoute>('/v3/routes', { domain_guids: domain.guid, hosts: host, paths: path })
  ).filter((rt) => rt.host === host && rt.path === path);
  if (existing) return existing;
  return session.cc.post<CcRoute>('/v3/routes', {
    host,
    path: path || undefined,
    relationships: { domain: { data: { guid: domain.guid } }, space: { data: { guid: session.space.guid } } },
  });
}

/** Idempotent: reads the route's current destinations first (a resumed run may have mapped it already). */
export async function addDestination(session: Session, route: CcRoute, app: CcApp): Promise<void> {
  const fresh = await session.cc.get<{ destinations: CcRoute['destinations'] }>(`/v3/routes/${route.guid}/destinations`);
  if (fresh.destinations.some((d) => d.app.guid === app.guid)) return;
  await session.cc.post(`/v3/routes/${route.guid}/destinations`, { destinations: [{ app: { guid: app.guid } }] });
}

export async function removeDestination(session: Session, route: CcRoute, app: CcApp): Promise<void> {
  const fresh = await session.cc.get<{ destinations: CcRoute['destinations'] }>(`/v3/routes/${route.guid}/destinations`);
  for (const d of fresh.destinations.filter((x) => x.app.guid === app.guid)) {
    await session.cc.delete(`/v3/routes/${route.guid}/destinations/${d.guid}`);
  }
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
export async function swapRoutes(
  session: Session,
  appAName: string,
  appBName: string,
  r: Reporter,
): Promise<{ a: PushedApp; b: PushedApp }> {
  if (appAName === appBName) throw new CfPushError('Swap needs two different apps.', { hint: 'Pick a second app.' });
  const [a, b] = await Promise.all([findApp(session, appAName), findApp(session, appBName)]);
  const [routesA, routesB] = await Promise.all([appRoutes(session, a.guid), appRoutes(session, b.guid)]);
  const onlyA = routesA.filter((x) => !routesB.some((y) => y.guid === x.guid));
  const onlyB = routesB.filter((x) => !routesA.some((y) => y.guid === x.guid));
  r.step(`Swapping routes of ${a.name} (${onlyA.map((x) => x.url).join(', ') || 'none'}) and ${b.name} (${onlyB.map((x) => x.url).join(', ') || 'none'})`);
  // Map first: for a moment both apps serve a route, never neither.
  for (const rt of onlyA) await addDestination(session, rt, b);
  for (const rt of onlyB) await addDestination(session, rt, a);
  for (const rt of onlyA) await removeDestination(session, rt, a);
  for (const rt of onlyB) await removeDestination(session, rt, b);
  return {
    a: { name: a.name, guid: a.guid, state: a.state, urls: await appUrls(session, a.guid) },
    b: { name: b.name, guid: b.guid, state: b.state, urls: await appUrls(session, b.guid) },
  };
}
