// CF: Select Target: pick one of the configured targets for push/restage/swap.
import * as vscode from 'vscode';
import { listTargets } from '../../core/targets';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { TargetNode } from '../tree/nodes';
import type { Cmd } from './common';

export function selectTarget(ctx: Ctx): Cmd {
  return async (arg?: unknown) => {
    // From the palette (quick pick), the tree (a target node) or code (a name).
    let chosen = typeof arg === 'string' ? arg : arg instanceof TargetNode ? arg.target.name : undefined;
    if (!chosen) {
      try {
        const targets = await listTargets();
        const current = ctx.config.target;
        const pick = await vscode.window.showQuickPick(
          targets.map((t) => ({
            label: t.name,
            description: t.local ? 'embedded local foundation' : t.api,
            detail: t.org || t.space ? `${t.org ?? '(first org)'} / ${t.space ?? '(first space)'}` : undefined,
            picked: t.name === current,
          })),
          { title: 'CF: Select Target', placeHolder: `Current: ${current}. Add targets with \`cfpush target NAME -a API\`.` },
        );
        chosen = pick?.label;
      } catch (err) {
        reportError(ctx, 'Cannot list targets', err);
        return undefined;
      }
    }
    if (!chosen) return undefined;
    // Workspace setting when a folder is open, so projects can target different foundations.
    const scope = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('cfpush').update('target', chosen, scope);
    ctx.refresh();
    return chosen;
  };
}
