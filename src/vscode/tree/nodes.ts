// One class per tree level: targets → orgs → spaces → (apps → routes) and a
// per-space Routes folder (routes → destinations). Nodes below a target carry
// a Session scoped to their org/space so commands act on them directly.
// contextValue = kind + dot-separated facts; package.json menus match on them.
import * as vscode from 'vscode';
import type { AppSummary } from '../../core/actors/app-summary';
import type { CcApp, CcDeployment, CcDroplet, CcOrg, CcRoute, CcSpace, CcTask } from '../../core/cc/types';
import type { Named, Session, TargetConfig } from '../../core/session';
import { core } from '../lazy';
import { EnvFolderNode, EnvVarNode, TaskNode, TasksFolderNode } from './app-parts';
import { age, MessageNode, Node, type NodeHost } from './base';
import { type Catalog, localPathVersion, outdatedReasons } from './outdated';
import { AppBindingNode, ServicesFolderNode, VcapServicesNode } from './services';

export { age, MessageNode, Node, type NodeHost, type NodeKind } from './base';
export { EnvFolderNode, EnvVarNode, TaskNode, TasksFolderNode } from './app-parts';
export { AppBindingNode, BindingNode, MarketplaceNode, OfferingNode, PlanNode, ServiceNode, ServicesFolderNode, VcapServicesNode } from './services';

const scoped = (s: Session, org: Named, space?: Named): Session => ({ ...s, org, space: space ?? s.space });
const state = (expanded: boolean) => (expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);

export class TargetNode extends Node {
  readonly kind = 'target';
  constructor(
    private readonly nodeHost: NodeHost,
    readonly target: TargetConfig,
  ) {
    super(undefined);
  }
  override get host(): NodeHost {
    return this.nodeHost;
  }
  async treeItem(): Promise<vscode.TreeItem> {
    const current = this.target.name === this.host.currentTarget;
    const item = new vscode.TreeItem(this.target.name, state(current));
    item.id = `t:${this.target.name}`;
    const signedIn = this.target.local || (await this.host.signedIn(this.target));
    const where = this.target.local ? 'local foundation' : this.target.api;
    item.description = [where, this.target.local ? undefined : signedIn ? 'signed in' : 'signed out', current ? 'current' : undefined]
      .filter(Boolean)
      .join(' · ');
    item.tooltip = new vscode.MarkdownString(
      `**${this.target.name}** — ${this.target.api}\n\n${this.target.local ? 'The embedded local foundation (credentials from its data dir).' : signedIn ? 'Signed in; tokens are in VS Code secret storage.' : 'Signed out: use **Log In**.'}`,
    );
    item.iconPath = new vscode.ThemeIcon(this.target.local ? 'vm' : signedIn ? 'cloud' : 'cloud-download');
    item.contextValue = this.target.local ? 'target.local' : `target.remote.${signedIn ? 'signedIn' : 'signedOut'}`;
    // The palette offers Sign Out while a remote target is known to be signed in.
    if (!this.target.local) this.host.note('signedIn', this.target.name, signedIn);
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const session = await this.host.session({ target: this.target.name });
      const orgs = await session.cc.organizations.list();
      return orgs.map((o) => new OrgNode(this, session, o));
    } catch (err) {
      return [MessageNode.fromError(this, err, this.target.name)];
    }
  }
}

