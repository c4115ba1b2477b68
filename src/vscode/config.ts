// Typed view of the `cfpush.*` settings (package.json `contributes.configuration`
// lists the same keys); read fresh each time so changes apply without a reload.
import * as vscode from 'vscode';

export type StageMode = 'host' | 'container';
export type LogLevel = 'quiet' | 'normal' | 'verbose';
export type PushStrategy = 'standard' | 'blue-green' | 'rolling' | 'canary';

export class Config {
  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('cfpush');
  }

  /** Default target of push/restage/swap and the status bar; "local" is the embedded foundation. */
  get target(): string {
    return this.raw.get<string>('target', 'local') || 'local';
  }

  /** Start the local foundation when a command needs it (never on tree expansion). */
  get startLocalOnDemand(): boolean {
    return this.raw.get<boolean>('startLocalFoundation', true);
  }

  /** Where CF: Push stages buildpack apps: on the target (host) or here in a stack container, pushing the droplet (container). */
  get stageMode(): StageMode {
    return this.raw.get<StageMode>('stageMode', 'host') === 'container' ? 'container' : 'host';
  }

  /** Default push strategy; blue-green can always be chosen in the push flow. Rolling and canary are CC deployments. */
  get pushStrategy(): PushStrategy {
    const s = this.raw.get<string>('push.strategy', 'standard');
    return s === 'blue-green' || s === 'rolling' || s === 'canary' ? s : 'standard';
  }

  /** Open the traffic view by itself when a route swap or a blue-green push starts. */
  get trafficOpenOnSwap(): boolean {
    return this.raw.get<boolean>('traffic.openOnSwap', true);
  }

  /** Show what a push will change and ask before pushing to a remote (non-local) target. */
  get confirmRemotePush(): boolean {
    return this.raw.get<boolean>('push.confirmRemote', true);
  }

  /** Path the blue-green smoke test GETs on the new app before routes move ("" = no smoke test). */
  get smokeTestPath(): string {
    return this.raw.get<string>('blueGreen.smokeTestPath', '/') ?? '';
  }

  /** When a Debug App session ends: ask, restart without the agent, or keep the agent. */
  get debugOnEnd(): 'ask' | 'restart' | 'keep' {
    const v = this.raw.get<string>('debug.onEnd', 'ask');
    return v === 'restart' || v === 'keep' ? v : 'ask';
  }

  /** Re-push to the local foundation when a file of a pushed app is saved. */
  get watch(): boolean {
    return this.raw.get<boolean>('watch.enabled', false);
  }

  /** How much goes to the output channel: steps only, + staging/app logs, + every API request. */
  get logLevel(): LogLevel {
    const v = this.raw.get<LogLevel>('logLevel', 'normal');
    return v === 'quiet' || v === 'verbose' ? v : 'normal';
  }

  /** Reveal the output channel when a push or restage starts. */
  get revealOutput(): boolean {
    return this.raw.get<boolean>('revealOutput', false);
  }

  /** Workspace scope when a folder is open, so projects can target different foundations. */
  async update(key: string, value: unknown): Promise<void> {
    const scope = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await this.raw.update(key, value, scope);
  }

  onDidChange(listener: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cfpush')) listener(e);
    });
  }
}
