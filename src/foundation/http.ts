// A deliberately tiny HTTP layer for the CC API: a route table of
// "METHOD /v3/apps/:guid" patterns, CF error bodies, JSON in and out, and
// CC pagination/filtering over in-memory lists.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Foundation } from './context';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: { code: number; title: string; detail: string }[] = [],
  ) {
    super(detail);
  }
  body() {
    return { errors: [{ code: this.code, title: this.title, detail: this.detail }, ...this.extra] };
  }
}

/** A JSON object (not null, not an array): what CC's `hash: true` validations accept. */
export const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const notFound = (what: string) => new ApiError(404, 10010, 'CF-ResourceNotFound', `${what} not found`);
export const unprocessable = (detail: string) => new ApiError(422, 10008, 'CF-UnprocessableEntity', detail);
export const badQuery = (detail: string) => new ApiError(400, 10005, 'CF-BadQueryParameter', detail);
export const parseError = () => new ApiError(400, 1001, 'CF-MessageParseError', 'Request invalid due to parse error: invalid request body');
export const badRequest = (detail: string) => new ApiError(400, 1004, 'CF-BadRequest', `Bad request: ${detail}`);

/** CC's BaseMessage: keys a message does not allow → 422 "Unknown field(s): 'a', 'b'". */
export function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw unprocessable(`Unknown field(s): '${extra.join("', '")}'`);
}

/** `X-Cf-Warnings`: comma-separated, each URL-encoded (cf CLI cloud_controller_connection.go). */
export function warningsHeader(warnings: string[]): Record<string, string> {
  return warnings.length ? { 'x-cf-warnings': warnings.map((w) => encodeURIComponent(w)).join(',') } : {};
}

/**
 * Largest package or droplet upload, in bytes: CFPUSH_MAX_UPLOAD_BYTES, else
 * 1 GiB (CC's default `max_package_size` is 1 GB). Read per request so a
 * test or an operator can change it without a restart.
 */
export function maxUploadBytes(): number {
  const n = Number(process.env.CFPUSH_MAX_UPLOAD_BYTES);
  return Number.isFinite(n) && n > 0 ? n : 1024 * 1024 * 1024;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  f: Foundation;
  params: Record<string, string>;
  query: URLSearchParams;
  url: URL;
}

export type Handler = (c: Ctx) => Promise<void> | void;

export interface RouteDef {
  method: string;
  path: string;
  handler: Handler;
  /** Every /v3 route needs a bearer token; `GET /`, `/login`, `/oauth/token` do not. */
  public?: boolean;
}

interface Compiled extends RouteDef {
  re: RegExp;
  names: string[];
}

export function compile(routes: RouteDef[]): Compiled[] {
  return routes.map((r) => {
    const names: string[] = [];
    const src = r.path.replace(/:(\w+)/g, (_, n: string) => {
      names.push(n);
      return '([^/]+)';
    });
    return { ...r, re: new RegExp(`^${src}/?$`), names };
  });
}

export function match(table: Compiled[], method: string, path: string): { route?: Compiled; params: Record<string, string>; methodMismatch: boolean } {
  let methodMismatch = false;
  for (const r of table) {
    const m = r.re.exec(path);
    if (!m) continue;
    if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
      methodMismatch = true;
      continue;
    }
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeParam(m[i + 1]!)));
    return { route: r, params, methodMismatch };
  }
  return { params: {}, methodMismatch };
}

/** A malformed escape (`%ff`) is kept as written: the lookup then finds nothing and answers 404. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The request target as a URL, whatever a client sent: origin-form paths are
 * taken literally (`//`, `//[` and `//:99999` are paths, not hosts), the
 * absolute form (`http://h/p`) is parsed and refused with 400 if broken.
 */
