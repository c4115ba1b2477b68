// One class per tree level: targets → orgs → spaces → apps → routes. Each node
// knows how to draw itself and list its children; nodes below a target carry a
// Session scoped to their org/space so commands can act on them directly.
import * as vscode from 'vscode';
import type { CcApp, CcOrg, CcRoute, CcSpace } from '../../core/cc/types';
import { CfPushError, formatError } from '../../core/errors';
import type { Named, Session, TargetConfig } from '../../core/session';

/** What nodes need from the extension: a way to open sessions without side effects. */
export interface NodeHost {
  session(opts: { target: string; startLocal?: boolean }): Promise<Session>;
  readonly currentTarget: string;
  /** "pushing" / "restaging" while a command works on the app, for a spinner. */
  busy(appName: string): string | undefined;
}

export abstract class Node {
  abstract readonly kind: 'target' | 'org' | 'space' | 'app' | 'route' | 'message';
  constructor(readonly parent: Node | undefined) {}
  abstract treeItem(): vscode.TreeItem;
  async children(): Promise<Node[]> {
    return [];
  }
}

const scoped = (s: Session, org: Named, space?: Named): Session => ({ ...s, org, space: space ?? s.space });

export class TargetNode extends Node {
  readonly kind = 'target';
  constructor(readonly host: NodeHost, readonly target: TargetConfig) {
    super(undefined);
  }
  treeItem(): vscode.TreeItem {
    const current = this.target.name === this.host.currentTarget;
    const item = new vscode.TreeItem(
      this.target.name,
      current ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `t:${this.target.name}`;
    item.description = `${this.target.local ? 'local foundation' : this.target.api}${current ? ' · current' : ''}`;
    item.tooltip = this.target.api;
    item.iconPath = new vscode.ThemeIcon(this.target.local ? 'vm' : 'cloud');
    item.contextValue = this.target.local ? 'target.local' : 'target';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const session = await this.host.session({ target: this.target.name });
      const orgs = await session.cc.listOrgs();
      return orgs.map((o) => new OrgNode(this, session, o));
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class OrgNode extends Node {
  readonly kind = 'org';
  constructor(parent: TargetNode, readonly session: Session, readonly org: CcOrg) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const targeted = this.org.guid === this.session.org.guid;
    const item = new vscode.TreeItem(
      this.org.name,
      targeted ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `o:${this.session.target.name}/${this.org.guid}`;
    item.iconPath = new vscode.ThemeIcon('organization');
    item.contextValue = 'org';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const spaces = await this.session.cc.listSpaces(this.org.guid);
      const orgSession = scoped(this.session, { guid: this.org.guid, name: this.org.name });
      return spaces.map((s) => new SpaceNode(this, scoped(orgSession, orgSession.org, s), s));
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class SpaceNode extends Node {
  readonly kind = 'space';
  constructor(parent: OrgNode, readonly session: Session, readonly space: CcSpace) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const parent = this.parent as OrgNode;
    const targeted = this.space.guid === parent.session.space.guid;
    const item = new vscode.TreeItem(
      this.space.name,
      targeted ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `s:${this.session.target.name}/${this.space.guid}`;
    item.description = targeted ? 'targeted' : undefined;
    item.iconPath = new vscode.ThemeIcon('folder-library');
    item.contextValue = 'space';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const apps = await this.session.cc.listApps(this.space.guid);
      if (apps.length === 0) return [new MessageNode(this, 'No apps yet', 'Push one with "CF: Push".', 'info')];
      return apps.map((a) => new AppNode(this, this.session, a));
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class AppNode extends Node {
  readonly kind = 'app';
  constructor(parent: SpaceNode, readonly session: Session, readonly app: CcApp) {
    super(parent);
  }
  get name(): string {
    return this.app.name;
  }
  private get host(): NodeHost {
    let n: Node | undefined = this;
    while (n && !(n instanceof TargetNode)) n = n.parent;
    return (n as TargetNode).host;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.app.name, vscode.TreeItemCollapsibleState.Collapsed);
    const started = this.app.state === 'STARTED';
    item.id = `a:${this.session.target.name}/${this.app.guid}`;
    const bps = this.app.lifecycle?.data?.buildpacks?.join(', ');
    item.description = [this.app.state.toLowerCase(), this.app.lifecycle?.type === 'docker' ? 'docker' : bps].filter(Boolean).join(' · ');
    const busy = this.host.busy(this.app.name);
    if (busy) item.description = `${busy}…`;
    item.iconPath = busy
      ? new vscode.ThemeIcon('loading~spin')
      : started
        ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
        : new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('disabledForeground'));
    item.tooltip = new vscode.MarkdownString(
      `**${this.app.name}** — ${this.app.state}\n\nlifecycle: ${this.app.lifecycle?.type ?? '?'}${bps ? ` (${bps})` : ''}\n\nguid: \`${this.app.guid}\``,
    );
    // "app.started" / "app.stopped": menus match /^app\./ and pick start or stop by state.
    item.contextValue = `app.${started ? 'started' : 'stopped'}`;
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const routes = await this.session.cc.listRoutes({ appGuids: [this.app.guid] });
      if (routes.length === 0) return [new MessageNode(this, 'No routes', 'This app has no mapped routes.', 'info')];
      return routes.map((r) => new RouteNode(this, this.session, r));
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class RouteNode extends Node {
  readonly kind = 'route';
  constructor(parent: AppNode, readonly session: Session, readonly route: CcRoute) {
    super(parent);
  }
  /** What a browser should open (http + router port on the local foundation). */
  get browserUrl(): string {
    return this.session.routeUrl(this.route.url);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.route.url, vscode.TreeItemCollapsibleState.None);
    item.id = `r:${this.session.target.name}/${(this.parent as AppNode).app.guid}/${this.route.guid}`;
    item.iconPath = new vscode.ThemeIcon('link');
    item.tooltip = `Open ${this.browserUrl}`;
    item.contextValue = 'route';
    item.command = { command: 'cfpush.openRoute', title: 'Open Route', arguments: [this] };
    return item;
  }
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
  static fromError(parent: Node | undefined, err: unknown): MessageNode {
    const code = err instanceof CfPushError ? err.code : undefined;
    if (code === 'foundation_not_running') {
      return new MessageNode(parent, 'Local foundation is not running', 'Click to start it.', 'info',
        { command: 'cfpush.startFoundation', title: 'Start Local Foundation' }, code);
    }
    const [first, ...rest] = formatError(err).split('\n');
    return new MessageNode(parent, first, rest.join('\n') || first, 'error',
      { command: 'cfpush.showOutput', title: 'Show Output' }, code);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.tooltip = this.detail;
    item.iconPath = new vscode.ThemeIcon(this.severity === 'error' ? 'warning' : this.command ? 'play' : 'info');
    item.contextValue = `message.${this.severity}`;
    item.command = this.command;
    return item;
  }
}
