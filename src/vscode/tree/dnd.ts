// Drag and drop in the Cloud Foundry tree: moving traffic by hand.
//
// - A route (under an app, or in the space's Routes folder) dropped on another
//   app, or on one of its routes: Move it there (map to the target first, then
//   unmap from the source, so the route never has no destination) or Add it
//   (keep it on both). The drop API carries no modifier keys, so one question
//   decides: on the local foundation a quick pick (Enter = Move); on a remote
//   target a modal that shows exactly what will change, with Move / Add (Keep
//   on Both) as its buttons (the pick and the confirmation in one).
// - An app dropped on another app: swap their route sets. Local: done at once;
//   remote: a modal with the routes that move.
// Every drop ends in a notification with Undo, which restores the mapping as
// it was before the drop (again mapping before unmapping).
import * as vscode from 'vscode';
import type { CcApp, CcRoute } from '../../core/cc/types';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode, Node, RouteNode, SpaceRouteNode } from './nodes';

/** The tree's own mime type (VS Code's convention: application/vnd.code.tree.<view id, lower case>). */
export const TREE_MIME = 'application/vnd.code.tree.cfpush.targets';

export interface AppRef {
  guid: string;
  name: string;
}

/** One route's destinations before and after. */
export interface RouteChange {
  route: CcRoute;
  add: AppRef[];
  remove: AppRef[];
}

export type DropKind = 'move' | 'add' | 'swap';

export interface RoutePlan {
  kind: DropKind;
  session: Session;
  /** "Move hello.localhost from blue to green" */
  title: string;
  /** What will change, one line per route mapping. */
  lines: string[];
  changes: RouteChange[];
  /** The apps whose traffic this moves (the traffic view follows them). */
  apps: AppRef[];
}

/** A finished drop, with its way back (tests call undo(); the notification's Undo does the same). */
export interface DropResult {
  plan: RoutePlan;
  message: string;
  undo(): Promise<boolean>;
}

const ref = (a: CcApp | AppRef): AppRef => ({ guid: a.guid, name: a.name });
const sameSpace = (a: Session, b: Session) => a.target.name === b.target.name && a.space.guid === b.space.guid;

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

/** The lines a confirmation shows: maps first, then unmaps (the order they run in). */
function describe(changes: RouteChange[]): string[] {
  return [
    ...changes.flatMap((c) => c.add.map((a) => `map ${c.route.url} → ${a.name}`)),
    ...changes.flatMap((c) => c.remove.map((a) => `unmap ${c.route.url} from ${a.name}`)),
  ];
}

export class RouteDragAndDrop implements vscode.TreeDragAndDropController<Node> {
  readonly dragMimeTypes = ['text/uri-list'];
  readonly dropMimeTypes = [TREE_MIME];
  /** The last finished drop (tests undo it without clicking the notification). */
  last?: DropResult;

  constructor(private readonly ctx: Ctx) {}

  handleDrag(source: readonly Node[], data: vscode.DataTransfer): void {
    const movable = source.filter((n) => n instanceof RouteNode || n instanceof SpaceRouteNode || n instanceof AppNode);
    if (!movable.length) return;
    data.set(TREE_MIME, new vscode.DataTransferItem(movable));
    // Dropped outside the tree (an editor, a browser), a route is its URL.
    const urls = movable.flatMap((n) => (n instanceof RouteNode || n instanceof SpaceRouteNode ? [n.browserUrl] : []));
    if (urls.length) data.set('text/uri-list', new vscode.DataTransferItem(urls.join('\r\n')));
  }

  async handleDrop(target: Node | undefined, data: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    const item = data.get(TREE_MIME);
    if (!item || token.isCancellationRequested) return;
    const dragged = (Array.isArray(item.value) ? item.value : [item.value]).filter((n): n is Node => n instanceof Node);
    const onto = target instanceof AppNode ? target : target instanceof RouteNode ? target.app : undefined;
    if (!onto || !dragged.length) return;
    await this.drop(dragged, onto);
  }

