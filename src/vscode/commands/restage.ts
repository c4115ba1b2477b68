// CF: Restage: from the Explorer (manifest or folder → its apps), from the
// tree (the selected apps) or from the palette (pick an app).
import * as vscode from 'vscode';
import { restage as restageApp } from '../../core/push';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { withTask } from '../progress';
import { appNamesAt, commandSession, dirOf, selectedApps, type Cmd } from './common';

type Restaged = Awaited<ReturnType<typeof restageApp>>;

export function restage(ctx: Ctx): Cmd {
  /** Restage `names`; `session` is given for tree items (their own space), else the configured target. */
  const run = async (names: string[] | undefined, session?: Session): Promise<Restaged[] | undefined> => {
    const title = names ? `Restaging ${names.join(', ')}` : 'Restaging';
    let aborted: AbortSignal | undefined;
    const done = ctx.tree.markBusy(names ?? [], 'restaging');
    try {
      const out = await withTask(ctx, {
        title,
        cancellable: true,
        run: async (reporter, signal) => {
          aborted = signal;
          const s = session ?? (await commandSession(ctx, reporter));
          const todo = names ?? (await pickApp(s));
          if (!todo) return undefined;
          const results: Restaged[] = [];
          for (const name of todo) {
            reporter.step(`Restaging ${name}`);
            results.push(await restageApp(s, name, reporter, signal));
          }
          return results;
        },
      });
      done();
      ctx.refresh();
      if (out && names) void vscode.window.showInformationMessage(`Restaged ${names.join(', ')}.`);
      return out;
    } catch (err) {
      done();
      ctx.refresh();
      if (isAbort(err, aborted)) {
        ctx.output.line('⚠ Restage cancelled');
        return undefined;
      }
      reportError(ctx, `${title} failed`, err, () => run(names, session));
      return undefined;
    }
  };

  return async (clicked?: unknown, selected?: unknown) => {
    if (clicked instanceof vscode.Uri) {
      let names: string[];
      try {
        const { dir, manifestFile } = await dirOf(clicked);
        names = await appNamesAt(dir, manifestFile);
      } catch (err) {
        reportError(ctx, 'Cannot read the apps to restage', err);
        return undefined;
      }
      return run(names);
    }
    if (typeof clicked === 'string') return run([clicked]);
    const apps = selectedApps(clicked, selected);
    if (apps.length) return run(apps.map((a) => a.name), apps[0].session);
    return run(undefined);
  };
}

async function pickApp(session: Session): Promise<string[] | undefined> {
  const apps = await session.cc.listApps(session.space.guid);
  const picked = await vscode.window.showQuickPick(
    apps.map((a) => ({ label: a.name, description: a.state.toLowerCase() })),
    { title: 'CF: Restage', placeHolder: `App in ${session.org.name}/${session.space.name}` },
  );
  return picked ? [picked.label] : undefined;
}
