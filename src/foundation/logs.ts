// log-cache in miniature: a bounded ring of LOG envelopes per source id (the
// app guid), read back with `start_time` like log-cache's /api/v1/read, and
// followed live by subscribers (the streaming endpoint, see logstream.ts).
//
// Memory stays small: lines are kept as plain strings (envelopes are built on
// read), each line is capped at MAX_LINE bytes, and each source keeps at most
// PER_SOURCE lines and PER_SOURCE_BYTES of text, oldest dropped first.

export type SourceType = 'STG' | 'RTR' | 'API' | 'CELL' | `APP/PROC/${string}` | `APP/TASK/${string}` | `CELL/${string}`;

export interface Envelope {
  timestamp: string;
  source_id: string;
  instance_id: string;
  tags: { source_type: string };
  log: { payload: string; type: 'OUT' | 'ERR' };
}

interface Line {
  /** The timestamp in ns is ms * 1e6 + seq (kept as two numbers: no BigInt per line). */
  ms: number;
  seq: number;
  sourceType: string;
  instance: string;
  /** The text; for router access lines it is formatted from `rec` only when read. */
  text: string;
  rec?: AccessRecord;
  type: 'OUT' | 'ERR';
}

/** Bytes an access line is charged before it is formatted (a typical RTR line). */
const ACCESS_LINE_BYTES = 320;

function textOf(l: Line): string {
  if (l.rec) {
    l.text = accessLine(l.rec);
    l.rec = undefined;
  }
  return l.text;
}

function nsOf(l: Line): bigint {
  return BigInt(l.ms) * 1_000_000n + BigInt(l.seq);
}

function sizeOf(l: Line): number {
  return l.rec ? ACCESS_LINE_BYTES : l.text.length;
}

/** A bounded FIFO of lines with a byte budget (amortized O(1): the array is compacted lazily). */
class Ring {
  private buf: Line[] = [];
  private head = 0; // index of the oldest line
  bytes = 0;

  constructor(
    private readonly cap: number,
    private readonly maxBytes: number,
    private readonly spares: Spares,
  ) {}

  push(l: Line): void {
    this.buf.push(l);
    this.bytes += sizeOf(l);
    while (this.length > this.cap || (this.bytes > this.maxBytes && this.length > 1)) {
      const old = this.buf[this.head]!;
      this.bytes -= sizeOf(old);
      this.buf[this.head] = undefined as unknown as Line; // let it be collected now, or reused
      this.spares.keep(old);
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
  }

  *lines(): Generator<Line> {
    for (let i = this.head; i < this.buf.length; i++) yield this.buf[i]!;
  }

  get length(): number {
    return this.buf.length - this.head;
  }
}

export const PER_SOURCE = 1000;
export const PER_SOURCE_BYTES = 256 * 1024;
/** Longer lines are cut (loggregator also truncates long messages). */
export const MAX_LINE = 16 * 1024;
/** Sources polled at once that are remembered (the cf CLI polls one per push). */
const MAX_POLLERS = 1024;

export type Subscriber = (e: Envelope) => void;

/**
 * Lines that left a ring, and the router's access records in them, kept for
 * reuse: at a steady request rate every access line makes room by dropping
 * the oldest, and reusing its objects keeps the router's log from allocating
 * (records that live for 1 000 requests would otherwise be promoted to V8's
 * old generation and cost full collections).
 */
class Spares {
  lines: Line[] = [];
  recs: PooledAccessRecord[] = [];

  keep(l: Line): void {
    const rec = l.rec;
    if (rec instanceof PooledAccessRecord && this.recs.length < SPARES) this.recs.push(rec);
    l.rec = undefined;
    l.text = '';
    if (this.lines.length < SPARES) this.lines.push(l);
  }
}

const SPARES = 256;

export class LogStore {
  private readonly sources = new Map<string, Ring>();
  private readonly subs = new Map<string, Set<Subscriber>>();
  private lastMs = 0;
  private lastSeq = 0;
  private readonly spares = new Spares();
  /** Clients that poll a source (log-cache walkers, e.g. the cf CLI): the last two reads' times, and where the last one started. */
  private readonly pollers = new Map<string, { at: number; before: number; fromNs: bigint }>();

  /**
   * Timestamps are unique and increasing so `start_time = last + 1` never
   * skips or repeats a line: ms * 1e6, or the previous one + 1 ns (in lastMs / lastSeq).
   */
  private stamp(): void {
    const ms = Date.now();
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.lastSeq = 0;
    } else if (++this.lastSeq === 1_000_000) {
      this.lastMs++;
      this.lastSeq = 0;
    }
  }

