// Tasks from the tree: Run Task on an app (or its Tasks folder) asks for the
// command, follows the app's logs (task output is [APP/TASK/name] there),
// waits for the task to end and says how; Terminate Task on a running one.
import * as vscode from 'vscode';
import type { CcTask } from '../../core/cc/types';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { appOf, TaskNode } from '../tree/nodes';
import type { Cmd } from './common';

/** `(node, {command, name})` from code; from the tree, the command is asked for. */
export function runTask(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: { command?: string; name?: string }) => {
    const app = appOf(clicked);
    if (!app) {
      void vscode.window.showWarningMessage('Run Task works on an app: right-click one (or its Tasks folder) in the Cloud Foundry view.');
      return undefined;
    }
    const command =
      given?.command ??
      (await ctx.ui.input({
        title: `CF: Run Task on ${app.name}`,
        prompt: "A command to run once from the app's droplet, with its environment and services. Empty: the app's `task` process command.",
        placeHolder: 'e.g. node migrate.js',
      }));
    if (command === undefined) return undefined;
    const { session } = app;
    let signal: AbortSignal | undefined;
    try {
      // The output shows where the app's logs do.
      await ctx.logs.follow(session, app.app.guid, app.name);
      const task = await withTask<CcTask>(ctx, {
        title: `Running a task on ${app.name}`,
        cancellable: true,
        run: async (reporter, s) => {
          signal = s;
          const created = await core().runTask(session, app.name, { command: command || undefined, name: given?.name });
          reporter.step(`Task #${created.sequence_id} ${created.name} is ${created.state.toLowerCase()}; its output is in "CF Logs: ${app.name}"`);
          ctx.tree.refresh();
          return core().waitForTask(session, created.guid, s);
        },
      });
      ctx.tree.refresh();
      const what = `Task #${task.sequence_id} ${task.name} on ${app.name}`;
      if (task.state === 'SUCCEEDED') {
        ctx.output.line(`✔ ${what} succeeded`);
        void vscode.window.showInformationMessage(`${what} succeeded.`, 'Show Logs').then((c) => c && ctx.logs.follow(session, app.app.guid, app.name));
      } else {
        ctx.output.line(`✖ ${what} failed: ${task.result?.failure_reason ?? 'no reason given'}`);
        void vscode.window
          .showErrorMessage(`${what} failed: ${task.result?.failure_reason ?? 'no reason given'}. Its output is in the app's logs.`, 'Show Logs')
          .then((c) => c && ctx.logs.follow(session, app.app.guid, app.name));
      }
      return task;
    } catch (err) {
      if (isAbort(err, signal)) return undefined;
      reportError(ctx, `Running a task on ${app.name} failed`, err, { target: session.target.name });
      return undefined;
    }
  };
}

export function terminateTask(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    if (!(clicked instanceof TaskNode)) return undefined;
    const { appNode, task } = clicked;
    try {
      const t = await core().terminateTask(appNode.session, appNode.name, task.sequence_id);
      ctx.tree.refresh();
      return t;
    } catch (err) {
      reportError(ctx, `Terminating task #${task.sequence_id} of ${appNode.name} failed`, err, { target: appNode.session.target.name });
      return undefined;
    }
  };
}
