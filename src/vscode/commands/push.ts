// CF: Push — the workspace app (or an Explorer folder/manifest, the editor
// title button, a space in the tree) to the target, under a cancellable
// notification. Remote targets first show what will change and ask; the
// answer can also pick blue-green. A cancelled push removes the apps it had
// created, so nothing half-made is left behind.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Manifest } from '../../core/manifest';
import type { PushedApp, PushOptions } from '../../core/push';
import type { PushPreview } from '../../core/push/preview';
import type { Session } from '../../core/session';
import type { PushStrategy } from '../config';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { SpaceNode } from '../tree/nodes';
import { commandSession, dirOf, pickAppDir, type Cmd } from './common';

export interface PushArgs {
  /** Skip the preview/confirm step (watch mode, tests). */
  confirm?: boolean;
  strategy?: PushStrategy;
  /** Re-push from watch mode: quiet success. */
  watch?: boolean;
  /** Push into this tree node's space instead of the configured target. */
  session?: Session;
}

export function push(ctx: Ctx, fixed: PushArgs = {}): Cmd {
  const run = async (dir: string, manifestFile: string | undefined, args: PushArgs): Promise<PushedApp[] | undefined> => {
    const label = path.basename(dir);
    let signal: AbortSignal | undefined;
    let names: string[] = [];
    // Read once: the names, the preview and the push all come from this reading.
    let manifest: Manifest;
    try {
      manifest = await core().loadManifest({ dir, file: manifestFile });
      names = manifest.apps.map((a) => a.name);
    } catch (err) {
      reportError(ctx, `Push of ${label} failed`, err, { dir, retry: () => run(dir, manifestFile, args) });
      return undefined;
    }
    // Spinner on the apps in the tree while they are pushed.
    const done = ctx.tree.markBusy(names, 'pushing');
    let session: Session | undefined = args.session;
    try {
      const pushed = await withTask(ctx, {
        title: `Pushing ${label}`,
        cancellable: true,
        run: async (reporter, s) => {
          signal = s;
          for (const w of core().manifestWarnings(manifest.diagnostics)) reporter.warn(w);
          session ??= await commandSession(ctx, reporter);
          let strategy = args.strategy ?? ctx.config.pushStrategy;
          let previewed = false;
          if (!session.target.local && args.confirm !== false && ctx.config.confirmRemotePush) {
            reporter.step('Previewing what the push changes');
            const preview = await core().previewPush(session, { dir, manifestFile, manifest });
            const answer = await confirmPush(ctx, session, preview, strategy);
            if (!answer) {
              reporter.step('Push not confirmed: nothing was changed');
              return undefined;
            }
            strategy = answer;
            previewed = true;
          }
          if (strategy === 'blue-green') {
            // The live app and, once it exists, NAME-next: the view follows both through the renames.
            ctx.traffic.autoOpen(
              session,
              [],
              'blue-green',
              names.flatMap((n) => [n, core().nextName(n)]),
            );
          }
          const opts: PushOptions = {
            dir,
            manifestFile,
            manifest,
            signal: s,
            targetChecked: previewed,
            strategy: strategy === 'standard' ? undefined : strategy,
            smokeTest: ctx.config.smokeTestPath ? { path: ctx.config.smokeTestPath } : undefined,
            // cfpush.stageMode "container": stage here in the stack container, push the droplet.
            stageInContainer: ctx.config.stageMode === 'container' ? {} : undefined,
          };
          return core().push(session, opts, reporter);
        },
      });
      done();
      ctx.refresh();
      if (!pushed) return undefined;
      ctx.watch.remember(dir, session!.target.name);
      announce(ctx, pushed, !!args.watch, session!);
      return pushed;
    } catch (err) {
      done();
      if (isAbort(err, signal)) {
        // The core took back what this push had created (PushCancelledError says what).
        const removed = (err as { removed?: string[] }).removed ?? [];
        if (err instanceof core().CfPushError && err.hint) ctx.output.line(`⚠ ${err.message} ${err.hint}`);
        ctx.output.line(
          `⚠ Push of ${label} cancelled${removed.length ? `; removed ${removed.join(', ')}, which this push had created` : '; apps keep the version they had before'}`,
        );
        ctx.refresh();
        void vscode.window.showInformationMessage(
          `Push of ${label} cancelled. ${removed.length ? `Removed ${removed.join(', ')} (created by this push).` : 'Nothing was changed.'}`,
        );
        return undefined;
      }
      ctx.refresh();
      reportError(ctx, `Push of ${label} failed`, err, { dir, target: session?.target.name, retry: () => run(dir, manifestFile, args) });
      return undefined;
    }
  };

  return async (arg?: unknown, extra?: unknown) => {
    const args: PushArgs = { ...fixed, ...(isArgs(extra) ? extra : {}) };
    if (arg instanceof vscode.Uri) {
      const { dir, manifestFile } = await dirOf(arg);
      return run(dir, manifestFile, args);
    }
    // "Push here" on a space: that space, whatever the configured target.
    if (arg instanceof SpaceNode) args.session = arg.session;
    const dir = typeof arg === 'string' ? arg : await pickAppDir(ctx);
    return dir ? run(dir, undefined, args) : undefined;
  };
}