export class OrgNode extends Node {
  readonly kind = 'org';
  constructor(
    parent: TargetNode,
    readonly session: Session,
    readonly org: CcOrg,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.org.name, state(this.org.guid === this.session.org.guid));
    item.id = `o:${this.session.target.name}/${this.org.guid}`;
    item.iconPath = new vscode.ThemeIcon('organization');
    item.contextValue = 'org';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const spaces = await this.session.cc.spaces.inOrg(this.org.guid);
      const orgSession = scoped(this.session, { guid: this.org.guid, name: this.org.name });
      return spaces.map((s) => new SpaceNode(this, scoped(orgSession, orgSession.org, s), s, s.guid === this.session.space.guid));
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class SpaceNode extends Node {
  readonly kind = 'space';
  /** Filled by children(): apps whose droplet is older than what the target offers. */
  outdated: AppNode[] = [];
  constructor(
    parent: OrgNode,
    readonly session: Session,
    readonly space: CcSpace,
    readonly targeted: boolean,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.space.name, state(this.targeted));
    item.id = `s:${this.session.target.name}/${this.space.guid}`;
    item.description =
      [this.targeted ? 'targeted' : undefined, this.outdated.length ? `${this.outdated.length} outdated` : undefined].filter(Boolean).join(' · ') || undefined;
    item.iconPath = new vscode.ThemeIcon('folder-library');
    item.contextValue = `space${this.outdated.length ? '.outdated' : ''}`;
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const [summaries, catalog] = await Promise.all([
        core().appSummaries(this.session, { droplets: true }),
        this.host.catalog(this.session).catch((): Catalog => ({ versions: new Map() })),
      ]);
      const apps = summaries.map((x) => x.app);
      const names = new Set(apps.map((a) => a.name));
      const previous = core().previousName;
      const nodes: Node[] = summaries.map(
        (x) => new AppNode(this, this.session, x.app, new AppDetails(x, catalog, this.session), names.has(previous(x.app.name))),
      );
      const key = `${this.session.target.name}/${this.space.guid}`;
      this.host.note(
        'deploymentActive',
        key,
        summaries.some((x) => x.deployment),
      );
      this.host.note(
        'deploymentPaused',
        key,
        summaries.some((x) => x.deployment?.status.reason === 'PAUSED'),
      );
      this.host.note(
        'previousVersion',
        key,
        nodes.some((n) => n instanceof AppNode && n.hasPrevious),
      );
      const before = this.outdated.length;
      this.outdated = nodes.filter((n): n is AppNode => n instanceof AppNode && n.details.outdated.length > 0);
      if (before !== this.outdated.length) this.redraw?.(this);
      if (apps.length === 0) nodes.push(new MessageNode(this, 'No apps yet', 'Push one with "CF: Push".', 'info', { command: 'cfpush.push', title: 'Push' }));
      nodes.push(new RoutesFolderNode(this, this.session), new ServicesFolderNode(this, this.session));
      return nodes;
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
  /** Set by the provider: redraws this node when its description changes after loading children. */
  redraw?: (n: Node) => void;
}

/** What an app item shows, from its summary (read in one go when its space expands). */
export class AppDetails {
  readonly outdated: string[];
  readonly processes: AppSummary['processes'];
  readonly droplet: CcDroplet | undefined;
  readonly deployment: CcDeployment | undefined;
  readonly running: number;
  readonly desired: number;
  readonly crashed: number;
  readonly builtWith: string | undefined;
  /** Instances under a debugger ("process#index"), from their stats' details (the local foundation's debug endpoint). */
  readonly debugging: string[];