export function requestTarget(raw: string | undefined, base: string): URL {
  const target = raw || '/';
  const url = new URL(base);
  if (!target.startsWith('/')) {
    if (target === '*') return url;
    try {
      const abs = new URL(target);
      url.pathname = abs.pathname;
      url.search = abs.search;
      return url;
    } catch {
      throw badRequest(`the request target is not a path or a valid URL`);
    }
  }
  const q = target.indexOf('?');
  url.pathname = q < 0 ? target : target.slice(0, q);
  url.search = q < 0 ? '' : target.slice(q);
  return url;
}

/** What send() needs of the store to hold a reply until the change is on disk. */
export interface Durable {
  flush(): Promise<void>;
  /** Failed writes so far (store.ts); more at reply time than at the start = this request's change was not saved. */
  readonly failures: number;
  readonly lastError: unknown;
  readonly dataDir: string;
}

const durable = new WeakMap<ServerResponse, { store: Durable; failuresAtStart: number }>();

/**
 * Answers to changing requests wait until the state is on disk: a client
 * that saw 201 must never lose the record to a `kill -9` a moment later, and
 * one whose change could not be written (a full or read-only disk) is told
 * so instead of "OK".
 */
export function persistBeforeReply(res: ServerResponse, store: Durable): void {
  durable.set(res, { store, failuresAtStart: store.failures });
}

const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE']);

/** An error from writing to the data dir (as opposed to a bad request). */
export function isStorageFailure(err: unknown): boolean {
  return STORAGE_CODES.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** What is wrong with the data dir after a failed write, and what the user does about it. */
export function storageProblem(err: unknown, dataDir: string): { what: string; todo: string } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  const [why, todo] =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? ['its data dir is full', 'Free space on that disk']
      : code === 'EROFS'
        ? ['its data dir is read-only', 'Make it writable (or use another --data-dir)']
        : code === 'EACCES' || code === 'EPERM'
          ? ['it may not write to its data dir', 'Give the user running the foundation write access to it']
          : [`writing to its data dir failed: ${(err as Error)?.message ?? String(err)}`, 'Check that disk'];
  return { what: `${why} (${code}, ${dataDir})`, todo };
}

/** The answer to a change that could not be saved. */
export function notSaved(err: unknown, dataDir: string): ApiError {
  const p = storageProblem(err, dataDir);
  return new ApiError(
    503,
    10015,
    'CF-ServiceUnavailable',
    `The local foundation could not save this change: ${p.what}. Nothing was changed. ${p.todo}, then run the command again.`,
  );
}

export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const write = (st: number, b: unknown, h: Record<string, string>) => {
    if (res.headersSent || res.destroyed) return;
    const text = b === undefined ? '' : JSON.stringify(b);
    res.writeHead(st, {
      ...(b === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'content-length': String(Buffer.byteLength(text)),
      ...h,
    });
    res.end(text);
  };
  const d = durable.get(res);
  const method = res.req?.method ?? 'GET';
  if (!d || method === 'GET' || method === 'HEAD') return write(status, body, headers);
  const failed = (err: unknown) => {
    const e = notSaved(err, d.store.dataDir);
    write(e.status, e.body(), {});
  };
  d.store.flush().then(() => (d.store.failures === d.failuresAtStart ? write(status, body, headers) : failed(d.store.lastError)), failed);
}

const MAX_BODY = 10 * 1024 * 1024;

export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 10001, 'CF-RequestEntityTooLarge', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON body (an object), or 400 CF-MessageParseError. An empty body reads as {}. */
export async function readJson(c: Ctx): Promise<Record<string, any>> {
  const text = await readText(c.req);
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, any>;
  } catch {
    throw parseError();
  }
}

/** A guid from `{"data":{"guid":"..."}}`-style relationships, or undefined. */
export function relGuid(v: unknown): string | undefined {
  const g = (v as { data?: { guid?: unknown } } | undefined)?.data?.guid;
  return typeof g === 'string' ? g : undefined;
}

// --- lists ---------------------------------------------------------------

/** Comma-separated plural filters: `names=a,b` → record.name in [a,b]. */
export type Filters<T> = Record<string, (rec: T) => string | string[] | null | undefined>;

