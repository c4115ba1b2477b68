// The prompts commands use, in one object so tests can answer them (a real
// host cannot click a modal). Defaults are VS Code's own widgets.
import * as vscode from 'vscode';

export interface Ui {
  /** A modal question; resolves to the chosen button or undefined (Cancel). */
  confirm(message: string, detail: string, ...buttons: string[]): Thenable<string | undefined>;
  pick<T extends vscode.QuickPickItem>(items: T[], opts: vscode.QuickPickOptions): Thenable<T | undefined>;
  input(opts: vscode.InputBoxOptions): Thenable<string | undefined>;
  /** A notification offering a next step (Restart, Restage): the chosen button, or undefined when dismissed. */
  offer(message: string, ...buttons: string[]): Thenable<string | undefined>;
}

export const vscodeUi: Ui = {
  confirm: (message, detail, ...buttons) => vscode.window.showWarningMessage(message, { modal: true, detail }, ...buttons),
  pick: (items, opts) => vscode.window.showQuickPick(items, opts),
  input: (opts) => vscode.window.showInputBox(opts),
  offer: (message, ...buttons) => vscode.window.showInformationMessage(message, ...buttons),
};
