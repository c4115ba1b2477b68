// After a change a running app sees only when it starts again (env, a
// service binding): a notification offering Restart, or Restage where
// staging may read it too (buildpacks read VCAP_SERVICES).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { AppNode } from '../tree/nodes';

export async function offerRestart(ctx: Ctx, app: AppNode, done: string, restage = false): Promise<string | undefined> {
  if (app.app.state !== 'STARTED') return undefined;
  const buttons = restage ? ['Restart', 'Restage'] : ['Restart'];
  const choice = await ctx.ui.offer(`${done} ${app.name} sees it after a restart${restage ? ' (or a restage, for buildpacks that read it)' : ''}.`, ...buttons);
  if (choice === 'Restart') await vscode.commands.executeCommand('cfpush.restartApp', app);
  else if (choice === 'Restage') await vscode.commands.executeCommand('cfpush.restage', app, [app], { confirmed: true });
  return choice;
}
