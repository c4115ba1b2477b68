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
// - A service instance (the space's Services folder) dropped on an app: bind
//   it, offering the restart that makes the app see it (commands/services.ts).
// Every route drop ends in a notification with Undo, which restores the mapping as
// it was before the drop (again mapping before unmapping); the drop also goes
// into the window's route history, so it can be undone after the toast is gone.
import * as vscode from 'vscode';
import type { RoutePlan as CorePlan } from '../../core/actors/route-plan';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { bind } from '../commands/services';
import { AppNode, appOf, Node, RouteNode, ServiceNode, SpaceRouteNode } from './nodes';

/** The tree's own mime type (VS Code's convention: application/vnd.code.tree.<view id, lower case>). */
export const TREE_MIME = 'application/vnd.code.tree.cfpush.targets';

/** A route plan bound to the space it acts in. */
export type RoutePlan = CorePlan & { session: Session };

/** A finished drop, with its way back (tests call undo(); the notification's Undo does the same). */
export interface DropResult {
  plan: RoutePlan;
  message: string;
  undo(): Promise<boolean>;
}

const sameSpace = (a: Session, b: Session) => a.target.name === b.target.name && a.space.guid === b.space.guid;

export class RouteDragAndDrop implements vscode.TreeDragAndDropController<Node> {
  readonly dragMimeTypes = ['text/uri-list'];
  readonly dropMimeTypes = [TREE_MIME];
  /** The last finished drop (tests undo it without clicking the notification). */
  last?: DropResult;

  constructor(private readonly ctx: Ctx) {}

  handleDrag(source: readonly Node[], data: vscode.DataTransfer): void {
    const movable = source.filter((n) => n instanceof RouteNode || n instanceof SpaceRouteNode || n instanceof AppNode || n instanceof ServiceNode);
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
    const onto = appOf(target);
    if (!onto || !dragged.length) return;
    const services = dragged.filter((n): n is ServiceNode => n instanceof ServiceNode);
    if (services.length) {
      for (const s of services) await bind(this.ctx, s, onto);
      return;
    }
    await this.drop(dragged, onto);
  }

  /** Plans, asks (remote targets, or Move vs Add), applies, and offers Undo. */
  async drop(dragged: Node[], onto: AppNode): Promise<DropResult | undefined> {
    const apps = dragged.filter((n): n is AppNode => n instanceof AppNode);
    const routes = dragged.filter((n): n is RouteNode | SpaceRouteNode => n instanceof RouteNode || n instanceof SpaceRouteNode);
    const others = [...apps, ...routes].filter((n) => !sameSpace(n.session, onto.session));
    if (others.length) {
      void vscode.window.showWarningMessage(
        `Routes move only between apps of one space: drop onto an app in ${onto.session.org.name}/${onto.session.space.name} of ${onto.session.target.name}.`,
      );
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
      if (core().isEmpty(plan)) {
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
    const drops = nodes.map((n) => ({ routeGuid: n.route.guid, from: n instanceof RouteNode ? { guid: n.app.app.guid, name: n.app.app.name } : undefined }));
    const planned = await core().planRouteMoves(session, drops, onto.app);
    const movePlan: RoutePlan = { ...planned.move, session };
    const addPlan: RoutePlan = { ...planned.add, session };
    const sources = planned.sources;
    const what = nodes.length === 1 ? planned.move.changes[0]!.route.url : `${nodes.length} routes`;
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
        {
          label: `$(add) Add to ${onto.name} (keep on both)`,
          description: `${sources.join(', ')} keeps it too`,
          detail: addPlan.lines.join(' · '),
          plan: addPlan,
        },
      ],
      { title: `Drop ${what} on ${onto.name}`, placeHolder: 'Move the route, or add it and keep it where it is?' },
    );
    return picked?.plan;
  }

  /** App onto app: exchange their route sets (routes both have stay). */
  private async swapPlan(a: AppNode, b: AppNode): Promise<RoutePlan | undefined> {
    const plan: RoutePlan = { ...(await core().planSwap(b.session, a.app, b.app)), session: b.session };
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
    const done = this.ctx.tree.markBusy(
      plan.apps.map((a) => a.name),
      plan.kind === 'swap' ? 'swapping' : 'moving routes',
    );
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
    const change = this.ctx.routeHistory.record({
      title: plan.title,
      session: plan.session,
      undo: async () => {
        const back: RoutePlan = { ...core().inverse(plan), session: plan.session };
        try {
          await apply(this.ctx, back);
          if (plan.kind === 'swap') this.ctx.lastSwap = undefined;
          this.ctx.refresh();
          void vscode.window.showInformationMessage(`Restored: ${plan.title.replace(/^\w+ /, (v) => v.toLowerCase())} is undone.`);
          return true;
        } catch (err) {
          this.ctx.refresh();
          reportError(this.ctx, `Undo of "${plan.title}" failed`, err, { target: plan.session.target.name });
          return false;
        }
      },
    });
    const result: DropResult = { plan, message, undo: () => this.ctx.routeHistory.undo(change) };
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
  await withTask(ctx, { title: plan.title, run: (reporter) => core().applyRoutePlan(plan.session, plan, reporter) });
  ctx.traffic.mark(
    plan.session,
    plan.title,
    plan.apps.map((a) => a.name),
  );
}
