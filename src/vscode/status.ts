// Status bar: target / org / space that push, restage and swap use; one
// click to switch. Reads the session when one is open and opens one in the
// background (never starting a foundation) to fill in org and space.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

export class TargetStatus implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('cfpush.target', vscode.StatusBarAlignment.Left, 10);
  private seq = 0;

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Cloud Foundry Target';
    this.item.command = 'cfpush.selectTarget';
    this.item.text = `$(cloud) ${ctx.config.target}`;
    this.item.tooltip = 'Cloud Foundry target. Click to switch target, org or space.';
    this.item.show();
    // After activation, so it costs activation nothing.
    setTimeout(() => this.update(true), 0);
  }

  /** Redraws from the open session, if any; `probe` opens one in the background (no foundation start). */
  update(probe = false): void {
    const target = this.ctx.config.target;
    const opening = this.ctx.openedSession(target);
    if (opening) return this.follow(target, opening);
    if (probe) return void this.ctx.session({ target, startLocal: false }).catch(() => undefined);
    ++this.seq;
    this.set(`$(cloud) ${target}`, `Target '${target}'. Click to switch target, org or space.`);
  }

  /** Shows what `opening` turns out to be (Ctx.session calls it for every session it opens). */
  follow(target: string, opening: Promise<import('../core/session').Session>): void {
    if (target !== this.ctx.config.target) return;
    const seq = ++this.seq;
    opening.then(
      (s) => {
        if (seq !== this.seq) return;
        this.set(
          `$(cloud) ${target}: ${s.org.name}/${s.space.name}`,
          `CF: Push goes to ${s.target.api}, org ${s.org.name}, space ${s.space.name}. Click to switch.`,
        );
      },
      (err: { code?: string; status?: number }) => {
        if (seq !== this.seq) return;
        const why = err?.code === 'FoundationNotRunning' ? 'not running' : err?.code === 'LoginRequired' || err?.status === 401 ? 'signed out' : 'Unreachable';
        this.set(`$(cloud) ${target} (${why})`, `Target '${target}' is ${why}. Click to switch target.`);
      },
    );
  }

  private set(text: string, tooltip: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    this.item.dispose();
  }
}
