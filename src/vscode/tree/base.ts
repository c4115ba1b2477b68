// What every tree node shares: the host the nodes call, the base class, the
// leaf that explains an empty or failed level, and how ages are shown.
import * as vscode from 'vscode';
import type { Session, TargetConfig } from '../../core/session';
import { editorHint } from '../hints';
import { core } from '../lazy';
import type { Catalog } from './outdated';

/** What nodes need from the extension: sessions without side effects, and transient UI state. */
export interface NodeHost {
  session(opts: { target: string; startLocal?: boolean }): Promise<Session>;
  readonly currentTarget: string;
  /** "pushing" / "restaging" while a command works on the app, for a spinner. */
  busy(appName: string): string | undefined;
  signedIn(target: TargetConfig): Promise<boolean>;
  catalog(session: Session): Promise<Catalog>;
  /** The apps of the last swap in this space (they offer "Undo Swap"). */
  swapped(spaceGuid: string): readonly string[];
  /** Whether the app's logs are being followed (it offers "Stop Logs"). */
  following(session: Session, appGuid: string): boolean;
  /**
   * What a listed level holds, for the palette's `when` clauses: `fact` is on
   * while any `key` (a space, a target) says so (cfpush.hasApps, ...).
   */
  note(fact: string, key: string, on: boolean): void;
  /** Lists `node`'s children again after `ms` (an operation the target is still working on). */
  refreshLater(node: Node, ms: number): void;
}

export type NodeKind =
  | 'target'
  | 'org'
  | 'space'
  | 'app'
  | 'route'
  | 'routes'
  | 'spaceRoute'
  | 'destination'
  | 'tasks'
  | 'task'
  | 'env'
  | 'envVar'
  | 'services'
  | 'service'
  | 'binding'
  | 'appBinding'
  | 'vcapServices'
  | 'marketplace'
  | 'offering'
  | 'plan'
  | 'message';

export abstract class Node {
  abstract readonly kind: NodeKind;
  constructor(readonly parent: Node | undefined) {}
  abstract treeItem(): vscode.TreeItem | Promise<vscode.TreeItem>;
  async children(): Promise<Node[]> {
    return [];
  }
  /** The extension's side of the tree (a target node holds it; every other node asks its parent). */
  get host(): NodeHost {
    return this.parent!.host;
  }
}

export function age(iso: string | undefined, now = Date.now()): string | undefined {
  if (!iso) return undefined;
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** A leaf that explains an empty or failed level, with a way forward. */
export class MessageNode extends Node {
  readonly kind = 'message';
  constructor(
    parent: Node | undefined,
    readonly label: string,
    readonly detail: string,
    readonly severity: 'info' | 'error',
    readonly command?: vscode.Command,
    readonly code?: string,
  ) {
    super(parent);
  }
  static fromError(parent: Node | undefined, err: unknown, target?: string): MessageNode {
    const c = core();
    const code = err instanceof c.CfPushError ? err.code : undefined;
    if (code === 'FoundationNotRunning') {
      return new MessageNode(
        parent,
        'Local foundation is not running',
        'Click to start it.',
        'info',
        { command: 'cfpush.startFoundation', title: 'Start Local Foundation' },
        code,
      );
    }
    if (code === 'LoginRequired' || (err as { status?: number })?.status === 401) {
      return new MessageNode(
        parent,
        'Signed out — click to log in',
        editorHint(c.formatError(err)),
        'info',
        { command: 'cfpush.login', title: 'Log In', arguments: [target] },
        code,
      );
    }
    const [first, ...rest] = editorHint(c.formatError(err)).split('\n');
    return new MessageNode(parent, first ?? 'Error', rest.join('\n') || first || '', 'error', { command: 'cfpush.showOutput', title: 'Show Output' }, code);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.tooltip = this.detail;
    item.iconPath = new vscode.ThemeIcon(
      this.severity === 'error' ? 'warning' : this.command?.command === 'cfpush.login' ? 'account' : this.command ? 'play' : 'info',
    );
    item.contextValue = `message.${this.severity}`;
    item.command = this.command;
    return item;
  }
}
