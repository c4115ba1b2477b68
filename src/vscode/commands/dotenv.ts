// Write .env for Running Locally (on an app): the app's VCAP_SERVICES,
// VCAP_APPLICATION and variables into the .env of the workspace folder whose
// manifest names the app (else a folder picked), so a launch configuration's
// `envFile` runs it against the same services. The same core code as
// `cfpush dotenv`.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { appOf } from '../tree/nodes';
import { manifestFolderOf, type Cmd } from './common';

/** The only workspace folder, or the one picked. */
async function pickFolder(ctx: Ctx, app: string): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0]?.uri.fsPath;
  const picked = await ctx.ui.pick(
    folders.map((f) => ({ label: f.name, description: f.uri.fsPath, dir: f.uri.fsPath })),
    { title: `CF: Where should ${app}'s .env go?` },
  );
  return picked?.dir;
}

/** `(app or its Environment folder, file?)`; returns the file written. */
export function writeDotenv(ctx: Ctx): Cmd {
  return async (clicked?: unknown, fileArg?: string) => {
    const app = appOf(clicked);
    if (!app) return undefined;
    const { session, name } = app;
    let file = fileArg;
    if (!file) {
      const dir = (await manifestFolderOf(name)) ?? (await pickFolder(ctx, name));
      if (!dir) return undefined;
      file = path.join(dir, '.env');
    }
    try {
      const vars = await core().appRunEnv(session, name);
      const out = await core().writeDotenv(file, vars, `${name} on ${session.target.name} (${session.org.name}/${session.space.name})`);
      ctx.output.line(`✔ Wrote ${out.written.join(', ')} of ${name} to ${file}`);
      if ((await core().gitIgnores(file)) === false)
        void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(file)} is not in .gitignore: add it, it holds credentials.`);
      void vscode.window
        .showInformationMessage(
          `Wrote ${name}'s VCAP_SERVICES and variables to ${vscode.workspace.asRelativePath(file)}: point a launch configuration's "envFile" at it. It holds credentials: keep it out of version control.`,
          'Open',
        )
        .then((c) => c && vscode.window.showTextDocument(vscode.Uri.file(file!)));
      return file;
    } catch (err) {
      reportError(ctx, `Writing ${name}'s .env failed`, err, { target: session.target.name });
      return undefined;
    }
  };
}
