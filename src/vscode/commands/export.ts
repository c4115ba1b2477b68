// CF: Export as Image (issue 8): an app's current droplet on its target (an
// app in the tree, or picked), or a droplet .tgz on disk (Explorer), built
// into a container image with the local Docker engine, under a cancellable
// notification. The core's export (and dockerode) load on first use only.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportedImage } from '../../core/docker/export';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { isAbort, reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode } from '../tree/nodes';
import { commandSession, pickApp, type Cmd } from './common';

/** What the command resolves to (tests assert on it). */
export interface ExportResult extends ExportedImage {
  /** `docker run -p 8080:8080 IMAGE`, as the notification offers to copy. */
  runCommand: string;
}

export function dockerRunCommand(image: string): string {
  return `docker run --rm -p 8080:8080 ${image}`;
}

export function exportImage(ctx: Ctx): Cmd {
  const run = async (arg?: unknown): Promise<ExportResult | undefined> => {
    let signal: AbortSignal | undefined;
    let session: Session | undefined = arg instanceof AppNode ? arg.session : undefined;
    let label = arg instanceof AppNode ? arg.name : arg instanceof vscode.Uri ? path.basename(arg.fsPath) : typeof arg === 'string' ? arg : 'app';
    const retry = () => vscode.commands.executeCommand('cfpush.exportImage', arg);
    try {
      // What to export: a droplet file, an app of the tree / by name, or a pick.
      let file = arg instanceof vscode.Uri ? arg.fsPath : undefined;
      let appName = arg instanceof AppNode ? arg.name : typeof arg === 'string' ? arg : undefined;
      if (!file && !appName) {
        const picked = await pickWhat(ctx);
        if (!picked) return undefined;
        ({ file, appName, session } = picked);
        label = file ? path.basename(file) : appName!;
      }
      const done = appName ? ctx.tree.markBusy([appName], 'exporting') : () => {};
      let res: ExportedImage;
      try {
        res = await withTask(ctx, {
          title: `Exporting ${label} as an image`,
          cancellable: true,
          run: async (reporter, s) => {
            signal = s;
            const log = (line: string) => reporter.log(`   ${line}`);
            if (file) {
              reporter.step(`Building an image from the droplet ${file}`);
              return core().exportDroplet({ dropletFile: file, log, signal: s });
            }
            session ??= await commandSession(ctx, reporter);
            reporter.step(`Exporting the current droplet of ${appName} (${session.target.name} · ${session.org.name}/${session.space.name})`);
            return core().exportApp({ session, appName: appName!, log, signal: s });
          },
        });
      } finally {
        done();
        ctx.refresh();
      }
      const runCommand = dockerRunCommand(res.image);
      ctx.output.line(`✔ Exported ${label} as ${res.image} (${(res.size / 1e6).toFixed(1)} MB; start command: ${res.startCommand})`);
      ctx.output.line(`  Run it: ${runCommand}`);
      void vscode.window.showInformationMessage(`Exported ${label} as image ${res.image}`, 'Copy docker run command', 'Open Log').then(async (c) => {
        if (c === 'Copy docker run command') {
          await vscode.env.clipboard.writeText(runCommand);
          vscode.window.setStatusBarMessage(`$(clippy) Copied: ${runCommand}`, 4000);
        } else if (c === 'Open Log') ctx.output.show();
      });
      return { ...res, runCommand };
    } catch (err) {
      if (isAbort(err, signal)) {
        ctx.output.line(`⚠ Export of ${label} cancelled`);
        return undefined;
      }
      reportError(ctx, `Export of ${label} as an image failed`, err, { target: session?.target.name, retry });
      return undefined;
    }
  };
  return (arg?: unknown) => run(arg);
}

/** Palette: an app of the configured target, or a droplet file on disk. */
async function pickWhat(ctx: Ctx): Promise<{ file?: string; appName?: string; session?: Session } | undefined> {
  const choice = await ctx.ui.pick(
    [{ label: 'An app on the current target', description: ctx.config.target }, { label: 'A droplet file (.tgz) on this machine' }],
    { title: 'CF: Export as Image', placeHolder: 'Export what?' },
  );
  if (!choice) return undefined;
  if (choice.label.startsWith('A droplet')) {
    const uris = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Droplets: ['tgz', 'gz'] }, title: 'Droplet to export' });
    return uris?.[0] ? { file: uris[0].fsPath } : undefined;
  }
  const session = await ctx.session({ startLocal: ctx.config.startLocalOnDemand });
  const appName = await pickApp(ctx, session, 'CF: Export as Image');
  return appName ? { appName, session } : undefined;
}
