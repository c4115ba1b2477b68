// The "Cloud Foundry" tree: targets → orgs → spaces → apps → routes, with
// multi-select so two apps can be chosen for a route swap.
import * as vscode from 'vscode';
import { listTargets } from '../../core/targets';
import type { Session } from '../../core/session';
import { MessageNode, Node, TargetNode, type NodeHost } from './nodes';

export interface TreeHost {
  session(opts: { target?: string; startLocal?: boolean }): Promise<Session>;
  readonly config: { readonly target: string };
}

export class CfTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  private readonly nodeHost: NodeHost;
  /** App name → what a running command is doing to it. */
  private readonly busyApps = new Map<string, string>();

  constructor(host: TreeHost) {
    const busyApps = this.busyApps;
    this.nodeHost = {
      session: (o) => host.session(o),
      get currentTarget() {
        return host.config.target;
      },
      busy: (name) => busyApps.get(name),
    };
    this.view = vscode.window.createTreeView('cfpush.targets', {
      treeDataProvider: this,
      canSelectMany: true,
      showCollapseAll: true,
    });
  }

  refresh(node?: Node): void {
    this.changed.fire(node);
  }

  /** Shows `names` as busy ("pushing…") until the returned function is called. */
  markBusy(names: string[], verb: string): () => void {
    for (const n of names) this.busyApps.set(n, verb);
    if (names.length) this.refresh();
    return () => {
      for (const n of names) if (this.busyApps.get(n) === verb) this.busyApps.delete(n);
    };
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return node.treeItem();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return node.children();
    try {
      return (await listTargets()).map((t) => new TargetNode(this.nodeHost, t));
    } catch (err) {
      return [MessageNode.fromError(undefined, err)];
    }
  }

  getParent(node: Node): Node | undefined {
    return node.parent;
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
