// Helpers shared by the command factories.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Reporter } from '../../core/push';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { core } from '../lazy';
import { AppNode, Node, RouteNode, SpaceNode, SpaceRouteNode, TargetNode } from '../tree/nodes';

/** A command handler; what it returns is what `executeCommand` resolves to (tests assert on it). */
export type Cmd = (...args: any[]) => unknown;

/** The session for the configured target, starting the local foundation if the settings allow. */
export async function commandSession(ctx: Ctx, reporter: Reporter, target = ctx.config.target): Promise<Session> {
  reporter.step(`Connecting to target '${target}'${target === 'local' ? ' (starting the local foundation if needed)' : ''}`);
  const session = await ctx.session({ target, startLocal: ctx.config.startLocalOnDemand });
  reporter.log(`${session.target.api} · org ${session.org.name} · space ${session.space.name}`);
  return session;
}

/** The app nodes among a tree command's (clicked, selected[]) arguments, selection first. */
export function selectedApps(clicked: unknown, selected: unknown): AppNode[] {
  const all = Array.isArray(selected) && selected.length ? selected : [clicked];
  return all.filter((n): n is AppNode => n instanceof AppNode);
}

/** The session a tree node was listed with (its own org/space). */
export function nodeSession(node: unknown): Session | undefined {
  if (node instanceof AppNode || node instanceof SpaceNode || node instanceof RouteNode || node instanceof SpaceRouteNode) return node.session;
  return undefined;
}

export function nodeTarget(node: unknown): string | undefined {
  let n = node instanceof Node ? node : undefined;
  while (n && !(n instanceof TargetNode)) n = n.parent;
  return n instanceof TargetNode ? n.target.name : undefined;
}

/** Folder of a Uri argument: the folder itself or a file's parent. */
export async function dirOf(uri: vscode.Uri): Promise<{ dir: string; manifestFile?: string }> {
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.type & vscode.FileType.Directory) return { dir: uri.fsPath };
  const isManifest = /manifest.*\.ya?ml$/i.test(path.basename(uri.fsPath));
  return { dir: path.dirname(uri.fsPath), manifestFile: isManifest ? uri.fsPath : undefined };
}

/** App names a manifest stands for (without one: the folder's name, as the push engine does). */
export async function appNamesAt(dir: string, manifestFile?: string): Promise<string[]> {
  const manifest = await core().loadManifest({ dir, file: manifestFile });
  return manifest.apps.map((a) => a.name);
}

/** Pick the folder to push: a manifest's folder in the workspace, else the workspace folder. */
export async function pickAppDir(ctx: Ctx, title = 'CF: Push'): Promise<string | undefined> {
  const manifests = await vscode.workspace.findFiles('**/manifest.{yml,yaml}', '**/{node_modules,.git,vendor}/**', 50);
  if (manifests.length === 1) return path.dirname(manifests[0]!.fsPath);
  if (manifests.length > 1) {
    const picked = await ctx.ui.pick(
      manifests
        .map((m) => ({
          label: vscode.workspace.asRelativePath(path.dirname(m.fsPath)),
          description: vscode.workspace.asRelativePath(m),
          dir: path.dirname(m.fsPath),
        }))
        .sort((a, b) => a.label.localeCompare(b.label)),
      { title, placeHolder: 'Which app folder?' },
    );
    return picked?.dir;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0]!.uri.fsPath;
  if (folders.length > 1) return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder to push?' }))?.uri.fsPath;
  void vscode.window.showWarningMessage(`${title} needs a folder: open the app folder first.`, 'Open Folder').then((c) => {
    if (c) void vscode.commands.executeCommand('vscode.openFolder');
  });
  return undefined;
}

/** The folder of a workspace manifest that names `app`, if any (where it was pushed from). */
export async function manifestFolderOf(app: string): Promise<string | undefined> {
  const manifests = await vscode.workspace.findFiles('**/manifest.{yml,yaml}', '**/{node_modules,.git,vendor}/**', 50);
  for (const m of manifests) {
    const names = await appNamesAt(path.dirname(m.fsPath), m.fsPath).catch((): string[] => []);
    if (names.includes(app)) return path.dirname(m.fsPath);
  }
  return undefined;
}

/** A quick pick of the apps in a session's space. */
export async function pickApp(ctx: Ctx, session: Session, title: string, exclude: string[] = []): Promise<string | undefined> {
  const apps = (await session.cc.apps.inSpace(session.space.guid)).filter((a) => !exclude.includes(a.name));
  if (!apps.length) {
    void vscode.window.showWarningMessage(`No${exclude.length ? ' other' : ''} app in ${session.org.name}/${session.space.name}.`);
    return undefined;
  }
  const picked = await ctx.ui.pick(
    apps.map((a) => ({ label: a.name, description: a.state.toLowerCase() })),
    { title, placeHolder: `App in ${session.org.name}/${session.space.name}` },
  );
  return picked?.label;
}