  /** Plans, asks (remote targets, or Move vs Add), applies, and offers Undo. */
  async drop(dragged: Node[], onto: AppNode): Promise<DropResult | undefined> {
    const apps = dragged.filter((n): n is AppNode => n instanceof AppNode);
    const routes = dragged.filter((n): n is RouteNode | SpaceRouteNode => n instanceof RouteNode || n instanceof SpaceRouteNode);
    const others = [...apps, ...routes].filter((n) => !sameSpace(n.session, onto.session));
    if (others.length) {
      void vscode.window.showWarningMessage(`Routes move only between apps of one space: drop onto an app in ${onto.session.org.name}/${onto.session.space.name} of ${onto.session.target.name}.`);
      return undefined;
    }
    try {
      let plan: RoutePlan | undefined;
      if (apps.length && !routes.length) {
        if (apps.length > 1) {
          void vscode.window.showWarningMessage(`Drop one app onto another to swap their routes (${apps.length} were dragged).`);
          return undefined;
        }
        if (apps[0]!.app.guid === onto.app.guid) return undefined;
        plan = await this.swapPlan(apps[0]!, onto);
      } else if (routes.length) {
        plan = await this.routePlan(routes, onto);
      }
      if (!plan) return undefined;
      if (!plan.changes.some((c) => c.add.length || c.remove.length)) {
        void vscode.window.showInformationMessage(`Nothing to change: ${plan.title.replace(/^\w+ /, '')} already.`);
        return undefined;
      }
      return await this.run(plan);
    } catch (err) {
      reportError(this.ctx, `Dropping onto ${onto.name} failed`, err, { target: onto.session.target.name });
      return undefined;
    }
  }

  /** Routes dropped on an app: Move (map, then unmap from where they were) or Add (keep both). */
  private async routePlan(nodes: (RouteNode | SpaceRouteNode)[], onto: AppNode): Promise<RoutePlan | undefined> {
    const session = onto.session;
    const names = new Map((await session.cc.listApps(session.space.guid)).map((a) => [a.guid, a.name]));
    // Fresh destinations: the tree may be a few seconds old.
    const routes = await Promise.all(nodes.map((n) => session.cc.get<CcRoute>(`/v3/routes/${n.route.guid}`)));
    const from = (n: RouteNode | SpaceRouteNode, r: CcRoute): AppRef[] =>
      n instanceof RouteNode
        ? [ref(n.app.app)]
        : r.destinations.map((d) => ({ guid: d.app.guid, name: names.get(d.app.guid) ?? d.app.guid }));
    const target = ref(onto.app);
    const changes = (kind: 'move' | 'add'): RouteChange[] =>
      routes.map((r, i) => ({
        route: r,
        add: r.destinations.some((d) => d.app.guid === target.guid) ? [] : [target],
        remove: kind === 'add' ? [] : from(nodes[i]!, r).filter((a) => a.guid !== target.guid && r.destinations.some((d) => d.app.guid === a.guid)),
      }));
    const move = changes('move');
    const add = changes('add');
    const what = routes.length === 1 ? routes[0]!.url : `${routes.length} routes`;
    const sources = [...new Set(move.flatMap((c) => c.remove.map((a) => a.name)))];
    const involved = (cs: RouteChange[]): AppRef[] => {
      const m = new Map<string, AppRef>();
      for (const c of cs) for (const a of [...c.remove, ...c.add]) m.set(a.guid, a);
      return [...m.values()];
    };
    const movePlan: RoutePlan = {
      kind: 'move', session, changes: move, lines: describe(move), apps: involved(move),
      title: `Move ${what}${sources.length ? ` from ${sources.join(', ')}` : ''} to ${onto.name}`,
    };
    const addPlan: RoutePlan = {
      kind: 'add', session, changes: add, lines: describe(add), apps: involved(move),
      title: `Add ${what} to ${onto.name}${sources.length ? ` (keep it on ${sources.join(', ')})` : ''}`,
    };
    // Nothing to unmap (an orphan route, or one already on the target): Move and Add are the same.
    if (!sources.length) return this.confirmed(addPlan);
    const where = `${session.target.name} (${session.org.name}/${session.space.name})`;
    if (!session.target.local) {
      const detail = `Move:\n${movePlan.lines.map((l) => `  ${l}`).join('\n')}\n\nAdd (keep on both):\n${addPlan.lines.map((l) => `  ${l}`).join('\n')}`;
      const moveBtn = 'Move';
      const addBtn = 'Add (Keep on Both)';
      const answer = await this.ctx.ui.confirm(`Move ${what} to ${onto.name} on ${where}?`, detail, moveBtn, addBtn);
      return answer === moveBtn ? movePlan : answer === addBtn ? addPlan : undefined;
    }
    const picked = await this.ctx.ui.pick(
      [
        { label: `$(arrow-right) Move to ${onto.name}`, description: `unmap from ${sources.join(', ')}`, detail: movePlan.lines.join(' · '), plan: movePlan },
        { label: `$(add) Add to ${onto.name} (keep on both)`, description: `${sources.join(', ')} keeps it too`, detail: addPlan.lines.join(' · '), plan: addPlan },
      ],
      { title: `Drop ${what} on ${onto.name}`, placeHolder: 'Move the route, or add it and keep it where it is?' },
    );
    return picked?.plan;
  }

