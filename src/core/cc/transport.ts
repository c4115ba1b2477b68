// How requests reach Cloud Controller: bearer auth with one refresh on 401,
// CF error shapes turned into CfPushErrors, X-Cf-Warnings surfaced,
// pagination followed. The named requests (requests/*.ts) sit on top; nothing
// outside src/core/cc builds a CC path.
import { httpFetch } from '../http-client';
import { CfPushError, ccTitle } from '../errors';
import type { CcErrorItem, CcList, CcRoot } from './types';

export interface TokenProvider {
  /** A valid access token (refreshed ahead of expiry). */
  token(): Promise<string>;
  /** Called once after a 401: refresh and return the new token, or throw "log in again". */
  refresh(): Promise<string>;
}

export interface CcClientOptions {
  api: string;
  tokens: TokenProvider;
  skipSslValidation?: boolean;
  onWarning?: (warning: string) => void;
  /** Called with the method, path and body kind of every request (tests record the sequence). */
  onRequest?: (method: string, url: string) => void;
}

export type Query = Record<string, string | number | boolean | undefined | string[]>;

export class CcApiError extends CfPushError {
  constructor(
    readonly status: number,
    readonly errors: CcErrorItem[],
    what: string,
  ) {
    const first = errors[0];
    const detail = first ? `${first.detail} (${first.title}, code ${first.code})` : `HTTP ${status}`;
    super(`${what}: ${detail}`, { code: ccTitle(first?.title), hint: hintFor(status, first) });
    this.name = 'CcApiError';
  }
}

/** What to do next, by CC error title first (they are stable; details are not), then by status. */
function hintFor(status: number, e?: CcErrorItem): string {
  switch (e?.title) {
    case 'CF-StagingInProgress':
      return 'Wait for the current staging to finish, then try again.';
    case 'CF-UniquenessError':
      return 'The name is taken in this space: choose another, or delete the existing one first.';
    case 'CF-ResourceNotFound':
      return 'It may have been deleted or be in another space: check `cfpush apps` / `cfpush routes` and `cfpush target`.';
    case 'CF-FeatureDisabled':
      return 'An admin has turned this feature off on the target (e.g. diego_docker for docker apps).';
    case 'CF-UaaRateLimited':
      return 'The login server is rate limiting: wait a minute and try again.';
    case 'CF-ServiceUnavailable':
      return 'The target cannot take this change right now: do what the detail above says, then run the command again.';
    case 'CF-MessageParseError':
    case 'CF-BadQueryParameter':
      return 'The request was malformed: please report this as a cf-push bug, with the command you ran.';
  }
  if (status === 401) return 'Log in again with `cfpush login`.';
  if (status === 403) return 'Your user lacks permission for this in the targeted space; ask an admin or target another space.';
  if (status === 422) return 'The target refused the change for the reason above: fix it and run the command again.';
  if (status >= 500) return 'The target had an internal error: try again, and if it repeats check its status or logs.';
  return 'See the detail above.';
}

export class CcTransport {
  readonly api: string;
  private rootCache?: CcRoot;

  constructor(private readonly opts: CcClientOptions) {
    this.api = opts.api.replace(/\/+$/, '');
  }

  /** `GET /`: links to login, log-cache, ... (no auth). */
  async root(): Promise<CcRoot> {
    if (!this.rootCache) this.rootCache = (await this.raw('GET', '/', { auth: false })).json as CcRoot;
    return this.rootCache;
  }

  /** The current access token, for side channels such as log-cache. */
  token(): Promise<string> {
    return this.opts.tokens.token();
  }

