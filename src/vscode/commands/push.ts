// CF: Push: the workspace app (or the Explorer folder/manifest) to the
// configured target, under a cancellable progress notification.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { push as pushApp, type PushedApp } from '../../core/push';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { withTask } from '../progress';
import { appNamesAt, commandSession, dirOf, pickAppDir, type Cmd } from './common';

export function push(ctx: Ctx): Cmd {
  const run = async (dir: string, manifestFile?: string): Promise<PushedApp[] | undefined> => {
    const label = path.basename(dir);
    let signal: AbortSignal | undefined;
    // Spinner on the apps in the tree; the names are only known when the manifest reads.
    const done = ctx.tree.markBusy(await appNamesAt(dir, manifestFile).catch(() => []), 'pushing');
    try {
      const pushed = await withTask(ctx, {
        title: `Pushing ${label}`,
        cancellable: true,
        run: async (reporter, s) => {
          signal = s;
          const session = await commandSession(ctx, reporter);
          return pushApp(session, { dir, manifestFile, signal: s }, reporter);
        },
      });
      done();
      ctx.refresh();
      announce(ctx, pushed);
      return pushed;
    } catch (err) {
      done();
      ctx.refresh();
      if (isAbort(err, signal)) {
        ctx.output.line('⚠ Push cancelled');
        void vscode.window.showInformationMessage(`Push of ${label} cancelled.`);
        return undefined;
      }
      reportError(ctx, `Push of ${label} failed`, err, () => run(dir, manifestFile));
      return undefined;
    }
  };

  return async (arg?: unknown) => {
    if (arg instanceof vscode.Uri) {
      const { dir, manifestFile } = await dirOf(arg);
      return run(dir, manifestFile);
    }
    const dir = typeof arg === 'string' ? arg : await pickAppDir();
    return dir ? run(dir) : undefined;
  };
}

function announce(ctx: Ctx, pushed: PushedApp[]): void {
  for (const app of pushed) ctx.output.line(`✔ ${app.name} ${app.state.toLowerCase()}${app.urls.length ? ` at ${app.urls.join(', ')}` : ''}`);
  const url = pushed.flatMap((a) => a.urls)[0];
  const names = pushed.map((a) => a.name).join(', ');
  const actions = url ? ['Open', 'Open Log'] : ['Open Log'];
  void vscode.window.showInformationMessage(`Pushed ${names}${url ? `: ${url}` : ''}`, ...actions).then((c) => {
    if (c === 'Open' && url) void vscode.env.openExternal(vscode.Uri.parse(url));
    else if (c === 'Open Log') ctx.output.show();
  });
}
