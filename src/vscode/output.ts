// The "Cloud Foundry" output channel (language `cfpush-output`, coloured by
// syntaxes/cfpush-output.tmLanguage.json) and a Reporter writing into it that
// mirrors steps into a withProgress notification. Lines keep one shape so the
// grammar can colour them: "── title ──", "▸ step", "  [STG/0] OUT ...",
// "⚠ warning", "✖ error", "✔ done".
import * as vscode from 'vscode';
import type { Reporter } from '../core/push';
import type { LogLevel } from './config';

export type Progress = vscode.Progress<{ message?: string; increment?: number }>;
export const OUTPUT_LANGUAGE = 'cfpush-output';

export class Output implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Cloud Foundry', OUTPUT_LANGUAGE);
  /** Everything written, newest last (capped): tests and "Open Log" read it. */
  readonly lines: string[] = [];

  constructor(private readonly level: () => LogLevel = () => 'normal') {}

  line(text: string): void {
    this.channel.appendLine(text);
    this.lines.push(...text.split('\n'));
    if (this.lines.length > 5000) this.lines.splice(0, this.lines.length - 5000);
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
      log: (line) => {
        if (this.level() !== 'quiet') this.line(`  ${line}`);
      },
      warn: (msg) => this.line(`⚠ ${msg}`),
    };
  }

  /** API requests, at logLevel "verbose" only. */
  request(method: string, url: string): void {
    if (this.level() === 'verbose') this.line(`  → ${method} ${url}`);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
