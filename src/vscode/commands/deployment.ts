// A paused canary from the editor: Continue Deployment rolls it out, Cancel
// Deployment takes it back (the cf CLI's continue-deployment /
// cancel-deployment), from the app's tree item, the push notification or
// the palette.
import * as vscode from 'vscode';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { errorCode, isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode } from '../tree/nodes';
import { commandSession, pickApp, type Cmd } from './common';

/** What the push notification passes: the app in the session it was pushed to. */
export interface DeploymentTarget {
  session: Session;
  name: string;
}

function isTarget(x: unknown): x is DeploymentTarget {
  return typeof x === 'object' && x !== null && 'session' in x && typeof (x as DeploymentTarget).name === 'string';
}

function deploymentCmd(ctx: Ctx, verb: 'continue' | 'cancel'): Cmd {
  const title = verb === 'continue' ? 'CF: Continue Deployment' : 'CF: Cancel Deployment';
  return async (clicked?: unknown) => {
    const given = clicked instanceof AppNode || isTarget(clicked) ? clicked : undefined;
    let session = given?.session;
    let name = typeof clicked === 'string' ? clicked : given?.name;
    let signal: AbortSignal | undefined;
    try {
      return await withTask(ctx, {
        title: `${verb === 'continue' ? 'Continuing' : 'Canceling'} the deployment of ${name ?? 'an app'}`,
        cancellable: true,
        run: async (reporter, s) => {
          signal = s;
          session ??= await commandSession(ctx, reporter);
          name ??= await pickApp(ctx, session, title);
          if (!name) return undefined;
          const c = core();
          const d =
            verb === 'continue'
              ? await c.continueDeployment(session, name, reporter, { signal: s })
              : await c.cancelDeployment(session, name, reporter, { signal: s });
          const what =
            d.status.reason === 'PAUSED'
              ? 'paused at its next canary step'
              : d.status.reason === 'DEPLOYED'
                ? 'rolled out'
                : 'canceled: the previous version serves';
          void vscode.window.showInformationMessage(`Deployment of ${name} ${what}.`);
          return d;
        },
      }).finally(() => ctx.refresh());
    } catch (err) {
      if (isAbort(err, signal)) return undefined;
      // Nothing to act on (no deployment, or not paused): running it again would fail alike, so no Retry.
      const code = errorCode(err);
      const nothingToDo = code === 'DeploymentNotFound' || code === 'DeploymentNotPaused';
      reportError(ctx, `${verb === 'continue' ? 'Continuing' : 'Canceling'} the deployment of ${name ?? 'the app'} failed`, err, {
        target: session?.target.name,
        retry: nothingToDo ? undefined : () => vscode.commands.executeCommand(`cfpush.${verb}Deployment`, clicked),
      });
      return undefined;
    }
  };
}

export const continueDeployment = (ctx: Ctx): Cmd => deploymentCmd(ctx, 'continue');
export const cancelDeployment = (ctx: Ctx): Cmd => deploymentCmd(ctx, 'cancel');