  /** An access record to fill and pass to access(): one a dropped line held, or a new one. */
  accessRecord(): AccessRecord {
    return this.spares.recs.pop() ?? new PooledAccessRecord();
  }

  emit(sourceId: string, sourceType: SourceType, instanceId: string, text: string, type: 'OUT' | 'ERR' = 'OUT', rec?: AccessRecord): void {
    if (text.length > MAX_LINE) text = text.slice(0, MAX_LINE);
    this.stamp();
    let line = this.spares.lines.pop();
    if (line) {
      line.ms = this.lastMs;
      line.seq = this.lastSeq;
      line.sourceType = sourceType;
      line.instance = instanceId;
      line.text = text;
      line.rec = rec;
      line.type = type;
    } else line = { ms: this.lastMs, seq: this.lastSeq, sourceType, instance: instanceId, text, rec, type };
    let ring = this.sources.get(sourceId);
    if (!ring) this.sources.set(sourceId, (ring = new Ring(PER_SOURCE, PER_SOURCE_BYTES, this.spares)));
    ring.push(line);
    const subs = this.subs.get(sourceId);
    if (subs?.size) {
      const env = toEnvelope(sourceId, line);
      for (const s of subs) {
        try {
          s(env);
        } catch {
          /* a broken subscriber must not break logging */
        }
      }
    }
  }

  /** A CC event as CC logs it (`[API/0]`). */
  api(sourceId: string, text: string, type: 'OUT' | 'ERR' = 'OUT'): void {
    this.emit(sourceId, 'API', '0', text, type);
  }

  /**
   * A gorouter access-log line (`[RTR/<index>]`) for a request routed to an
   * instance of `appGuid`: either a record (the router's hook) or a line
   * already formatted with `accessLine()`.
   */
  access(rec: AccessRecord): void;
  access(appGuid: string, index: number | string, line: string): void;
  access(a: AccessRecord | string, index?: number | string, line?: string): void {
    if (typeof a === 'string') return this.emit(a, 'RTR', String(index ?? 0), line ?? '', 'OUT');
    // Formatting costs as much as proxying the request: defer it to read time.
    this.emit(a.appGuid, 'RTR', String(a.index), '', 'OUT', a);
  }

  /** Splits a chunk of process output into lines; returns the unfinished tail. */
  emitChunk(sourceId: string, sourceType: SourceType, instanceId: string, buf: string, type: 'OUT' | 'ERR'): string {
    const lines = buf.split('\n');
    const tail = lines.pop() ?? '';
    for (const l of lines) this.emit(sourceId, sourceType, instanceId, l.replace(/\r$/, ''), type);
    return tail;
  }

  read(sourceId: string, opts: { startNs?: bigint; endNs?: bigint; limit?: number; descending?: boolean } = {}): Envelope[] {
    const ring = this.sources.get(sourceId);
    if (!ring) return [];
    const start = opts.startNs ?? 0n;
    const end = opts.endNs;
    const hits: Line[] = [];
    for (const l of ring.lines()) {
      const ns = nsOf(l);
      if (ns >= start && (end === undefined || ns < end)) hits.push(l);
    }
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000));
    const picked = opts.descending ? hits.slice(-limit).reverse() : hits.slice(0, limit);
    return picked.map((l) => toEnvelope(sourceId, l));
  }

  /**
   * A poll of `sourceId` from `fromNs` on: everything before it has been read.
   * Polls of a source with no lines yet count too (the cf CLI starts reading
   * before staging writes its first line); stale entries go once there are
   * many, so reads of made-up ids cannot grow the map. A walker's first look
   * for the newest line counts as polling at once: it is the start of a walk.
   */
  notePoll(sourceId: string, fromNs: bigint, opts: { walkerStart?: boolean } = {}): void {
    const now = Date.now();
    if (this.pollers.size >= MAX_POLLERS && !this.pollers.has(sourceId)) {
      for (const [id, p] of this.pollers) if (now - p.at > 1000) this.pollers.delete(id);
      if (this.pollers.size >= MAX_POLLERS) return;
    }
    this.pollers.set(sourceId, { at: now, before: opts.walkerStart ? now : (this.pollers.get(sourceId)?.at ?? 0), fromNs });
  }

  /**
   * True while a client polling `sourceId` (two reads within a second, the
   * last one under a second ago: a one-off catch-up read is not polling) has
   * not yet read its newest line of `sourceType`. The cf CLI reads logs 2 s
   * behind the present and stops at the end of staging, so whoever answers
   * "staged" waits for this, or the end of the staging log is never shown.
   */
  pollerBehind(sourceId: string, sourceType: SourceType): boolean {
    const p = this.pollers.get(sourceId);
    if (!p || Date.now() - p.at > 1000 || p.at - p.before > 1000) return false;
    let newest: bigint | undefined;
    for (const l of this.sources.get(sourceId)?.lines() ?? []) if (l.sourceType === sourceType) newest = nsOf(l);
    return newest !== undefined && p.fromNs <= newest;
  }

  /** Calls `fn` for every new line of `sourceId` until the returned function is called. */
  subscribe(sourceId: string, fn: Subscriber): () => void {
    let set = this.subs.get(sourceId);
    if (!set) this.subs.set(sourceId, (set = new Set()));
    set.add(fn);
    return () => {
      set!.delete(fn);
      if (set!.size === 0 && this.subs.get(sourceId) === set) this.subs.delete(sourceId);
    };
  }

  /** Lines and bytes held (memory checks). */
  size(): { sources: number; lines: number; bytes: number } {
    let lines = 0;
    let bytes = 0;
    for (const r of this.sources.values()) {
      lines += r.length;
      bytes += r.bytes;
    }
    return { sources: this.sources.size, lines, bytes };
  }

  drop(sourceId: string): void {
    this.sources.delete(sourceId);
  }
}

