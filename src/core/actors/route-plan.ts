// Route changes as plans: what a swap or a drag of routes onto an app maps
// and unmaps, applied maps first (a route is never without a destination),
// and their inverse, which undoes them. The tree's drag and drop, its Undo,
// and `cfpush swap` all go through here.
import type { CcApp, CcRoute } from '../cc/types';
import type { Reporter } from '../push';
import type { Session } from '../session';

export interface AppRef {
  guid: string;
  name: string;
}

/** One route's destinations to add and to remove. */
export interface RouteChange {
  route: CcRoute;
  add: AppRef[];
  remove: AppRef[];
}

export type RoutePlanKind = 'move' | 'add' | 'swap';

export interface RoutePlan {
  kind: RoutePlanKind;
  /** "Move hello.localhost from blue to green" */
  title: string;
  /** What will change, one line per mapping, in the order it runs. */
  lines: string[];
  changes: RouteChange[];
  /** The apps whose traffic this moves. */
  apps: AppRef[];
}

export const appRef = (a: CcApp | AppRef): AppRef => ({ guid: a.guid, name: a.name });

/** Maps first, then unmaps (the order they run in). */
export function describeChanges(changes: RouteChange[]): string[] {
  return [
    ...changes.flatMap((c) => c.add.map((a) => `map ${c.route.url} → ${a.name}`)),
    ...changes.flatMap((c) => c.remove.map((a) => `unmap ${c.route.url} from ${a.name}`)),
  ];
}

export function isEmpty(plan: RoutePlan): boolean {
  return !plan.changes.some((c) => c.add.length || c.remove.length);
}

/** The plan's inverse: what was added is removed, what was removed is added (adds still run first). */
export function inverse(plan: RoutePlan): RoutePlan {
  return {
    ...plan,
    title: `Undo: ${plan.title}`,
    lines: plan.changes.flatMap((c) => [
      ...c.remove.map((a) => `map ${c.route.url} → ${a.name} again`),
      ...c.add.map((a) => `unmap ${c.route.url} from ${a.name}`),
    ]),
    changes: plan.changes.map((c) => ({ route: c.route, add: c.remove, remove: c.add })),
  };
}

/** Exchange two apps' route sets; routes both have stay on both. */
export async function planSwap(session: Session, a: CcApp | AppRef, b: CcApp | AppRef): Promise<RoutePlan> {
  const [routesA, routesB] = await Promise.all([session.cc.apps.routes(a.guid), session.cc.apps.routes(b.guid)]);
  const onlyA = routesA.filter((x) => !routesB.some((y) => y.guid === x.guid));
  const onlyB = routesB.filter((x) => !routesA.some((y) => y.guid === x.guid));
  const [ra, rb] = [appRef(a), appRef(b)];
  const changes: RouteChange[] = [...onlyA.map((route) => ({ route, add: [rb], remove: [ra] })), ...onlyB.map((route) => ({ route, add: [ra], remove: [rb] }))];
  return { kind: 'swap', changes, lines: describeChanges(changes), apps: [ra, rb], title: `Swap routes of ${a.name} and ${b.name}` };
}

/**
 * Routes dropped on `onto`: Move (unmap from `from`, or from every app the
 * route had when no source is given) or Add (keep them). Reads each route
 * afresh, since what the caller shows may be seconds old.
 */
export async function planRouteMoves(
  session: Session,
  drops: { routeGuid: string; from?: AppRef }[],
  onto: CcApp | AppRef,
): Promise<{ move: RoutePlan; add: RoutePlan; sources: string[] }> {
  const names = new Map((await session.cc.apps.inSpace(session.space.guid)).map((a) => [a.guid, a.name]));
  const routes = await Promise.all(drops.map((d) => session.cc.routes.get(d.routeGuid)));
  const target = appRef(onto);
  const changes = (kind: 'move' | 'add'): RouteChange[] =>
    routes.map((r, i) => {
      const from = drops[i]!.from ? [drops[i]!.from!] : r.destinations.map((d) => ({ guid: d.app.guid, name: names.get(d.app.guid) ?? d.app.guid }));
      return {
        route: r,
        add: r.destinations.some((d) => d.app.guid === target.guid) ? [] : [target],
        remove: kind === 'add' ? [] : from.filter((a) => a.guid !== target.guid && r.destinations.some((d) => d.app.guid === a.guid)),
      };
    });
  const move = changes('move');
  const add = changes('add');
  const what = routes.length === 1 ? routes[0]!.url : `${routes.length} routes`;
  const sources = [...new Set(move.flatMap((c) => c.remove.map((a) => a.name)))];
  const involved = new Map<string, AppRef>();
  for (const c of move) for (const a of [...c.remove, ...c.add]) involved.set(a.guid, a);
  return {
    sources,
    move: {
      kind: 'move',
      changes: move,
      lines: describeChanges(move),
      apps: [...involved.values()],
      title: `Move ${what}${sources.length ? ` from ${sources.join(', ')}` : ''} to ${target.name}`,
    },
    add: {
      kind: 'add',
      changes: add,
      lines: describeChanges(add),
      apps: [...involved.values()],
      title: `Add ${what} to ${target.name}${sources.length ? ` (keep it on ${sources.join(', ')})` : ''}`,
    },
  };
}

/** Maps every added destination, then unmaps every removed one. */
export async function applyRoutePlan(session: Session, plan: RoutePlan, r: Pick<Reporter, 'step'>): Promise<void> {
  for (const c of plan.changes) {
    for (const a of c.add) {
      r.step(`Mapping ${c.route.url} to ${a.name}`);
      await addDestination(session, c.route, a);
    }
  }
  for (const c of plan.changes) {
    for (const a of c.remove) {
      r.step(`Unmapping ${c.route.url} from ${a.name}`);
      await removeDestination(session, c.route, a);
    }
  }
}

/** Idempotent: reads the route's current destinations first (a resumed run may have mapped it already). */
export async function addDestination(session: Session, route: CcRoute, app: { guid: string }): Promise<void> {
  const fresh = await session.cc.routes.destinations(route.guid);
  if (fresh.some((d) => d.app.guid === app.guid)) return;
  await session.cc.routes.addDestinations(route.guid, [app.guid]);
}

export async function removeDestination(session: Session, route: CcRoute, app: { guid: string }): Promise<void> {
  const fresh = await session.cc.routes.destinations(route.guid);
  for (const d of fresh.filter((x) => x.app.guid === app.guid)) await session.cc.routes.removeDestination(route.guid, d.guid);
}
