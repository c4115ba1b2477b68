// What is under an app besides its routes: its one-off tasks (with Run Task
// on the folder) and its user-provided environment variables (add / edit /
// remove, as `cf set-env` / `unset-env`; VCAP_SERVICES from its bindings,
// read-only). Both folders always show, so their
// actions have a place even when empty.
import * as vscode from 'vscode';
import type { CcTask } from '../../core/cc/types';
import type { Session } from '../../core/session';
import { age, MessageNode, Node } from './base';
import type { AppNode } from './nodes';
import { VcapServicesNode } from './services';

/** An app's one-off tasks, newest first (run here, with `cf run-task` or `cfpush run-task`). */
export class TasksFolderNode extends Node {
  readonly kind = 'tasks';
  constructor(
    readonly appNode: AppNode,
    readonly tasks: CcTask[],
  ) {
    super(appNode);
  }
  get session(): Session {
    return this.appNode.session;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Tasks', this.tasks.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `tf:${this.session.target.name}/${this.appNode.app.guid}`;
    item.iconPath = new vscode.ThemeIcon('run-all');
    const running = this.tasks.filter((t) => t.state === 'RUNNING' || t.state === 'PENDING').length;
    item.description = this.tasks.length ? `${this.tasks.length}${running ? `, ${running} running` : ''}` : 'none yet';
    item.tooltip = "One-off tasks run from the app's droplet (a migration, a batch job). Run one from this folder's menu.";
    item.contextValue = 'tasks';
    return item;
  }
  override async children(): Promise<Node[]> {
    return this.tasks.map((t) => new TaskNode(this, t));
  }
}

/** One task: its sequence id and name, and how it ended. */
export class TaskNode extends Node {
  readonly kind = 'task';
  constructor(
    readonly folder: TasksFolderNode,
    readonly task: CcTask,
  ) {
    super(folder);
  }
  get appNode(): AppNode {
    return this.folder.appNode;
  }
  treeItem(): vscode.TreeItem {
    const t = this.task;
    const item = new vscode.TreeItem(`#${t.sequence_id} ${t.name}`, vscode.TreeItemCollapsibleState.None);
    item.id = `t:${t.guid}`;
    const state = t.state.toLowerCase();
    item.description = [state, t.result?.failure_reason ?? undefined, age(t.created_at)].filter(Boolean).join(' · ');
    item.iconPath =
      t.state === 'SUCCEEDED'
        ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
        : t.state === 'FAILED'
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
          : new vscode.ThemeIcon('sync~spin');
    item.tooltip = `Task ${t.name} (#${t.sequence_id}): ${t.state}${t.result?.failure_reason ? ` — ${t.result.failure_reason}` : ''}\n${t.command ? `$ ${t.command}\n` : ''}${t.memory_in_mb} MB memory, ${t.disk_in_mb} MB disk`;
    item.contextValue = `task.${state}`;
    return item;
  }
}

/** The app's user-provided environment variables (`env:` in the manifest, `cf set-env`). */
export class EnvFolderNode extends Node {
  readonly kind = 'env';
  constructor(readonly appNode: AppNode) {
    super(appNode);
  }
  get session(): Session {
    return this.appNode.session;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Environment', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `ef:${this.session.target.name}/${this.appNode.app.guid}`;
    item.iconPath = new vscode.ThemeIcon('symbol-variable');
    item.tooltip = 'User-provided environment variables (changes reach the app when it restarts), and the VCAP_SERVICES its bindings give it.';
    item.contextValue = 'env';
    return item;
  }
  override async children(): Promise<Node[]> {
    try {
      const env = await this.session.cc.apps.env(this.appNode.app.guid);
      const vars = env.environment_variables ?? {};
      const names = Object.keys(vars).sort();
      // The platform's VCAP_SERVICES (from the app's bindings), read-only, after the user's own variables.
      const vcap = env.system_env_json?.VCAP_SERVICES as ConstructorParameters<typeof VcapServicesNode>[1] | undefined;
      const system = vcap && Object.keys(vcap).length ? [new VcapServicesNode(this, vcap)] : [];
      if (!names.length && !system.length) return [new MessageNode(this, 'No variables', "Add one from the Environment folder's menu.", 'info')];
      return [...names.map((n) => new EnvVarNode(this, n, vars[n]!)), ...system];
    } catch (err) {
      return [MessageNode.fromError(this, err)];
    }
  }
}

export class EnvVarNode extends Node {
  readonly kind = 'envVar';
  constructor(
    readonly folder: EnvFolderNode,
    readonly name: string,
    readonly value: string,
  ) {
    super(folder);
  }
  get appNode(): AppNode {
    return this.folder.appNode;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.None);
    item.id = `ev:${this.folder.session.target.name}/${this.appNode.app.guid}/${this.name}`;
    item.iconPath = new vscode.ThemeIcon('symbol-constant');
    // Values are often secrets (and screens are shared): masked; Edit Value shows it.
    item.description = '••••••';
    item.tooltip = `${this.name} (${this.value.length} characters): Edit Value… shows it`;
    item.contextValue = 'envVar';
    return item;
  }
}
