// Thin activation: build the context, register one handler per command,
// hand tests an API object.
import * as vscode from 'vscode';
import { commands } from './commands';
import { Ctx } from './ctx';
import type { CfTreeProvider } from './tree/provider';

export interface CfPushApi {
  tree: CfTreeProvider;
  ctx: Ctx;
}

export function activate(context: vscode.ExtensionContext): CfPushApi {
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  for (const [id, factory] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
  }
  return { tree: ctx.tree, ctx };
}

export function deactivate(): void {}
