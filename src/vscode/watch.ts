// Watch mode: when `cfpush.watch.enabled` is on, saving a file inside a
// folder that was pushed to the local foundation re-pushes it (debounced, one
// push at a time, a save during a push queues one more). Remote targets are
// never pushed on save.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

export class WatchMode implements vscode.Disposable {
  /** App folders pushed to the local foundation in this window. */
  readonly folders = new Set<string>();
  private readonly sub: vscode.Disposable;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private queued?: string;
  /** Re-pushes done (tests wait on it). */
  count = 0;

  constructor(private readonly ctx: Ctx) {
    this.sub = vscode.workspace.onDidSaveTextDocument((d) => this.saved(d.uri));
  }

  remember(dir: string, target: string): void {
    if (target === 'local') this.folders.add(path.resolve(dir));
  }

  private saved(uri: vscode.Uri): void {
    if (!this.ctx.config.watch || this.ctx.config.target !== 'local' || uri.scheme !== 'file') return;
    const dir = [...this.folders].find((f) => uri.fsPath === f || uri.fsPath.startsWith(f + path.sep));
    if (!dir) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.push(dir), 300);
  }

  private push(dir: string): void {
    if (this.running) {
      this.queued = dir;
      return;
    }
    this.ctx.output.line(`↻ Watch: ${path.basename(dir)} changed, pushing to the local foundation`);
    this.running = Promise.resolve(vscode.commands.executeCommand('cfpush.push', dir, { watch: true })).finally(() => {
      this.count++;
      this.running = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (next) this.push(next);
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sub.dispose();
  }
}
