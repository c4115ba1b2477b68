// Tokens in VS Code's SecretStorage (the OS keychain on desktop), never in
// settings or files. A token the CLI stored (`cfpush login` → tokens.json) is
// read once as a fallback so a terminal login carries over.
import * as vscode from 'vscode';
import type { TokenStore } from '../core/auth/store';
import type { Tokens } from '../core/auth/uaa';
import { core } from './lazy';

const KEY = (target: string) => `cfpush.tokens.${target}`;

export class SecretTokenStore implements TokenStore {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the target name when its tokens are stored or deleted (tree and status bar redraw). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(target: string): Promise<Tokens | undefined> {
    const raw = await this.secrets.get(KEY(target));
    if (raw) {
      try {
        return JSON.parse(raw) as Tokens;
      } catch {
        await this.secrets.delete(KEY(target));
      }
    }
    return new (core().FileTokenStore)().get(target).catch(() => undefined);
  }

  async set(target: string, tokens: Tokens): Promise<void> {
    const before = await this.secrets.get(KEY(target));
    const next = JSON.stringify(tokens);
    await this.secrets.store(KEY(target), next);
    // A refresh rewrites the access token every few minutes: redraw only on sign-in.
    if (!before) this.changed.fire(target);
  }

  async delete(target: string): Promise<void> {
    await this.secrets.delete(KEY(target));
    // Sign out means out: also drop the CLI's copy so the fallback cannot sign back in.
    await new (core().FileTokenStore)().delete(target).catch(() => undefined);
    this.changed.fire(target);
  }

  /** Only what SecretStorage holds (tests assert that sign-in went there). */
  async stored(target: string): Promise<Tokens | undefined> {
    const raw = await this.secrets.get(KEY(target));
    return raw ? (JSON.parse(raw) as Tokens) : undefined;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
