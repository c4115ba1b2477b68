// Everything the commands share: settings, output, tokens, the tree, one
// cached Session per target, and the events the UI follows. Constructing it
// loads no core code (activation stays cheap); core() runs on first use.
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
import { RouteDragAndDrop } from './tree/dnd';
import { CfTreeProvider } from './tree/provider';
import { TrafficView } from './traffic';
import { WatchMode } from './watch';

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
  /** The live traffic panel. */
  readonly traffic: TrafficView;
  readonly manifests: ManifestLanguage;
  readonly status: TargetStatus;
  readonly logs: AppLogs;
  readonly watch: WatchMode;
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
    this.disposables.push(
      this.output,
      this.tree,
      this.traffic,
      this.manifests,
      this.status,
      this.logs,
      this.watch,
      this.tokens,
      this.onStep,
      this.config.onDidChange(() => this.refresh()),
      this.tokens.onDidChange(() => this.refresh()),
      watchFile(cfpushHome(), 'config.json', () => this.refresh()),
      // The local foundation rewrites its state file on every change (push, crash, scale...).
      watchFile(defaultFoundationDir(), 'state.json', () => this.tree.refreshSoon()),
      watchFile(defaultFoundationDir(), 'foundation.json', () => this.refresh()),
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
    const opening = core().openSession({
      target,
      startLocal: opts.startLocal,
      tokenStore: this.tokens,
      onWarning: (w) => this.output.line(`⚠ ${w}`),
      onRequest: (m, u) => this.output.request(m, u),
    });
    this.sessions.set(target, opening);
    // A failed open must not stick: the next call retries (e.g. after a start or a login).
    opening.catch(() => {
      if (this.sessions.get(target) === opening) this.sessions.delete(target);
    });
    this.status.follow(target, opening);
    return opening;
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
