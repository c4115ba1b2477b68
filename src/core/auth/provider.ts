// Keeps one target's access token fresh: refresh a minute before expiry (as
// the cf CLI does), once more after a 401, then ask the user to log in again.
import type { TokenProvider } from '../cc/client';
import { CfPushError } from '../errors';
import type { TokenStore } from './store';
import { refreshGrant, secondsToExpiry, type Tokens } from './uaa';

export interface RefreshingTokensOptions {
  target: string;
  loginUrl: () => Promise<string>;
  store: TokenStore;
  insecure?: boolean;
  /** Local foundation: log in again with its generated credentials instead of failing. */
  relogin?: () => Promise<Tokens>;
}

export class RefreshingTokens implements TokenProvider {
  private current?: Tokens;
  private inflight?: Promise<string>;
  constructor(private readonly o: RefreshingTokensOptions) {}

  async token(): Promise<string> {
    if (!this.current) this.current = await this.o.store.get(this.o.target);
    if (!this.current) return this.refresh();
    if (secondsToExpiry(this.current.accessToken) < 60) return this.refresh();
    return this.current.accessToken;
  }

  /** One refresh at a time, however many requests saw the 401. */
  refresh(): Promise<string> {
    this.inflight ??= this.doRefresh().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(): Promise<string> {
    let next: Tokens | undefined;
    if (this.current?.refreshToken) {
      try {
        next = await refreshGrant(await this.o.loginUrl(), this.current.refreshToken, this.o.insecure);
        next.refreshToken ??= this.current.refreshToken;
      } catch {
        next = undefined;
      }
    }
    if (!next && this.o.relogin) next = await this.o.relogin();
    if (!next) {
      // A login may have stored new tokens while this refresh ran (the tree
      // asks for a token as the user signs in): take them, never delete them.
      const stored = await this.o.store.get(this.o.target).catch(() => undefined);
      if (stored && stored.accessToken !== this.current?.accessToken) {
        this.current = stored;
        return stored.accessToken;
      }
      const never = !this.current;
      if (!never) await this.o.store.delete(this.o.target);
      if (never) {
        throw new CfPushError(`Not logged in to target '${this.o.target}'.`, {
          code: 'LoginRequired',
          hint: `Log in: \`cfpush login\` with target '${this.o.target}'.`,
        });
      }
      throw new CfPushError(`The token for target '${this.o.target}' expired or was revoked.`, {
        code: 'LoginRequired',
        hint: `Log in again: \`cfpush login\` with target '${this.o.target}'.`,
      });
    }
    this.current = next;
    await this.o.store.set(this.o.target, next);
    return next.accessToken;
  }
}
