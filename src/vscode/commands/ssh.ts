// Open SSH Terminal on an app: instance 0, or the one picked when it runs
// several (`(node, {index})` from code).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { openSshTerminal } from '../ssh-terminal';
import { AppNode } from '../tree/nodes';
import type { Cmd } from './common';

export function openSsh(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: { index?: number }) => {
    if (!(clicked instanceof AppNode)) {
      void vscode.window.showWarningMessage('Open SSH Terminal works on an app: right-click a started one in the Cloud Foundry view.');
      return undefined;
    }
    let index = given?.index;
    const running = clicked.details.desired;
    if (index === undefined && running > 1) {
      const picked = await ctx.ui.pick(
        Array.from({ length: running }, (_, i) => ({ label: `Instance ${i}`, index: i })),
        { title: `CF: SSH into ${clicked.name}`, placeHolder: 'Which instance?' },
      );
      if (!picked) return undefined;
      index = picked.index;
    }
    ctx.output.line(`ssh ${clicked.name} instance ${index ?? 0} on ${clicked.session.target.name}`);
    return openSshTerminal(clicked.session, clicked.name, index ?? 0);
  };
}
