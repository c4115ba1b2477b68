// Everything the commands share: output, settings, the tree and one cached
// Session per target (opening one logs in, so reuse it).
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { cfpushHome } from '../core/paths';
import { openSession } from '../core/targets';
import { Config } from './config';
import { ManifestProblems } from './manifest';
import { Output } from './output';
import { targetStatus } from './status';
import { CfTreeProvider } from './tree/provider';

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly output = new Output();
  readonly tree: CfTreeProvider;
  readonly manifests = new ManifestProblems();
  /** The last error a command reported (tests print it when a command returns nothing). */
  lastError?: unknown;
  private readonly sessions = new Map<string, Promise<Session>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.tree = new CfTreeProvider(this);
    this.disposables.push(
      this.output,
      this.tree,
      this.manifests,
      this.config.onDidChange(() => this.refresh()),
      watchTargets(() => this.refresh()),
      targetStatus(this.config),
    );
  }

  /**
   * The Session for `target` (default: the `cfpush.target` setting). Commands
   * pass startLocal so the local foundation starts on demand; the tree does not,
   * so merely looking at it never spawns a daemon.
   */
  session(opts: { target?: string; startLocal?: boolean; fresh?: boolean } = {}): Promise<Session> {
    const target = opts.target ?? this.config.target;
    const cached = opts.fresh ? undefined : this.sessions.get(target);
    if (cached) return cached;
    const opening = openSession({
      target,
      startLocal: opts.startLocal,
      onWarning: (w) => this.output.line(`⚠ ${w}`),
    });
    this.sessions.set(target, opening);
    // A failed open must not stick: the next call retries (e.g. after a start).
    opening.catch(() => {
      if (this.sessions.get(target) === opening) this.sessions.delete(target);
    });
    return opening;
  }

  /** Forget sessions (target config may have changed) and redraw the tree. */
  refresh(): void {
    this.forgetSessions();
    this.tree.refresh();
  }

  /** After "cannot reach the API" a cached session is stale (foundation stopped, target moved). */
  forgetSessions(): void {
    this.sessions.clear();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** `cfpush target ...` in a terminal rewrites CFPUSH_HOME/config.json: follow it. */
function watchTargets(onChange: () => void): vscode.Disposable {
  const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(cfpushHome()), 'config.json'));
  w.onDidChange(onChange);
  w.onDidCreate(onChange);
  w.onDidDelete(onChange);
  return w;
}
