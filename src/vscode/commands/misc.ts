// Detection report, watch mode toggle.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { dirOf, pickAppDir, type Cmd } from './common';

/** Which buildpack matches the folder and what every buildpack looked for, in the output channel. */
export function detect(ctx: Ctx): Cmd {
  return async (arg?: unknown) => {
    const dir = arg instanceof vscode.Uri ? (await dirOf(arg)).dir : typeof arg === 'string' ? arg : await pickAppDir(ctx, 'CF: Detect Buildpack');
    if (!dir) return undefined;
    try {
      // On the local target: its installed buildpacks in its order, as its staging detects.
      const report = await core().detect(dir, { installed: await core().localInstalledBuildpacks() });
      ctx.output.line(`\n── Buildpack detection for ${path.basename(dir)} ──`);
      ctx.output.line(core().formatDetectReport(report));
      ctx.output.show();
      return report;
    } catch (err) {
      reportError(ctx, `Detection in ${path.basename(dir)} failed`, err, { dir });
      return undefined;
    }
  };
}

export function toggleWatch(ctx: Ctx): Cmd {
  return async (on?: unknown) => {
    const next = typeof on === 'boolean' ? on : !ctx.config.watch;
    await ctx.config.update('watch.enabled', next);
    void vscode.window.setStatusBarMessage(
      next ? '$(eye) CF watch mode on: saving re-pushes to the local foundation' : '$(eye-closed) CF watch mode off',
      4000,
    );
    return next;
  };
}
