// Every route change made in this window (a drag's move or add, a swap, a
// map or unmap), newest last, each with its way back. Undo is not tied to a
// toast: "CF: Undo Route Change" (palette, the view's title bar) takes back
// the newest; "CF: Route History…" lists them all and takes back the chosen
// one and everything after it, newest first. An undo is not itself recorded
// (undoing twice goes further back, as in an editor), and one undo runs at a
// time (a toast's Undo and the title bar's must not take a change back twice).
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import type { Ctx } from './ctx';
import { age } from './tree/base';

export interface RouteChange {
  /** "Swap routes of a and b", "Move a.localhost to b". */
  title: string;
  at: number;
  session: Session;
  /** Restores what was there before; resolves false when it failed (and said so). */
  undo(): Promise<boolean>;
}

const LIMIT = 50;

export class RouteHistory {
  private readonly changes: RouteChange[] = [];
  private undoing = false;

  constructor(private readonly ctx: Ctx) {}

  get entries(): readonly RouteChange[] {
    return this.changes;
  }

  record(change: Omit<RouteChange, 'at'>): RouteChange {
    const c = { ...change, at: Date.now() };
    this.changes.push(c);
    if (this.changes.length > LIMIT) this.changes.shift();
    this.sync();
    return c;
  }

  /** Takes back `change` (default: the newest) and every change after it, newest first. */
  async undo(change = this.changes[this.changes.length - 1]): Promise<boolean> {
    if (this.undoing) {
      void vscode.window.showInformationMessage('An undo is running: wait for it, then undo again if you want to go further back.');
      return false;
    }
    const i = change ? this.changes.indexOf(change) : -1;
    if (i < 0) {
      void vscode.window.showInformationMessage(change ? `"${change.title}" was undone already.` : 'No route change to undo in this window.');
      return false;
    }
    this.undoing = true;
    try {
      while (this.changes.length > i) {
        const last = this.changes[this.changes.length - 1]!;
        if (!(await last.undo())) return false;
        this.changes.pop();
        this.ctx.output.line(`↶ Undone: ${last.title}`);
      }
      return true;
    } finally {
      this.undoing = false;
      this.sync();
    }
  }

  /** The history as a quick pick; the chosen change and all after it are undone. */
  async pickAndUndo(): Promise<boolean> {
    if (!this.changes.length) {
      void vscode.window.showInformationMessage('No route change to undo in this window.');
      return false;
    }
    const items = [...this.changes].reverse().map((c, n) => ({
      label: `$(discard) ${c.title}`,
      description: `${age(new Date(c.at).toISOString())} · ${c.session.target.name} ${c.session.org.name}/${c.session.space.name}`,
      detail: n === 0 ? 'The newest change' : `Also undoes the ${n} newer change${n > 1 ? 's' : ''} above it`,
      change: c,
    }));
    const picked = await this.ctx.ui.pick(items, { title: 'CF: Route History', placeHolder: 'Undo which change? (newer ones are undone first)' });
    return picked ? this.undo(picked.change) : false;
  }

  private sync(): void {
    void vscode.commands.executeCommand('setContext', 'cfpush.canUndoRoutes', this.changes.length > 0);
  }
}