  constructor(summary: AppSummary, catalog: Catalog, session: Session) {
    this.processes = summary.processes;
    this.droplet = summary.droplet;
    this.deployment = summary.deployment;
    const totals = core().instanceTotals(summary);
    this.running = totals.running;
    this.desired = totals.desired;
    this.crashed = totals.crashed;
    this.debugging = summary.processes.flatMap(({ process, stats }) =>
      stats.filter((x) => /^debugging\b/.test(x.details ?? '')).map((x) => (process.type === 'web' ? `#${x.index}` : `${process.type}#${x.index}`)),
    );
    this.builtWith = core().builtWith(summary.droplet);
    this.outdated =
      summary.app.lifecycle?.type === 'docker' ? [] : outdatedReasons(summary.droplet, catalog, session.target.local ? localPathVersion : undefined);
  }
}

/** "staged 14:05" (today) or "staged Dec 5": labelled, and true without a timer redrawing it. */
export function stagedAt(iso: string | undefined, now = new Date()): string | undefined {
  if (!iso) return undefined;
  const t = new Date(iso);
  const today = t.toDateString() === now.toDateString();
  return `staged ${today ? t.toTimeString().slice(0, 5) : t.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })}`;
}

export class AppNode extends Node {
  readonly kind = 'app';
  constructor(
    parent: SpaceNode,
    readonly session: Session,
    readonly app: CcApp,
    readonly details: AppDetails,
    readonly hasPrevious = false,
  ) {
    super(parent);
  }
  get deployment(): CcDeployment | undefined {
    return this.details.deployment;
  }
  get name(): string {
    return this.app.name;
  }
  get docker(): boolean {
    return this.app.lifecycle?.type === 'docker';
  }
  /** "canary paused 1/2", "deploying" or nothing. */
  get deploymentText(): string | undefined {
    return core().deploymentText(this.deployment);
  }
  treeItem(): vscode.TreeItem {
    const d = this.details;
    const item = new vscode.TreeItem(this.app.name, vscode.TreeItemCollapsibleState.Collapsed);
    const started = this.app.state === 'STARTED';
    item.id = `a:${this.session.target.name}/${this.app.guid}`;
    // Short enough for the default sidebar width: the icon says started or crashed, the tooltip how it was built.
    const instances = started ? `${d.running}/${d.desired}` : this.app.state.toLowerCase();
    const debugging = d.debugging.length ? `debugging ${d.debugging.join(' ')}` : undefined;
    // Instances and one more fact, the most pressing, so the row fits the default sidebar width (the tooltip has the rest).
    const fact = this.deploymentText ?? debugging ?? (d.outdated.length ? '⚠ outdated' : stagedAt(d.droplet?.created_at));
    item.description = [instances, fact].filter(Boolean).join(' · ');
    const busy = this.host.busy(this.app.name);
    if (busy) item.description = `${busy}…`;
    item.iconPath = busy
      ? new vscode.ThemeIcon('loading~spin')
      : !started
        ? new vscode.ThemeIcon('circle-large-outline', new vscode.ThemeColor('disabledForeground'))
        : debugging
          ? new vscode.ThemeIcon('debug', new vscode.ThemeColor('debugIcon.breakpointForeground'))
          : d.crashed > 0 && d.running === 0
            ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
            : d.running < d.desired
              ? new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('testing.iconQueued'))
              : d.outdated.length
                ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
                : new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    const lines = [
      `**${this.app.name}** — ${this.app.state}${started ? `, ${d.running} of ${d.desired} instance(s) running` : ''}`,
      this.docker
        ? `Docker image \`${d.builtWith ?? '?'}\``
        : `Built with ${d.builtWith ?? 'auto-detected buildpack'}${d.droplet?.stack ? ` on ${d.droplet.stack}` : ''}`,
      d.droplet ? `Droplet staged ${age(d.droplet.created_at)}` : 'No droplet yet',
    ];
    if (debugging) lines.push(`**Debugging** instance ${d.debugging.join(', ')}: its health checks are suspended while a debugger holds it.`);
    if (d.outdated.length) lines.push(`⚠ **Outdated**: ${d.outdated.join('; ')}. Restage to pick up the update.`);
    if (this.deployment?.status.reason === 'PAUSED')
      lines.push('**Canary paused** next to the previous version: *Continue Deployment* rolls it out, *Cancel Deployment* goes back.');
    if (this.docker) lines.push('Buildpack and stack updates do not reach Docker apps: rebuild the image and push again.');
    // Left unset here: VS Code resolves only a tooltip that is still undefined, and resolve() adds the events.
    this.tooltipText = lines.join('\n\n');
    const facts = [started ? 'started' : 'stopped'];
    if (d.outdated.length) facts.push('outdated');
    if (debugging) facts.push('debugging');
    if (this.docker) facts.push('docker');
    if (this.host.swapped(this.session.space.guid).includes(this.app.name)) facts.push('swapped');
    if (this.hasPrevious) facts.push('previous');
    if (this.host.following(this.session, this.app.guid)) facts.push('following');
    if (this.deployment) facts.push(this.deployment.status.reason === 'PAUSED' ? 'paused' : 'deploying');
    // "app.started.outdated": menus match /^app\./ and pick items by the facts.
    item.contextValue = `app.${facts.join('.')}`;
    return item;
  }
  /** The tooltip's last part, read when it is about to show: the app's recent events (`cf events`). */
  async resolve(item: vscode.TreeItem): Promise<vscode.TreeItem> {
    let text = this.tooltipText;
    try {
      const events = await this.session.cc.auditEvents.recent(this.app.guid, 5);
      const lines = events.map((e) => `- ${age(e.created_at)} \`${e.type}\`${e.actor?.name ? ` by ${e.actor.name}` : ''}`);
      if (lines.length) text += `\n\n**Recent events**\n\n${lines.join('\n')}`;
    } catch {
      // The tooltip goes without them: the rest of it is still true.
    }
    item.tooltip = new vscode.MarkdownString(text);
    return item;
  }
  /** The tooltip's text as treeItem() last computed it (resolve() shows it, with the events). */
  tooltipText = '';
  override async children(): Promise<Node[]> {
    try {
      const [routes, tasks, services] = await Promise.all([
        this.session.cc.routes.list({ appGuids: [this.app.guid] }),
        this.session.cc.tasks.forApp(this.app.guid).catch((): CcTask[] => []),
        core()
          .listServices(this.session)
          .catch(() => []),
      ]);
      const nodes: Node[] = routes.length
        ? routes.map((r) => new RouteNode(this, this.session, r))
        : [new MessageNode(this, 'No routes', "This app has no mapped routes. Map one from the app's menu.", 'info')];
      for (const s of services) if (s.boundApps.includes(this.app.name)) nodes.push(new AppBindingNode(this, this.session, this.app.name, s));
      nodes.push(
        new TasksFolderNode(
          this,
          [...tasks].sort((a, b) => b.sequence_id - a.sequence_id),
        ),
        new EnvFolderNode(this),
      );
      return nodes;
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

/** The app a node stands for: the app itself or anything listed under it (a drop target, a command's argument). */
export function appOf(n: unknown): AppNode | undefined {
  if (n instanceof AppNode) return n;
  if (n instanceof RouteNode) return n.app;
  if (n instanceof TasksFolderNode || n instanceof EnvFolderNode || n instanceof EnvVarNode || n instanceof TaskNode) return n.appNode;
  if (n instanceof AppBindingNode || n instanceof VcapServicesNode) return appOf(n.parent);
  return undefined;
}

/** A route mapped to an app (under the app). */
export class RouteNode extends Node {
  readonly kind = 'route';
  constructor(
    parent: AppNode,
    readonly session: Session,
    readonly route: CcRoute,
  ) {
    super(parent);
  }
  get app(): AppNode {
    return this.parent as AppNode;
  }
  /** What a browser should open (http + router port on the local foundation). */
  get browserUrl(): string {
    return this.session.routeUrl(this.route.url);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.route.url, vscode.TreeItemCollapsibleState.None);
    item.id = `r:${this.session.target.name}/${this.app.app.guid}/${this.route.guid}`;
    item.iconPath = new vscode.ThemeIcon('link');
    const others = this.route.destinations.filter((d) => d.app.guid !== this.app.app.guid).length;
    item.description = others ? `shared with ${others} other app(s)` : undefined;
    // A click selects (as everywhere in VS Code); the inline icon or the menu opens it.
    item.tooltip = `${this.browserUrl}\nOpen it with the link icon, or drag it onto another app to move it.`;
    item.contextValue = 'route.mapped';
    return item;
  }
}

/** The space's "Routes" folder: every route, with where it sends traffic. */
export class RoutesFolderNode extends Node {
  readonly kind = 'routes';
  constructor(
    parent: SpaceNode,
    readonly session: Session,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Routes', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `rf:${this.session.target.name}/${this.session.space.guid}`;
    item.iconPath = new vscode.ThemeIcon('globe');
    item.contextValue = 'routes';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const [routes, apps] = await Promise.all([
        this.session.cc.routes.list({ spaceGuids: [this.session.space.guid] }),
        this.session.cc.apps.inSpace(this.session.space.guid),
      ]);
      if (!routes.length) return [new MessageNode(this, 'No routes in this space', 'Pushing an app maps its default route.', 'info')];
      const names = new Map(apps.map((a) => [a.guid, a.name]));
      return routes.map(
        (r) =>
          new SpaceRouteNode(
            this,
            this.session,
            r,
            r.destinations.map((d) => names.get(d.app.guid) ?? d.app.guid),
          ),
      );
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class SpaceRouteNode extends Node {
  readonly kind = 'spaceRoute';
  constructor(
    parent: RoutesFolderNode,
    readonly session: Session,
    readonly route: CcRoute,
    readonly destinations: string[],
  ) {
    super(parent);
  }
  get browserUrl(): string {
    return this.session.routeUrl(this.route.url);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      this.route.url,
      this.destinations.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `sr:${this.session.target.name}/${this.route.guid}`;
    item.iconPath = new vscode.ThemeIcon(this.destinations.length ? 'link' : 'debug-disconnect');
    item.description = this.destinations.length ? `→ ${this.destinations.join(', ')}` : 'no destinations (404)';
    item.tooltip = `${this.browserUrl}\n${this.destinations.length ? `Sends traffic to ${this.destinations.join(', ')}` : 'Unmapped: the router answers 404.'}`;
    item.contextValue = `spaceRoute${this.destinations.length ? '' : '.orphan'}`;
    return item;
  }
  override async children(): Promise<Node[]> {
    return this.destinations.map((name) => new DestinationNode(this, name));
  }
}

export class DestinationNode extends Node {
  readonly kind = 'destination';
  constructor(
    parent: SpaceRouteNode,
    readonly appName: string,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const route = this.parent as SpaceRouteNode;
    const item = new vscode.TreeItem(this.appName, vscode.TreeItemCollapsibleState.None);
    item.id = `d:${route.session.target.name}/${route.route.guid}/${this.appName}`;
    item.iconPath = new vscode.ThemeIcon('arrow-right');
    item.contextValue = 'destination';
    return item;
  }
}
