// The space's service instances: a "Services" folder (Create Service and
// Create User-Provided Service on it), each instance with its offering, plan
// and last operation and the apps bound to it (Unbind on each), and the
// space's Marketplace (offerings → plans, Create Service on each). An
// instance dragged onto an app binds it (tree/dnd.ts). Under an app: the
// instances bound to it (AppBindingNode) and, in its Environment,
// VCAP_SERVICES as the platform sets it (VcapServicesNode).
import * as vscode from 'vscode';
import type { MarketplaceOffering, MarketplacePlan } from '../../core/actors/managed-services';
import type { ServiceSummary } from '../../core/actors/services';
import type { Session } from '../../core/session';
import { MessageNode, Node } from './base';
import { core } from '../lazy';

export class ServicesFolderNode extends Node {
  readonly kind = 'services';
  constructor(
    parent: Node,
    readonly session: Session,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Services', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `sf:${this.session.target.name}/${this.session.space.guid}`;
    item.iconPath = new vscode.ThemeIcon('database');
    item.tooltip = 'Service instances of this space, and the Marketplace to create them from. Drag an instance onto an app to bind it.';
    item.contextValue = 'services';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const services = await core().listServices(this.session);
      const market = new MarketplaceNode(this, this.session);
      if (!services.length)
        return [
          new MessageNode(this, 'No services yet', 'Create one from the Marketplace (or a user-provided one with credentials you already have).', 'info', {
            command: 'cfpush.createManagedService',
            title: 'Create Service',
            arguments: [this],
          }),
          market,
        ];
      // An instance the broker is still creating, updating or deleting: look again until it is done.
      if (services.some((s) => s.state === 'in progress')) this.host.refreshLater(this, 3000);
      return [...services.map((s) => new ServiceNode(this, this.session, s)), market];
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class ServiceNode extends Node {
  readonly kind = 'service';
  constructor(
    parent: ServicesFolderNode,
    readonly session: Session,
    readonly service: ServiceSummary,
  ) {
    super(parent);
  }
  get name(): string {
    return this.service.name;
  }
  treeItem(): vscode.TreeItem {
    const s = this.service;
    const item = new vscode.TreeItem(s.name, s.boundApps.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `si:${this.session.target.name}/${s.guid}`;
    const managed = s.type === 'managed';
    item.iconPath =
      s.state === 'in progress'
        ? new vscode.ThemeIcon('sync~spin')
        : s.state === 'failed'
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
          : new vscode.ThemeIcon(managed ? 'database' : 'key');
    const bound = s.boundApps.length ? `bound to ${s.boundApps.length}` : 'not bound';
    item.description = (managed ? [s.offering, s.plan, s.lastOperation, bound] : [s.offering, bound, s.lastOperation]).filter(Boolean).join(' · ');
    const lines = [
      `**${s.name}** (${managed ? `${s.offering} · plan ${s.plan ?? '?'}${s.broker ? ` · broker ${s.broker}` : ''}` : 'user-provided'})`,
      ...(s.lastOperation ? [`Last operation: ${s.lastOperation}${s.message ? ` — ${s.message}` : ''}`] : []),
      ...(s.tags.length ? [`Tags: ${s.tags.join(', ')}`] : []),
      s.boundApps.length ? `Bound to ${s.boundApps.join(', ')}` : 'Drag it onto an app to bind it.',
    ];
    item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    item.contextValue = `service.${managed ? 'managed' : 'userProvided'}${s.state === 'in progress' ? '.busy' : ''}`;
    return item;
  }
  override async children(): Promise<Node[]> {
    return this.service.boundApps.map((a) => new BindingNode(this, a));
  }
}

/** An app bound to the instance (its credentials are in the app's VCAP_SERVICES). */
export class BindingNode extends Node {
  readonly kind = 'binding';
  constructor(
    readonly service: ServiceNode,
    readonly appName: string,
  ) {
    super(service);
  }
  get session(): Session {
    return this.service.session;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.appName, vscode.TreeItemCollapsibleState.None);
    item.id = `sb:${this.session.target.name}/${this.service.service.guid}/${this.appName}`;
    item.iconPath = new vscode.ThemeIcon('plug');
    item.tooltip = `${this.appName} has ${this.service.name}'s credentials in VCAP_SERVICES.`;
    item.contextValue = 'binding';
    return item;
  }
}

/** The offerings visible in the space (`cf marketplace`): each with its plans, Create Service on either. */
export class MarketplaceNode extends Node {
  readonly kind = 'marketplace';
  constructor(
    parent: ServicesFolderNode,
    readonly session: Session,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Marketplace', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `mk:${this.session.target.name}/${this.session.space.guid}`;
    item.iconPath = new vscode.ThemeIcon('library');
    item.tooltip = 'Service offerings and plans this space can create instances of (cf marketplace).';
    item.contextValue = 'marketplace';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const offerings = await core().marketplace(this.session);
      if (!offerings.length) return [new MessageNode(this, 'No offerings', 'No service broker offers plans to this space.', 'info')];
      return offerings.map((o) => new OfferingNode(this, this.session, o));
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class OfferingNode extends Node {
  readonly kind = 'offering';
  constructor(
    parent: MarketplaceNode,
    readonly session: Session,
    readonly offering: MarketplaceOffering,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const o = this.offering;
    const item = new vscode.TreeItem(o.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `mo:${this.session.target.name}/${this.session.space.guid}/${o.guid}`;
    item.iconPath = new vscode.ThemeIcon('package');
    item.description = [o.broker, o.plans.map((p) => p.name).join(', ')].filter(Boolean).join(' · ');
    item.tooltip = new vscode.MarkdownString(
      `**${o.name}** from broker ${o.broker}\n\n${o.description}${o.tags.length ? `\n\nTags: ${o.tags.join(', ')}` : ''}`,
    );
    item.contextValue = 'offering';
    return item;
  }
  override async children(): Promise<Node[]> {
    return this.offering.plans.map((p) => new PlanNode(this, p));
  }
}

export class PlanNode extends Node {
  readonly kind = 'plan';
  constructor(
    readonly offeringNode: OfferingNode,
    readonly plan: MarketplacePlan,
  ) {
    super(offeringNode);
  }
  get session(): Session {
    return this.offeringNode.session;
  }
  treeItem(): vscode.TreeItem {
    const p = this.plan;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.None);
    item.id = `mp:${this.session.target.name}/${this.session.space.guid}/${p.guid}`;
    item.iconPath = new vscode.ThemeIcon('symbol-enum-member');
    item.description = [p.description, p.free ? 'free' : 'paid'].filter(Boolean).join(' · ');
    item.tooltip = `${this.offeringNode.offering.name} plan ${p.name}: ${p.description}${p.version ? ` (version ${p.version})` : ''}`;
    item.contextValue = 'plan';
    return item;
  }
}

/** An instance bound to an app, under the app (Unbind on it). */
export class AppBindingNode extends Node {
  readonly kind = 'appBinding';
  constructor(
    parent: Node,
    readonly session: Session,
    readonly appName: string,
    readonly service: ServiceSummary,
  ) {
    super(parent);
  }
  treeItem(): vscode.TreeItem {
    const s = this.service;
    const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.None);
    item.id = `ab:${this.session.target.name}/${s.guid}/${this.appName}`;
    item.iconPath = new vscode.ThemeIcon('plug');
    item.description = [s.offering, s.plan].filter(Boolean).join(' · ');
    item.tooltip = `${this.appName} is bound to ${s.name}: its credentials are in VCAP_SERVICES${s.type === 'managed' ? ` under "${s.offering}"` : ' under "user-provided"'} (after a restart).`;
    item.contextValue = 'appBinding';
    return item;
  }
}

/** VCAP_SERVICES as the platform gives the app: the labels and instance names (credentials stay hidden). */
export class VcapServicesNode extends Node {
  readonly kind = 'vcapServices';
  constructor(
    parent: Node,
    readonly vcap: Record<string, { name?: string; instance_name?: string; plan?: string }[]>,
  ) {
    super(parent);
  }
  /** `redis: my-cache` per entry. */
  get entries(): string[] {
    return Object.entries(this.vcap).flatMap(([label, list]) => list.map((e) => `${label}: ${e.instance_name ?? e.name ?? '?'}`));
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('VCAP_SERVICES', vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon('lock');
    item.description = this.entries.join(', ');
    item.tooltip = `Set by the platform from the app's bindings (labels: ${Object.keys(this.vcap).join(', ')}). Credentials are not shown here; Write .env for Running Locally writes them to a file.`;
    item.contextValue = 'vcapServices';
    return item;
  }
}
