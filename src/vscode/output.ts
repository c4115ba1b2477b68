// The "Cloud Foundry" output channel and a Reporter that writes into it and
// mirrors steps into a withProgress notification.
import * as vscode from 'vscode';
import type { Reporter } from '../core/push';

export type Progress = vscode.Progress<{ message?: string; increment?: number }>;

export class Output implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Cloud Foundry');

  line(text: string): void {
    this.channel.appendLine(text);
  }

  show(): void {
    this.channel.show(true);
  }

  /** A Reporter for one operation; `progress` gets the current step as its message. */
  reporter(progress?: Progress): Reporter {
    return {
      step: (msg) => {
        this.line(`▸ ${msg}`);
        progress?.report({ message: msg });
      },
      log: (line) => this.line(`  ${line}`),
      warn: (msg) => this.line(`⚠ ${msg}`),
    };
  }

  dispose(): void {
    this.channel.dispose();
  }
}
