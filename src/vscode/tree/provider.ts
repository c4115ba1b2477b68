// The "Cloud Foundry" tree, multi-select so two apps can be chosen for a
// route swap. It redraws on events — our own operations, the local
// foundation's state file changing, sign-in/out — never on a timer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { defaultFoundationDir } from '../../core/paths';
import type { TargetConfig, Session } from '../../core/session';
import { core } from '../lazy';
import { AppNode, MessageNode, Node, SpaceNode, TargetNode, type NodeHost } from './nodes';
import { loadCatalog, type Catalog } from './outdated';

export interface TreeHost {
  session(opts: { target?: string; startLocal?: boolean }): Promise<Session>;
  readonly config: { readonly target: string };
  signedIn(target: TargetConfig): Promise<boolean>;
  swapped(spaceGuid: string): readonly string[];
  following(session: Session, appGuid: string): boolean;
}

export class CfTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  private readonly nodeHost: NodeHost;
  /** App name → what a running command is doing to it. */
  private readonly busyApps = new Map<string, string>();
  /** Buildpack catalog per target, read once per refresh. */
  private catalogs = new Map<string, Promise<Catalog>>();
  /** Context key → the spaces / targets that turn it on (see NodeHost.note). */
  private readonly facts = new Map<string, Set<string>>();
  private readonly sent = new Map<string, boolean>();
  /** Counts redraws (tests wait for the tree to follow an event). */
  generation = 0;
  private timer?: NodeJS.Timeout;

  constructor(host: TreeHost, dragAndDrop?: vscode.TreeDragAndDropController<Node>) {
    const busyApps = this.busyApps;
    const catalogs = () => this.catalogs;
    this.nodeHost = {
      session: (o) => host.session(o),
      get currentTarget() {
        return host.config.target;
      },
      busy: (name) => busyApps.get(name),
      signedIn: (t) => host.signedIn(t),
      catalog: (s) => {
        const m = catalogs();
        let c = m.get(s.target.name);
        if (!c) m.set(s.target.name, (c = loadCatalog(s)));
        return c;
      },
      swapped: (g) => host.swapped(g),
      following: (s, g) => host.following(s, g),
      note: (fact, key, on) => this.note(fact, key, on),
      refreshLater: (node, ms) => void setTimeout(() => this.refresh(node), ms),
    };
    this.view = vscode.window.createTreeView('cfpush.targets', {
      treeDataProvider: this,
      canSelectMany: true,
      showCollapseAll: true,
      dragAndDropController: dragAndDrop,
    });
  }

  /** Sets the palette fact `cfpush.<fact>` while any `key` says so (the tree's levels, and Ctx for sign-in and the foundation). */
  note(fact: string, key: string, on: boolean): void {
    let keys = this.facts.get(fact);
    if (!keys) this.facts.set(fact, (keys = new Set()));
    if (on) keys.add(key);
    else keys.delete(key);
    const value = keys.size > 0;
    if (this.sent.get(fact) === value) return;
    this.sent.set(fact, value);
    void vscode.commands.executeCommand('setContext', `cfpush.${fact}`, value);
  }

  refresh(node?: Node): void {
    if (!node) this.catalogs = new Map();
    this.generation++;
    this.changed.fire(node);
  }

  /** Coalesces bursts (a push rewrites the foundation's state many times). */
  refreshSoon(ms = 300): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), ms);
  }

  /** Shows `names` as busy ("pushing…") until the returned function is called. */
  markBusy(names: string[], verb: string): () => void {
    for (const n of names) this.busyApps.set(n, verb);
    if (names.length) this.refresh();
    return () => {
      for (const n of names) if (this.busyApps.get(n) === verb) this.busyApps.delete(n);
    };
  }

  getTreeItem(node: Node): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return node.treeItem();
  }

  /** Hover: an app's tooltip gains its recent events, read only when someone looks. */
  async resolveTreeItem(item: vscode.TreeItem, node: Node): Promise<vscode.TreeItem> {
    return node instanceof AppNode ? node.resolve(item) : item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) {
      if (node instanceof SpaceNode) node.redraw = (n) => this.changed.fire(n);
      return node.children();
    }
    try {
      const targets = await core().listTargets();
      // Nothing to show yet (no remote target, the local foundation never started): the welcome view says what to do first.
      if (targets.every((t) => t.local && !existsSync(join(t.dataDir ?? defaultFoundationDir(), 'state.json')))) return [];
      return targets.map((t) => new TargetNode(this.nodeHost, t));
    } catch (err) {
      return [MessageNode.fromError(undefined, err)];
    }
  }

  getParent(node: Node): Node | undefined {
    return node.parent;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.view.dispose();
    this.changed.dispose();
  }
}
