// CF: Debug App (tree, palette): starts a `cfpush` debug session (debug.ts
// resolves it to the runtime's debugger). From the tree the app and its
// target are the clicked item's; with several instances one is picked. From
// the palette the app is picked when the session resolves.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { DEBUG_TYPE, type CfDebugConfiguration } from '../debug';
import { appOf } from '../tree/nodes';
import type { Cmd } from './common';

export function debugApp(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: { index?: number; via?: 'auto' | 'ssh' }) => {
    const app = appOf(clicked);
    let index = given?.index;
    if (app && index === undefined && app.details.desired > 1) {
      const picked = await ctx.ui.pick(
        Array.from({ length: app.details.desired }, (_, i) => ({ label: `Instance ${i}`, index: i })),
        { title: `CF: Debug ${app.name}`, placeHolder: 'Which instance?' },
      );
      if (!picked) return false;
      index = picked.index;
    }
    const config: CfDebugConfiguration = {
      type: DEBUG_TYPE,
      request: 'attach',
      name: app ? `Debug ${app.name}` : 'Debug app on Cloud Foundry',
      app: app?.name,
      instance: index ?? 0,
      target: app?.session.target.name,
      via: given?.via,
    };
    return vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], config);
  };
}
