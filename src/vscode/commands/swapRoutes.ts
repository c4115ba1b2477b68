// CF: Swap Routes — blue-green by exchanging two apps' routes: two apps
// selected in the tree, or one app plus a quick pick, or ('blue', 'green')
// from code. The swap goes into the window's route history: the result
// notification's Undo, "CF: Undo Route Change" and the two apps' "Undo Swap"
// (until the next swap) all take it back. CF: Swap Back to Previous
// Version restores what a blue-green push replaced (health-gated).
import * as vscode from 'vscode';
import type { PushedApp } from '../../core/push';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode } from '../tree/nodes';
import { commandSession, pickApp, selectedApps, type Cmd } from './common';

type Swapped = { a: PushedApp; b: PushedApp };

function swapRun(ctx: Ctx) {
  /** `back`: this swap undoes an earlier one (it is not recorded again, and says so). */
  const run = async (a: string, b: string, session?: Session, back = false): Promise<Swapped | undefined> => {
    let used = session;
    try {
      const out = await withTask(ctx, {
        title: back ? `Undoing the swap of ${b} and ${a}` : `Swapping routes of ${a} and ${b}`,
        run: async (reporter) => {
          used ??= await commandSession(ctx, reporter);
          // Watch the traffic move (setting cfpush.traffic.openOnSwap).
          ctx.traffic.autoOpen(used, [], 'swap', [a, b]);
          const swapped = await core().swapRoutes(used, a, b, reporter);
          ctx.traffic.mark(used, `Swap routes of ${a} and ${b}`, [a, b]);
          return swapped;
        },
      });
      ctx.lastSwap = back ? undefined : { target: used!.target.name, spaceGuid: used!.space.guid, a, b, session: used! };
      ctx.refresh();
      const live = out.a.urls[0] ?? out.b.urls[0];
      ctx.output.line(`✔ Swapped: ${a} → ${out.a.urls.join(', ') || 'no routes'}; ${b} → ${out.b.urls.join(', ') || 'no routes'}`);
      if (back) {
        void vscode.window.showInformationMessage(`Restored: ${a} serves ${out.a.urls.join(', ') || 'no routes'} again.`);
        return out;
      }
      const change = ctx.routeHistory.record({
        title: `Swap routes of ${a} and ${b}`,
        session: used!,
        undo: async () => !!(await run(b, a, used, true)),
      });
      // Blue-green needs a quick way back: offer it right here (and in the route history afterwards).
      void vscode.window
        .showInformationMessage(`Swapped routes of ${a} and ${b}: ${b} now serves ${out.b.urls.join(', ') || 'no routes'}.`, 'Undo', ...(live ? ['Open'] : []))
        .then((c) => {
          if (c === 'Undo') void ctx.routeHistory.undo(change);
          else if (c === 'Open' && live) void vscode.env.openExternal(vscode.Uri.parse(live));
        });
      return out;
    } catch (err) {
      ctx.refresh();
      reportError(ctx, `Swapping routes of ${a} and ${b} failed`, err, { target: used?.target.name, retry: () => run(a, b, session, back) });
      return undefined;
    }
  };
  return run;
}

export function swapRoutes(ctx: Ctx): Cmd {
  const run = swapRun(ctx);
  return async (clicked?: unknown, selected?: unknown) => {
    if (typeof clicked === 'string' && typeof selected === 'string') return run(clicked, selected);
    const apps = selectedApps(clicked, selected);
    if (apps.length > 2) {
      void vscode.window.showWarningMessage(`Select two apps to swap routes (${apps.length} are selected).`);
      return undefined;
    }
    if (apps.length === 2) {
      if (apps[0]!.session.space.guid !== apps[1]!.session.space.guid) {
        void vscode.window.showWarningMessage('Routes can only be swapped between apps in the same space.');
        return undefined;
      }
      return run(apps[0]!.name, apps[1]!.name, apps[0]!.session);
    }
    // One app (or none, from the palette): pick the rest in that space.
    let session: Session | undefined = apps[0]?.session;
    try {
      session ??= await ctx.session({ startLocal: ctx.config.startLocalOnDemand });
      const first = apps[0]?.name ?? (await pickApp(ctx, session, 'CF: Swap Routes — first app (e.g. the live, "blue" one)'));
      if (!first) return undefined;
      const second = await pickApp(ctx, session, `CF: Swap Routes of ${first} with…`, [first]);
      return second ? run(first, second, session) : undefined;
    } catch (err) {
      reportError(ctx, 'Cannot list the apps to swap', err, { target: session?.target.name, retry: () => vscode.commands.executeCommand('cfpush.swapRoutes') });
      return undefined;
    }
  };
}

/** "Undo Swap" on one of the last swap's apps: that swap (and any route change after it) is taken back. */
export function swapBackRoutes(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    const node = clicked instanceof AppNode ? clicked : undefined;
    const last = ctx.lastSwap;
    const change = last && [...ctx.routeHistory.entries].reverse().find((c) => c.title === `Swap routes of ${last.a} and ${last.b}`);
    if (!last || !change || (node && ![last.a, last.b].includes(node.name))) {
      void vscode.window.showWarningMessage(node ? `${node.name} was not part of the last route swap.` : 'No route swap to undo in this window.');
      return undefined;
    }
    return ctx.routeHistory.undo(change);
  };
}

/** CF: Undo Route Change — the newest change of the route history. */
export const undoRouteChange =
  (ctx: Ctx): Cmd =>
  () =>
    ctx.routeHistory.undo();

/** CF: Route History… — pick a change; it and every newer one are undone. */
export const routeHistory =
  (ctx: Ctx): Cmd =>
  () =>
    ctx.routeHistory.pickAndUndo();

/** Restore the version a blue-green push replaced (NAME-previous), health-gated. */
export function swapBackVersion(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    const node = clicked instanceof AppNode ? clicked : undefined;
    let session = node?.session;
    let name = typeof clicked === 'string' ? clicked : node?.name;
    let signal: AbortSignal | undefined;
    try {
      return await withTask(ctx, {
        title: `Swapping ${name ?? 'app'} back to its previous version`,
        cancellable: true,
        run: async (reporter, s) => {
          signal = s;
          session ??= await commandSession(ctx, reporter);
          name ??= await pickApp(ctx, session, 'CF: Swap Back to Previous Version');
          if (!name) return undefined;
          const out = await core().swapBack(session, name, reporter, s);
          void vscode.window.showInformationMessage(`${name} runs its previous version again.`, 'Open Log').then((c) => c && ctx.output.show());
          return out;
        },
      }).finally(() => ctx.refresh());
    } catch (err) {
      if (isAbort(err, signal)) return undefined;
      reportError(ctx, `Swap back of ${name ?? 'app'} failed`, err, {
        target: session?.target.name,
        retry: () => vscode.commands.executeCommand('cfpush.swapBackVersion', clicked),
      });
      return undefined;
    }
  };
}
