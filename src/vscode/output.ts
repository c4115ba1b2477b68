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
  /** Warnings said in the current section: one reaches us from the manifest read and again from CC (diff, apply, job). */
  private warned = new Set<string>();

  constructor(private readonly level: () => LogLevel = () => 'normal') {}

  line(text: string): void {
    this.channel.appendLine(text);
    this.lines.push(...text.split('\n'));
    if (this.lines.length > 5000) this.lines.splice(0, this.lines.length - 5000);
  }

  /** Starts an operation's section ("── title · time ──"); its warnings are said once each. */
  section(title: string): void {
    this.warned = new Set();
    this.line(`\n── ${title} · ${new Date().toLocaleTimeString()} ──`);
  }

  warn(msg: string): void {
    if (this.warned.has(msg)) return;
    this.warned.add(msg);
    this.line(`⚠ ${msg}`);
  }

  show(): void {
    this.channel.show(true);
  }

  /** What the progress notifications showed, newest last (capped): tests read it. */
  readonly progressShown: string[] = [];

  /**
   * A Reporter for one operation. `progress` shows the current step and,
   * under it, the latest log line (staging output streams there), at most a
   * few times a second.
   */
  reporter(progress?: Progress): Reporter {
    let step = '';
    let lastShown = 0;
    let pending: NodeJS.Timeout | undefined;
    let latest = '';
    const show = (message: string) => {
      progress?.report({ message });
      this.progressShown.push(message);
      if (this.progressShown.length > 500) this.progressShown.splice(0, 250);
    };
    const showLatest = () => {
      pending = undefined;
      lastShown = Date.now();
      show(`${step} — ${latest}`);
    };
    return {
      step: (msg) => {
        this.line(`▸ ${msg}`);
        step = msg;
        clearTimeout(pending);
        pending = undefined;
        if (progress) show(msg);
      },
      log: (line) => {
        if (this.level() !== 'quiet') this.line(`  ${line}`);
        if (!progress) return;
        const text = line.replace(/\s+/g, ' ').trim();
        if (!text) return;
        latest = text.length > 100 ? `${text.slice(0, 99)}…` : text;
        if (!pending) pending = setTimeout(showLatest, Math.max(0, 250 - (Date.now() - lastShown)));
      },
      warn: (msg) => this.warn(msg),
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