  /** App onto app: exchange their route sets (routes both have stay). */
  private async swapPlan(a: AppNode, b: AppNode): Promise<RoutePlan | undefined> {
    const session = b.session;
    const [routesA, routesB] = await Promise.all([
      session.cc.listRoutes({ appGuids: [a.app.guid] }),
      session.cc.listRoutes({ appGuids: [b.app.guid] }),
    ]);
    const onlyA = routesA.filter((x) => !routesB.some((y) => y.guid === x.guid));
    const onlyB = routesB.filter((x) => !routesA.some((y) => y.guid === x.guid));
    const [ra, rb] = [ref(a.app), ref(b.app)];
    const changes: RouteChange[] = [
      ...onlyA.map((route) => ({ route, add: [rb], remove: [ra] })),
      ...onlyB.map((route) => ({ route, add: [ra], remove: [rb] })),
    ];
    const plan: RoutePlan = { kind: 'swap', session, changes, lines: describe(changes), apps: [ra, rb], title: `Swap routes of ${a.name} and ${b.name}` };
    return this.confirmed(plan, 'Swap Routes');
  }

  /** Remote targets confirm with what will change; the local foundation just does it. */
  private async confirmed(plan: RoutePlan, button = plan.kind === 'swap' ? 'Swap Routes' : 'Map Route'): Promise<RoutePlan | undefined> {
    const s = plan.session;
    if (s.target.local || !plan.lines.length) return plan;
    const answer = await this.ctx.ui.confirm(`${plan.title} on ${s.target.name} (${s.org.name}/${s.space.name})?`, plan.lines.join('\n'), button);
    return answer === button ? plan : undefined;
  }

  private async run(plan: RoutePlan): Promise<DropResult | undefined> {
    const done = this.ctx.tree.markBusy(plan.apps.map((a) => a.name), plan.kind === 'swap' ? 'swapping' : 'moving routes');
    if (plan.kind === 'swap') this.ctx.traffic.autoOpen(plan.session, plan.apps, 'swap');
    try {
      await apply(this.ctx, plan);
    } catch (err) {
      done();
      this.ctx.refresh();
      reportError(this.ctx, `${plan.title} failed`, err, { target: plan.session.target.name });
      return undefined;
    }
    done();
    if (plan.kind === 'swap') {
      const [a, b] = plan.apps;
      this.ctx.lastSwap = { target: plan.session.target.name, spaceGuid: plan.session.space.guid, a: a!.name, b: b!.name, session: plan.session };
    }
    this.ctx.refresh();
    const message = `${plan.title.replace(/^(\w+)/, (v) => ({ Move: 'Moved', Add: 'Added', Swap: 'Swapped' })[v] ?? v)}.`;
    const result: DropResult = {
      plan,
      message,
      undo: async () => {
        const back = inverse(plan);
        try {
          await apply(this.ctx, back);
          this.ctx.refresh();
          void vscode.window.showInformationMessage(`Restored: ${plan.title.replace(/^\w+ /, (v) => v.toLowerCase())} is undone.`);
          return true;
        } catch (err) {
          this.ctx.refresh();
          reportError(this.ctx, `Undo of "${plan.title}" failed`, err, { target: plan.session.target.name });
          return false;
        }
      },
    };
    this.last = result;
    this.ctx.output.line(`✔ ${message}`);
    void vscode.window.showInformationMessage(message, 'Undo', 'Show Traffic').then((c) => {
      if (c === 'Undo') void result.undo();
      else if (c === 'Show Traffic') this.ctx.traffic.open(plan.session, { apps: plan.apps, routes: plan.changes.map((ch) => ch.route) });
    });
    return result;
  }
}

/** Maps every added destination, then unmaps every removed one, under a progress notification. */
async function apply(ctx: Ctx, plan: RoutePlan): Promise<void> {
  const { addDestination, removeDestination } = core();
  const asApp = (a: AppRef) => a as unknown as CcApp;
  await withTask(ctx, {
    title: plan.title,
    run: async (reporter) => {
      for (const c of plan.changes) {
        for (const a of c.add) {
          reporter.step(`Mapping ${c.route.url} to ${a.name}`);
          await addDestination(plan.session, c.route, asApp(a));
        }
      }
      for (const c of plan.changes) {
        for (const a of c.remove) {
          reporter.step(`Unmapping ${c.route.url} from ${a.name}`);
          await removeDestination(plan.session, c.route, asApp(a));
        }
      }
    },
  });
  ctx.traffic.mark(plan.session, plan.title, plan.apps.map((a) => a.name));
}
