// CF: Restage — from the Explorer (manifest or folder → its apps), the tree
// (the selected apps; "Restage to pick up the update" on outdated ones), the
// palette (pick an app) or code ('name'). CF: Restage All Outdated Apps — on a
// space: every buildpack app whose droplet predates the target's buildpacks.
import * as vscode from 'vscode';
import type { PushedApp } from '../../core/push';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode, SpaceNode } from '../tree/nodes';
import { appNamesAt, commandSession, dirOf, pickApp, selectedApps, type Cmd } from './common';

/**
 * Restage `names` one after another; `session` for tree items (their own
 * space), else the configured target. Asked first (unless the person just
 * chose "Restage" elsewhere): the instances restart on the new droplet, so
 * the app is down meanwhile.
 */
function restageRun(ctx: Ctx) {
  const run = async (names: string[] | undefined, session?: Session, dir?: string, confirmed = false): Promise<PushedApp[] | undefined> => {
    const title = names ? `Restaging ${names.join(', ')}` : 'Restaging';
    let aborted: AbortSignal | undefined;
    const done = ctx.tree.markBusy(names ?? [], 'restaging');
    let target = session?.target.name;
    try {
      const out = await withTask(ctx, {
        title,
        cancellable: true,
        run: async (reporter, signal) => {
          aborted = signal;
          const s = session ?? (await commandSession(ctx, reporter));
          target = s.target.name;
          const todo = names ?? [await pickApp(ctx, s, 'CF: Restage')].filter((n): n is string => !!n);
          if (!todo.length) return undefined;
          // An app that is not there is said so, not asked about.
          for (const name of todo) await core().findApp(s, name);
          if (!confirmed) {
            const answer = await ctx.ui.confirm(
              `Restage ${todo.join(', ')} on ${s.target.name}?`,
              'Restaging stages a new droplet and restarts every instance on it: the app is unavailable until they are up again. A push with the rolling strategy keeps it serving.',
              'Restage',
            );
            if (answer !== 'Restage') {
              reporter.step('Restage not confirmed: nothing was changed');
              return undefined;
            }
          }
          const results: PushedApp[] = [];
          for (const name of todo) {
            reporter.step(`Restaging ${name}`);
            results.push(await core().restage(s, name, reporter, signal));
          }
          return results;
        },
      });
      done();
      ctx.refresh();
      if (out?.length)
        void vscode.window.showInformationMessage(`Restaged ${out.map((r) => r.name).join(', ')}.`, 'Open Log').then((c) => c && ctx.output.show());
      return out;
    } catch (err) {
      done();
      ctx.refresh();
      if (isAbort(err, aborted)) {
        ctx.output.line('⚠ Restage cancelled; the app keeps its current droplet');
        return undefined;
      }
      reportError(ctx, `${title} failed`, err, { dir, target, retry: () => run(names, session, dir, true) });
      return undefined;
    }
  };
  return run;
}

/** `(clicked, selected, {confirmed})`: confirmed when the person already chose Restage (a notification's button). */
export function restage(ctx: Ctx): Cmd {
  const restageNow = restageRun(ctx);
  return async (clicked?: unknown, selected?: unknown, opts?: { confirmed?: boolean }) => {
    const run = (names: string[] | undefined, session?: Session, dir?: string) => restageNow(names, session, dir, !!opts?.confirmed);
    if (clicked instanceof vscode.Uri) {
      let names: string[];
      let dir: string | undefined;
      try {
        const at = await dirOf(clicked);
        dir = at.dir;
        names = await appNamesAt(at.dir, at.manifestFile);
      } catch (err) {
        reportError(ctx, 'Cannot read the apps to restage', err);
        return undefined;
      }
      return run(names, undefined, dir);
    }
    if (typeof clicked === 'string') return run([clicked]);
    const apps = selectedApps(clicked, selected);
    if (apps.length)
      return run(
        apps.map((a) => a.name),
        apps[0]!.session,
      );
    return run(undefined);
  };
}

/** On a space: restage every outdated buildpack app (docker apps are listed: they need a new image). */
export function restageOutdated(ctx: Ctx): Cmd {
  const run = restageRun(ctx);
  return async (space?: unknown) => {
    if (!(space instanceof SpaceNode)) {
      void vscode.window.showWarningMessage('Use "Restage All Outdated Apps" on a space in the Cloud Foundry view.');
      return undefined;
    }
    const children = await space.children();
    const apps = children.filter((c): c is AppNode => c instanceof AppNode);
    const outdated = apps.filter((a) => a.details.outdated.length);
    const docker = apps.filter((a) => a.docker);
    if (docker.length) {
      ctx.output.line(`⚠ Docker apps are not restaged: rebuild their images and push again (${docker.map((a) => a.name).join(', ')})`);
    }
    if (!outdated.length) {
      void vscode.window.showInformationMessage(
        `No outdated buildpack apps in ${space.space.name}.${docker.length ? ` Docker apps (${docker.map((a) => a.name).join(', ')}) need their images rebuilt instead.` : ''}`,
      );
      return [];
    }
    for (const a of outdated) ctx.output.line(`  ${a.name}: ${a.details.outdated.join('; ')}`);
    return run(
      outdated.map((a) => a.name),
      space.session,
    );
  };
}
