// CF: Swap Routes: blue-green. Two apps selected in the tree, or one app plus
// a quick pick of the other; programmatically also ('blue', 'green').
import * as vscode from 'vscode';
import { swapRoutes as swap } from '../../core/push';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { withTask } from '../progress';
import { commandSession, selectedApps, type Cmd } from './common';

type Swapped = Awaited<ReturnType<typeof swap>>;

export function swapRoutes(ctx: Ctx): Cmd {
  const run = async (a: string, b: string, session?: Session): Promise<Swapped | undefined> => {
    try {
      const out = await withTask(ctx, {
        title: `Swapping routes of ${a} and ${b}`,
        run: async (reporter) => swap(session ?? (await commandSession(ctx, reporter)), a, b, reporter),
      });
      ctx.refresh();
      const live = out.a.urls[0] ?? out.b.urls[0];
      // Blue-green needs a quick way back: offer the reverse swap right here.
      void vscode.window.showInformationMessage(`Swapped routes of ${a} and ${b}.`, 'Swap Back', ...(live ? ['Open'] : [])).then((c) => {
        if (c === 'Swap Back') void run(b, a, session);
        else if (c === 'Open' && live) void vscode.env.openExternal(vscode.Uri.parse(live));
      });
      return out;
    } catch (err) {
      ctx.refresh();
      reportError(ctx, `Swapping routes of ${a} and ${b} failed`, err, () => run(a, b, session));
      return undefined;
    }
  };

  return async (clicked?: unknown, selected?: unknown) => {
    if (typeof clicked === 'string' && typeof selected === 'string') return run(clicked, selected);
    const apps = selectedApps(clicked, selected);
    if (apps.length > 2) {
      void vscode.window.showWarningMessage(`Select two apps to swap routes (${apps.length} are selected).`);
      return undefined;
    }
    if (apps.length === 2) {
      if (apps[0].session.space.guid !== apps[1].session.space.guid) {
        void vscode.window.showWarningMessage('Routes can only be swapped between apps in the same space.');
        return undefined;
      }
      return run(apps[0].name, apps[1].name, apps[0].session);
    }
    // One app (or none, from the palette): pick the rest in that space.
    let session: Session | undefined = apps[0]?.session;
    try {
      session ??= await ctx.session({ startLocal: ctx.config.startLocalOnDemand });
    } catch (err) {
      reportError(ctx, 'Cannot list apps to swap', err);
      return undefined;
    }
    const names = (await session.cc.listApps(session.space.guid)).map((x) => x.name);
    const first = apps[0]?.name ?? (await pick(names, 'First app (e.g. the live, "blue" one)'));
    if (!first) return undefined;
    const second = await pick(names.filter((n) => n !== first), `Swap routes of ${first} with…`);
    return second ? run(first, second, session) : undefined;
  };
}

async function pick(names: string[], placeHolder: string): Promise<string | undefined> {
  if (names.length === 0) {
    void vscode.window.showWarningMessage('No other app in this space to swap routes with.');
    return undefined;
  }
  return vscode.window.showQuickPick(names, { title: 'CF: Swap Routes', placeHolder });
}
