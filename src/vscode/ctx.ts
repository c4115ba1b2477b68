// Everything the commands share: settings, output, tokens, the tree, one
// cached Session per target, and the events the UI follows. Constructing it
// loads no core code (activation stays cheap); core() runs on first use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Session, TargetConfig } from '../core/session';
import { cfpushHome, defaultFoundationDir } from '../core/paths';
import { Config } from './config';
import type { ReportedError } from './errors';
import { ManifestLanguage } from './language';
import { core } from './lazy';
import { AppLogs } from './logs';
import { Output } from './output';
import { TargetStatus } from './status';
import { vscodeUi, type Ui } from './ui';
import { cancelRunningTasks } from './progress';
import { SecretTokenStore } from './tokens';
import { RouteHistory } from './route-history';
import { RouteDragAndDrop } from './tree/dnd';
import { CfTreeProvider } from './tree/provider';
import { TrafficView } from './traffic';
import { WatchMode } from './watch';
import { AppDebugger } from './debug';

export interface LastSwap {
  target: string;
  spaceGuid: string;
  a: string;
  b: string;
  session: Session;
}

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly output = new Output(() => this.config.logLevel);
  readonly tokens: SecretTokenStore;
  readonly tree: CfTreeProvider;
  /** Drag and drop of routes and apps in the tree. */
  readonly dnd: RouteDragAndDrop;
  /** Route changes made here, each undoable later (not only from its toast). */
  readonly routeHistory = new RouteHistory(this);
  /** The live traffic panel. */
  readonly traffic: TrafficView;
  readonly manifests: ManifestLanguage;
  readonly status: TargetStatus;
  readonly logs: AppLogs;
  readonly watch: WatchMode;
  /** CF: Debug App sessions (the `cfpush` launch configuration type). */
  readonly debug: AppDebugger;
  /** Fires with each step of a running task (tests act at a given step). */
  readonly onStep = new vscode.EventEmitter<string>();
  /** Every error notification shown, oldest first (tests walk the error paths). */
  readonly reported: ReportedError[] = [];
  /** The last error a command reported. */
  lastError?: unknown;
  lastSwap?: LastSwap;
  /** Prompts (tests replace them: a real host cannot click a modal). */
  ui: Ui = vscodeUi;
  private readonly sessions = new Map<string, Promise<Session>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.tokens = new SecretTokenStore(extension.secrets);
    this.dnd = new RouteDragAndDrop(this);
    this.traffic = new TrafficView(this);
    this.tree = new CfTreeProvider(this, this.dnd);
    this.manifests = new ManifestLanguage(this);
    this.status = new TargetStatus(this);
    this.logs = new AppLogs(this);
    this.watch = new WatchMode(this);
    this.debug = new AppDebugger(this);
    this.disposables.push(
      this.output,
      this.tree,
      this.traffic,
      this.manifests,
      this.status,
      this.logs,
      this.watch,
      this.debug,
      this.tokens,
      this.onStep,
      this.config.onDidChange(() => this.refresh()),
      this.tokens.onDidChange(() => this.refresh()),
      // Sign Out is offered in the palette while a remote target is signed in: a login or sign-out says which.
      // (The local foundation's session keeps tokens too, read from its data dir: there is no signing out of it.)
      this.tokens.onDidChange((t) => t !== 'local' && void this.tokens.get(t).then((tok) => this.tree.note('signedIn', t, !!tok))),
      watchFile(cfpushHome(), 'config.json', () => this.refresh()),
      // The local foundation rewrites its state file on every change (push, crash, scale...).
      watchFile(defaultFoundationDir(), 'state.json', () => this.tree.refreshSoon()),
      watchFile(defaultFoundationDir(), 'foundation.json', () => {
        this.noteFoundation();
        this.refresh();
      }),
    );
    this.noteFoundation();
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
    const opening = core().openSession({
      target,
      startLocal: opts.startLocal,
      tokenStore: this.tokens,
      onWarning: (w) => this.output.warn(w),
      onRequest: (m, u) => this.output.request(m, u),
    });
    this.sessions.set(target, opening);
    // A session that opens on a remote target is a signed-in one (Sign Out applies); on local, the foundation runs.
    opening.then((s) => (s.target.local ? this.noteFoundation() : this.tree.note('signedIn', s.target.name, true))).catch(() => undefined);
    // A failed open must not stick: the next call retries (e.g. after a start or a login).
    opening.catch(() => {
      if (this.sessions.get(target) === opening) this.sessions.delete(target);
    });
    this.status.follow(target, opening);
    return opening;
  }

  /**
   * `cfpush.foundationRunning` for the palette (Start / Stop Local Foundation):
   * the daemon's foundation.json names a live pid. Plain fs, no core: it runs at activation.
   */
  private noteFoundation(): void {
    let running = false;
    try {
      const { pid } = JSON.parse(readFileSync(join(defaultFoundationDir(), 'foundation.json'), 'utf8')) as { pid?: number };
      if (typeof pid === 'number') {
        process.kill(pid, 0);
        running = true;
      }
    } catch {
      running = false;
    }
    this.tree.note('foundationRunning', 'local', running);
  }

  /** Cancels running cancellable tasks as the notification's Cancel button does (tests). */
  cancelRunningTasks(): number {
    return cancelRunningTasks();
  }

  /** The session if one is open already (status bar: never opens one by itself). */
  openedSession(target = this.config.target): Promise<Session> | undefined {
    return this.sessions.get(target);
  }

  async signedIn(target: TargetConfig): Promise<boolean> {
    return target.local ? true : !!(await this.tokens.get(target.name).catch(() => undefined));
  }

  following(session: Session, appGuid: string): boolean {
    return this.logs.isFollowing(session, appGuid);
  }

  swapped(spaceGuid: string): readonly string[] {
    return this.lastSwap && this.lastSwap.spaceGuid === spaceGuid ? [this.lastSwap.a, this.lastSwap.b] : [];
  }

  /** Forget sessions (target config or tokens changed) and redraw the tree and status bar. */
  refresh(): void {
    this.forgetSessions();
    this.tree.refresh();
    this.status.update(true);
  }

  /** After "cannot reach the API" a cached session is stale (foundation stopped, target moved). */
  forgetSessions(): void {
    this.sessions.clear();
    this.noteFoundation();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** A file outside the workspace, followed without polling. */
function watchFile(dir: string, name: string, onChange: () => void): vscode.Disposable {
  const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), name));
  w.onDidChange(onChange);
  w.onDidCreate(onChange);
  w.onDidDelete(onChange);
  return w;
}