  async link(name: string): Promise<string | undefined> {
    return (await this.root()).links[name]?.href ?? undefined;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>('GET', path, { query });
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, { body });
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('PATCH', path, { body });
  }
  delete<T = void>(path: string): Promise<T> {
    return this.call<T>('DELETE', path, {});
  }

  /** A GET whose answer is not JSON (the app manifest's YAML). */
  async getText(path: string): Promise<string> {
    return (await this.raw('GET', path, { auth: true, accept: '*/*' })).text;
  }

  /** Every page of a list, following `next.href` to the end. */
  async list<T>(path: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let page = await this.get<CcList<T>>(path, { per_page: 5000, ...query });
    out.push(...page.resources);
    while (page.pagination.next?.href) {
      page = await this.call<CcList<T>>('GET', page.pagination.next.href, {});
      out.push(...page.resources);
    }
    return out;
  }

  /** Every page of a list with its `included` resources (include=..., fields[...]=...), merged by guid across pages. */
  async listIncluded<T>(path: string, query: Query = {}): Promise<{ resources: T[]; included: Record<string, any[]> }> {
    const resources: T[] = [];
    const included: Record<string, Map<string, any>> = {};
    let page = await this.get<CcList<T> & { included?: Record<string, any[]> }>(path, { per_page: 5000, ...query });
    for (;;) {
      resources.push(...page.resources);
      for (const [k, list] of Object.entries(page.included ?? {})) {
        const m = (included[k] ??= new Map());
        for (const r of list) m.set(r.guid ?? r.name, r);
      }
      if (!page.pagination.next?.href) break;
      page = await this.call<CcList<T> & { included?: Record<string, any[]> }>('GET', page.pagination.next.href, {});
    }
    return { resources, included: Object.fromEntries(Object.entries(included).map(([k, m]) => [k, [...m.values()]])) };
  }

  /** A request whose response headers matter (202 + Location). */
  async send(
    method: string,
    path: string,
    init: { body?: unknown; contentType?: string; form?: FormData } = {},
  ): Promise<{ status: number; json: any; location?: string }> {
    return this.raw(method, path, { ...init, auth: true });
  }

  private async call<T>(method: string, path: string, init: { query?: Query; body?: unknown }): Promise<T> {
    return (await this.raw(method, path, { ...init, auth: true })).json as T;
  }

  private url(path: string, query?: Query): string {
    const u = new URL(path.startsWith('http') ? path : this.api + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      u.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    return u.toString();
  }

  private async raw(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; contentType?: string; form?: FormData; auth: boolean; accept?: string },
  ): Promise<{ status: number; json: any; text: string; location?: string }> {
    const url = this.url(path, init.query);
    const attempt = async (token?: string) => {
      const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
      if (token) headers.authorization = `bearer ${token}`;
      let body: string | FormData | undefined;
      if (init.form) body = init.form;
      else if (init.body !== undefined) {
        headers['content-type'] = init.contentType ?? 'application/json';
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      }
      this.opts.onRequest?.(method, url);
      try {
        return await httpFetch(url, { method, headers, body, insecure: this.opts.skipSslValidation });
      } catch (err) {
        throw new CfPushError(`Cannot reach the Cloud Foundry API at ${this.api}: ${describeNetError(err)}`, {
          code: 'Unreachable',
          hint: 'Check the target with `cfpush target`; for the local foundation run `cfpush foundation start`.',
          cause: err,
        });
      }
    };
    let res = await attempt(init.auth ? await this.opts.tokens.token() : undefined);
    if (res.status === 401 && init.auth) {
      res.body.resume();
      res = await attempt(await this.opts.tokens.refresh());
    }
    const warnings = res.headers.get('x-cf-warnings');
    if (warnings) for (const w of warnings.split(',')) this.opts.onWarning?.(decodeURIComponent(w.trim()));
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status >= 400) {
      const errors: CcErrorItem[] = Array.isArray(json?.errors)
        ? json.errors
        : [{ code: 0, title: `HTTP ${res.status}`, detail: text.slice(0, 200) || res.statusText }];
      throw new CcApiError(res.status, errors, `${method} ${new URL(url).pathname} failed`);
    }
    return { status: res.status, json, text, location: res.headers.get('location') ?? undefined };
  }
}

function describeNetError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