function isArgs(x: unknown): x is PushArgs {
  return !!x && typeof x === 'object' && !Array.isArray(x) && !(x instanceof vscode.Uri);
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** "What will change" as text, one line per change. */
export function describePreview(preview: PushPreview): string {
  return preview.apps
    .map((a) => {
      if (a.isNew) return `${a.name}: new app`;
      if (!a.changes.length) return `${a.name}: no manifest changes (new code only)`;
      return `${a.name}:\n${a.changes.map((c) => `  ${c.path}: ${show(c.was)} → ${show(c.value)}`).join('\n')}`;
    })
    .join('\n');
}

/** The confirm step for remote targets; resolves to the chosen strategy or undefined. */
async function confirmPush(ctx: Ctx, session: Session, preview: PushPreview, strategy: PushStrategy): Promise<PushStrategy | undefined> {
  const detail = describePreview(preview);
  ctx.output.line(
    detail
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  const where = `${session.target.name} (${session.org.name}/${session.space.name})`;
  const standard = strategy === 'rolling' ? 'Push (Rolling)' : strategy === 'canary' ? 'Push (Canary)' : 'Push';
  const blueGreen = 'Push Blue-Green';
  const canBlueGreen = preview.apps.length === 1 && !preview.apps[0]!.isNew;
  const buttons = strategy === 'blue-green' && canBlueGreen ? [blueGreen, standard] : canBlueGreen ? [standard, blueGreen] : [standard];
  const answer = await ctx.ui.confirm(`Push ${preview.apps.map((a) => a.name).join(', ')} to ${where}?`, detail, ...buttons);
  return answer === blueGreen ? 'blue-green' : answer === standard ? (strategy === 'blue-green' ? 'standard' : strategy) : undefined;
}

function announce(ctx: Ctx, pushed: PushedApp[], quiet: boolean, session: Session): void {
  for (const app of pushed) ctx.output.line(`✔ ${app.name} ${app.state.toLowerCase()}${app.urls.length ? ` at ${app.urls.join(', ')}` : ''}`);
  const canary = pushed.find((a) => a.deployment?.reason === 'PAUSED');
  if (canary) {
    // A canary push ends paused: the next step is the user's, so the notification offers it.
    ctx.output.line(`▸ Canary of ${canary.name} is running next to the previous version: Continue Deployment rolls it out, Cancel Deployment goes back`);
    const target = { session, name: canary.name };
    void vscode.window
      .showInformationMessage(`Canary of ${canary.name} is running next to the previous version.`, 'Continue Deployment', 'Cancel Deployment')
      .then((c) => {
        if (c === 'Continue Deployment') void vscode.commands.executeCommand('cfpush.continueDeployment', target);
        else if (c === 'Cancel Deployment') void vscode.commands.executeCommand('cfpush.cancelDeployment', target);
      });
    return;
  }
  if (quiet) {
    vscode.window.setStatusBarMessage(`$(check) Re-pushed ${pushed.map((a) => a.name).join(', ')}`, 4000);
    return;
  }
  const url = pushed.flatMap((a) => a.urls)[0];
  const names = pushed.map((a) => a.name).join(', ');
  const actions = url ? ['Open', 'Show Logs', 'Open Log'] : ['Show Logs', 'Open Log'];
  void vscode.window.showInformationMessage(`Pushed ${names}${url ? `: ${url}` : ''}`, ...actions).then((c) => {
    if (c === 'Open' && url) void vscode.env.openExternal(vscode.Uri.parse(url));
    else if (c === 'Show Logs') void vscode.commands.executeCommand('cfpush.showLogs', pushed[0]!.name);
    else if (c === 'Open Log') ctx.output.show();
  });
}
