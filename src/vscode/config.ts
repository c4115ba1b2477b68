// Typed view of the `cfpush.*` settings; read fresh each time so changes apply
// without a reload.
import * as vscode from 'vscode';

export class Config {
  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('cfpush');
  }

  /** Target name to push to; "local" is the embedded foundation. */
  get target(): string {
    return this.raw.get<string>('target', 'local') || 'local';
  }

  /** Start the local foundation when a command needs it (not on tree expansion). */
  get startLocalOnDemand(): boolean {
    return this.raw.get<boolean>('startLocalFoundation', true);
  }

  /** Reveal the output channel when a push starts. */
  get revealOutput(): boolean {
    return this.raw.get<boolean>('revealOutput', false);
  }

  onDidChange(listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cfpush')) listener();
    });
  }
}