function toEnvelope(sourceId: string, l: Line): Envelope {
  return {
    timestamp: nsOf(l).toString(),
    source_id: sourceId,
    instance_id: l.instance,
    tags: { source_type: l.sourceType },
    log: { payload: Buffer.from(textOf(l)).toString('base64'), type: l.type },
  };
}

/** One routed request, as the router reports it. */
export interface AccessRecord {
  appGuid: string;
  index: number | string;
  /** The Host header as the client sent it. */
  host: string;
  method: string;
  /** Path and query as requested. */
  path: string;
  protocol?: string; // 'HTTP/1.1'
  status: number;
  bytesReceived: number;
  bytesSent: number;
  referer?: string;
  userAgent?: string;
  /** "ip:port" of the client. */
  remoteAddr: string;
  /** "ip:port" of the app instance ('' or '-' when none was reached). */
  backendAddr: string;
  xForwardedFor?: string;
  xForwardedProto?: string;
  requestId: string;
  /** Epoch ms when the request arrived. */
  startMs: number;
  /** Until the end of the response. */
  durationMs: number;
  /** Time spent in the router itself, when known. */
  gorouterMs?: number;
  instanceId?: string;
  routerError?: string;
}

/** A record from LogStore.accessRecord(): every field present (one shape), reused once its line is dropped unread. */
class PooledAccessRecord implements AccessRecord {
  appGuid = '';
  index: number | string = 0;
  host = '';
  method = '';
  path = '';
  protocol: string | undefined = undefined;
  status = 0;
  bytesReceived = 0;
  bytesSent = 0;
  referer: string | undefined = undefined;
  userAgent: string | undefined = undefined;
  remoteAddr = '';
  backendAddr = '';
  xForwardedFor: string | undefined = undefined;
  xForwardedProto: string | undefined = undefined;
  requestId = '';
  startMs = 0;
  durationMs = 0;
  gorouterMs: number | undefined = undefined;
  instanceId: string | undefined = undefined;
  routerError: string | undefined = undefined;
}

const q = (v: string | undefined) => `"${v === undefined || v === '' ? '-' : v.replace(/"/g, '\\"')}"`;

/**
 * gorouter's access-log record (accesslog/schema/access_log_record.go) as one line:
 * host - [time] "GET / HTTP/1.1" 200 0 15 "-" "ua" "client:port" "backend:port"
 * x_forwarded_for:"-" x_forwarded_proto:"http" vcap_request_id:"..." response_time:0.003 ... app_id:"..." app_index:"0"
 */
export function accessLine(r: AccessRecord): string {
  const t = new Date(r.startMs).toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}000000Z`);
  return (
    `${r.host || '-'} - [${t}] "${r.method} ${r.path} ${r.protocol || 'HTTP/1.1'}" ${r.status} ${r.bytesReceived} ${r.bytesSent} ` +
    `${q(r.referer)} ${q(r.userAgent)} ${q(r.remoteAddr)} ${q(r.backendAddr)} ` +
    `x_forwarded_for:${q(r.xForwardedFor)} x_forwarded_proto:${q(r.xForwardedProto || 'http')} vcap_request_id:${q(r.requestId)} ` +
    `response_time:${(r.durationMs / 1000).toFixed(6)} gorouter_time:${((r.gorouterMs ?? 0) / 1000).toFixed(6)} ` +
    `app_id:${q(r.appGuid)} app_index:${q(String(r.index))} instance_id:${q(r.instanceId)} x_cf_routererror:${q(r.routerError)}`
  );
}