export function filterList<T>(items: T[], query: URLSearchParams, filters: Filters<T>): T[] {
  let out = items;
  for (const [param, get] of Object.entries(filters)) {
    const raw = query.get(param);
    if (raw === null) continue;
    const wanted = new Set(raw.split(','));
    out = out.filter((r) => {
      const v = get(r);
      return Array.isArray(v) ? v.some((x) => wanted.has(x)) : v != null && wanted.has(v);
    });
  }
  return out;
}

function intParam(q: URLSearchParams, name: string, def: number): number {
  const raw = q.get(name);
  if (raw === null) return def;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badQuery(`The query parameter is invalid: ${name} must be an integer`);
  return n;
}

/** The `include=` values a list asked for, of those it can include. */
export function includes(c: Ctx, allowed: string[]): Set<string> {
  const raw = c.query.get('include');
  if (raw === null) return new Set();
  const asked = raw.split(',').filter(Boolean);
  const bad = asked.filter((a) => !allowed.includes(a));
  if (bad.length)
    throw badQuery(
      `The query parameter is invalid: Invalid included resource: '${bad.join(', ')}'. Valid included resources are: ${allowed.map((a) => `'${a}'`).join(', ')}`,
    );
  return new Set(asked);
}

/** Numbers order as numbers (a buildpack's position 10 after 9), anything else as text. */
function orderKey(v: unknown): string | number {
  return typeof v === 'number' ? v : String(v ?? '');
}

/** CC pagination over `items`; `order_by` may name any of `orderable` (default created_at). */
export function paginate<T>(c: Ctx, items: T[], present: (r: T) => unknown, orderable: string[] = ['created_at', 'updated_at']): unknown {
  const q = c.query;
  const page = intParam(q, 'page', 1);
  const perPage = intParam(q, 'per_page', 50);
  if (page < 1) throw badQuery('The query parameter is invalid: Page must be greater than 0');
  if (perPage < 1 || perPage > 5000) throw badQuery('The query parameter is invalid: Per page must be between 1 and 5000');
  const orderBy = q.get('order_by') ?? 'created_at';
  const field = orderBy.replace(/^[-+]/, '');
  if (!orderable.includes(field)) {
    throw badQuery(`The query parameter is invalid: Order by can only be: ${orderable.map((o) => `'${o}'`).join(', ')}`);
  }
  const desc = orderBy.startsWith('-');
  // Ties (timestamps have second precision) fall back to creation order, in the same direction, as CC's id does.
  const sorted = items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => {
      const x = orderKey((a.item as Record<string, unknown>)[field]);
      const y = orderKey((b.item as Record<string, unknown>)[field]);
      return (x < y ? -1 : x > y ? 1 : a.i - b.i) * (desc ? -1 : 1);
    })
    .map((e) => e.item);
  const total = sorted.length;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const href = (p: number) => {
    const u = new URL(c.url.pathname, c.f.apiUrl);
    for (const [k, v] of q) if (k !== 'page' && k !== 'per_page') u.searchParams.set(k, v);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return { href: u.toString() };
  };
  return {
    pagination: {
      total_results: total,
      total_pages: pages,
      first: href(1),
      last: href(pages),
      next: page < pages ? href(page + 1) : null,
      previous: page > 1 ? href(Math.min(page - 1, pages)) : null,
    },
    resources: sorted.slice((page - 1) * perPage, page * perPage).map(present),
  };
}

/** GET of one of what the local foundation has none of: 404 "<what> not found". */
export const noneOf =
  (what: string): Handler =>
  () => {
    throw notFound(what);
  };

/** A list of what the local foundation has none of (brokers, isolation segments, security groups), in CC's shape. */
export function emptyList(c: Ctx, includable: string[] = []): void {
  includes(c, includable);
  send(c.res, 200, {
    ...(paginate(c, [], (x) => x) as object),
    ...(c.query.get('include') || [...c.query.keys()].some((k) => k.startsWith('fields[')) ? { included: {} } : {}),
  });
}
