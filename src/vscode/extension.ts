// Thin activation: build the context, register one handler per command, hand
// tests an API object. No core code loads here (see lazy.ts).
import * as vscode from 'vscode';
import { commands } from './commands';
import { Ctx } from './ctx';
import { coreLoaded } from './lazy';

export interface CfPushApi {
  ctx: Ctx;
  tree: Ctx['tree'];
  /** Milliseconds activate() took, and whether it loaded dist/core.js (it must not). */
  activation: { ms: number; coreLoaded: boolean };
}

export function activate(context: vscode.ExtensionContext): CfPushApi {
  const t0 = performance.now();
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  for (const [id, factory] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
  }
  return { ctx, tree: ctx.tree, activation: { ms: performance.now() - t0, coreLoaded: coreLoaded() } };
}

export function deactivate(): void {}
