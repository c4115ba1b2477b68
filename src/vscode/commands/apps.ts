// App lifecycle from the tree (or by name from code/palette): start, stop,
// restart, scale, delete (confirmed), and live logs.
import * as vscode from 'vscode';
import type { PushedApp, Reporter } from '../../core/push';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode } from '../tree/nodes';
import { commandSession, pickApp, selectedApps, type Cmd } from './common';

type Op<T> = (s: Session, name: string, r: Reporter, signal: AbortSignal) => Promise<T>;

/** Resolves the apps a command acts on: tree selection, a name, or a quick pick in the target's space. */
async function targets(ctx: Ctx, clicked: unknown, selected: unknown, title: string): Promise<{ session: Session; names: string[] } | undefined> {
  const apps = selectedApps(clicked, selected);
  if (apps.length) return { session: apps[0]!.session, names: apps.map((a) => a.name) };
  const session = await ctx.session({ startLocal: ctx.config.startLocalOnDemand });
  const name = typeof clicked === 'string' ? clicked : await pickApp(ctx, session, title);
  return name ? { session, names: [name] } : undefined;
}

function appOp<T>(ctx: Ctx, verb: string, ing: string, op: Op<T>, cancellable = false): Cmd {
  return async (clicked?: unknown, selected?: unknown) => {
    let which: { session: Session; names: string[] } | undefined;
    let signal: AbortSignal | undefined;
    try {
      which = await targets(ctx, clicked, selected, `CF: ${verb}`);
      if (!which) return undefined;
      const { session, names } = which;
      const done = ctx.tree.markBusy(names, ing.toLowerCase());
      try {
        return await withTask(ctx, {
          title: `${ing} ${names.join(', ')}`,
          cancellable,
          run: async (reporter, s) => {
            signal = s;
            const out: T[] = [];
            for (const n of names) out.push(await op(session, n, reporter, s));
            return out;
          },
        });
      } finally {
        done();
        ctx.refresh();
      }
    } catch (err) {
      if (isAbort(err, signal)) return undefined;
      reportError(ctx, `${verb} ${which?.names.join(', ') ?? 'app'} failed`, err, {
        target: which?.session.target.name,
        retry: () => vscode.commands.executeCommand(`cfpush.${verb.toLowerCase()}App`, clicked, selected),
      });
      return undefined;
    }
  };
}

export const start = (ctx: Ctx): Cmd => appOp(ctx, 'Start', 'Starting', (s, n, r, sig) => core().startApp(s, n, r, sig), true);
export const stop = (ctx: Ctx): Cmd => appOp(ctx, 'Stop', 'Stopping', (s, n, r) => core().stopApp(s, n, r));
export const restart = (ctx: Ctx): Cmd => appOp(ctx, 'Restart', 'Restarting', (s, n, r, sig) => core().restartApp(s, n, r, sig), true);

/** Scale: instances, memory, disk, asked one by one with the current value prefilled (or `{instances, memoryMb, diskMb}` from code). */
export function scale(ctx: Ctx): Cmd {
  return async (clicked?: unknown, selected?: unknown) => {
    const given =
      selected && typeof selected === 'object' && !Array.isArray(selected)
        ? (selected as { instances?: number; memoryMb?: number; diskMb?: number })
        : undefined;
    const node = clicked instanceof AppNode ? clicked : undefined;
    let want = given;
    if (!want) {
      const web = node?.details.processes.find((p) => p.process.type === 'web')?.process;
      const instances = await ctx.ui.input({
        title: 'CF: Scale — instances',
        value: String(web?.instances ?? 1),
        validateInput: (v) => (/^\d+$/.test(v) ? undefined : 'A whole number ≥ 0'),
      });
      if (instances === undefined) return undefined;
      const memory = await ctx.ui.input({
        title: 'CF: Scale — memory per instance (MB)',
        value: String(web?.memory_in_mb ?? 256),
        validateInput: (v) => (/^\d+$/.test(v) ? undefined : 'Megabytes, e.g. 256'),
      });
      if (memory === undefined) return undefined;
      want = { instances: Number(instances), memoryMb: web && Number(memory) === web.memory_in_mb ? undefined : Number(memory) };
    }
    const op = appOp(ctx, 'Scale', 'Scaling', (s, n, r, sig) => core().scaleApp(s, n, want!, r, sig), true);
    return op(clicked, given ? undefined : selected);
  };
}

/** Delete, after the app names are typed (as Azure's delete asks), saying what goes and what stays. */
export function del(ctx: Ctx): Cmd {
  return async (clicked?: unknown, selected?: unknown) => {
    const apps = selectedApps(clicked, selected);
    const names = apps.length ? apps.map((a) => a.name) : typeof clicked === 'string' ? [clicked] : [];
    if (!names.length) {
      void vscode.window.showWarningMessage('Choose the app to delete in the Cloud Foundry view.');
      return undefined;
    }
    // Typed, not clicked: a modal's default (Enter) button would be Delete, and deleting cannot be undone.
    const expected = names.join(', ');
    const typed = await ctx.ui.input({
      title: `CF: Delete ${expected}?`,
      prompt: `The app${names.length > 1 ? 's' : ''}, droplets and logs are removed; routes stay in the space (the Routes folder). Type ${expected} to delete.`,
      placeHolder: expected,
      validateInput: (v) => (v === '' || v === expected ? undefined : `Type ${expected} exactly, or press Escape to keep ${names.length > 1 ? 'them' : 'it'}`),
    });
    if (typed !== expected) return undefined;
    return appOp<void>(ctx, 'Delete', 'Deleting', (s, n, r) => core().deleteApp(s, n, r))(clicked, selected);
  };
}

/** Live logs of an app in its own output channel. */
export function showLogs(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    let session: Session | undefined;
    try {
      let guid: string;
      let name: string;
      if (clicked instanceof AppNode) {
        session = clicked.session;
        guid = clicked.app.guid;
        name = clicked.name;
      } else {
        session = await commandSession(ctx, ctx.output.reporter());
        const picked = typeof clicked === 'string' ? clicked : await pickApp(ctx, session, 'CF: Show Logs');
        if (!picked) return undefined;
        const app = await core().findApp(session, picked);
        guid = app.guid;
        name = app.name;
      }
      return await ctx.logs.follow(session, guid, name);
    } catch (err) {
      reportError(ctx, 'Showing logs failed', err, { target: session?.target.name, retry: () => vscode.commands.executeCommand('cfpush.showLogs', clicked) });
      return undefined;
    }
  };
}

export function stopLogs(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    if (clicked instanceof AppNode) return ctx.logs.stop(clicked.session, clicked.app.guid);
    if (typeof clicked === 'string') {
      const session = await ctx.session();
      const app = await core().findApp(session, clicked);
      return ctx.logs.stop(session, app.guid);
    }
    return false;
  };
}

export type { PushedApp };
