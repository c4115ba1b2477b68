// Status bar: which target CF: Push goes to, one click to change it.
import * as vscode from 'vscode';
import type { Config } from './config';

export function targetStatus(config: Config): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('cfpush.target', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Cloud Foundry Target';
  item.command = 'cfpush.selectTarget';
  const update = () => {
    item.text = `$(cloud-upload) ${config.target}`;
    item.tooltip = `CF: Push goes to target '${config.target}'. Click to change.`;
  };
  update();
  item.show();
  const sub = config.onDidChange(update);
  return vscode.Disposable.from(item, sub);
}
