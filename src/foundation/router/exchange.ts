// One request / response through the router: the rewritten head (headers.ts)
// sent on a backend connection with the request body after it, the response
// head and body passed back to the client, retries on a failed connection
// (retry.ts) or the router's 502, and the access line at the end.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { logAccess } from './access-log';
import { BackendConn } from './backend-conn';
import { ChunkScanner } from './chunked';
import type { ClientConn } from './client-conn';
import { BAD_REQUEST, endpointFailure, errorResponse, goError } from './errors';
import { forwardHead, retarget, stringHead, writeForwardHead, type Forwarded, type WireHead } from './headers';
import { classifyClose, Failure, replayable } from './retry';
import type { Pool, RouteEndpoint } from './route-table';
import {
  bareLfHeadEnd,
  bodyless,
  MAX_HEAD,
  parseResponseHead,
  RES_BAD,
  RES_SLOW,
  resScan,
  scanned,
  scanResponseHead,
  type RequestHead,
  type ResponseHead,
} from './wire';

const enum Res {
  Head,
  Body,
  Done,
}

/** One request / response through the router. */
export class Exchange implements Forwarded {
  /** Request body bytes still to come: n, -1 (chunked, not ended yet) or 0. */
  reqLeft: number;
  private readonly reqScanner: ChunkScanner | null;
  /** The app's request head, for `headFor` (another endpoint on a retry gets its own copy). */
  private head: WireHead;
  private headFor: RouteEndpoint;
  private id: string | null = null;
  /** Body bytes held until a new backend connection is up (so a dial failure can be retried). */
  private held: Buffer[] | null = null;
  private bodySent = false;
  bc: BackendConn | null = null;
  private tried: RouteEndpoint[] | null = null;
  private attempts = 0;
  private res = Res.Head;
  private resBuf: Buffer | null = null;
  private resLeft = 0;
  private resScanner: ChunkScanner | null = null;
  private untilClose = false;
  private resClose = false;
  private wroteToClient = false;
  // This and the next six are what access-log.ts records.
  status = 0;
  bytesSent = 0;
  bytesReceived = 0;
  xff!: string;
  proto = 'http';
  readonly startMs = Date.now();
  private finished = false;
  /** The client left while this request shares a backend connection: read its response, drop it. */
  private orphan = false;
  /** Counted in Router.waiting: no response head yet, under the endpoint timeout (not upgrades). */
  waiting = false;
  /** GET/HEAD/OPTIONS without a body: may share a backend write with other such requests. */
  readonly batchable: boolean;

  constructor(
    readonly c: ClientConn,
    readonly req: RequestHead,
    private readonly pool: Pool,
    public endpoint: RouteEndpoint,
    private readonly pinned: boolean,
    client: Buffer,
    start: number,
    end: number,
  ) {
    this.reqLeft = req.chunked ? -1 : req.contentLength > 0 ? req.contentLength : 0;
    this.reqScanner = req.chunked ? new ChunkScanner() : null;
    this.batchable = this.reqLeft === 0 && !req.upgrade && (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS');
    // Scanned from bytes (no header arrays): the head is written from the client's bytes; else from the parsed strings.
    if (!req.scanned) {
      const id = (this.id = randomUUID());
      const fwd = forwardHead(req, c.ip, this.startMs, id, this);
      this.head = stringHead(fwd, fwd.indexOf('\r\nX-Vcap-Request-Id: ') + 21, endpoint.tail);
    } else this.head = writeForwardHead(client, start, end, scanned, req.upgrade, c.ip, this.startMs, endpoint.tail, this);
    this.headFor = endpoint;
    if (!req.upgrade) {
      this.waiting = true;
      c.r.waiting++;
      c.r.armSweeper();
    }
  }

  /** A client write that did not complete at once holds bytes of the backend's read buffer: keep them (BackendConn). */
  private pinIfPending(): void {
    if (this.c.s.writableLength > 0 && this.bc) this.bc.pinned = true;
  }

  /** No longer waiting for a response head (answered, failed or left). */
  private stopWaiting(): void {
    if (this.waiting) {
      this.waiting = false;
      this.c.r.waiting--;
    }
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** X-Vcap-Request-Id as sent to the app. */
  get requestId(): string {
    return (this.id ??= this.head.buf.toString('latin1', this.head.idAt, this.head.idAt + 36));
  }

  /** The backend request head for the current endpoint. */
  wire(): Buffer {
    if (this.headFor !== this.endpoint) {
      this.head = retarget(this.head, this.endpoint.tail);
      this.headFor = this.endpoint;
    }
    return this.head.buf;
  }

  /**
   * Bodiless GET/HEAD/OPTIONS wait for the end of this event-loop turn and go
   * out with the others for the same instance (Router.flush); anything else
   * takes an idle keep-alive connection or dials a new one for itself.
   */
  send(): void {
    this.attempts++;
    const r = this.c.r;
    if (this.batchable) return r.enqueue(this);
    // A request that must not be replayed only reuses recently active connections.
    // An upgrade dials its own connection, read as a plain stream (BackendConn: the tunnel pipes it).
    const upgrade = this.req.upgrade !== '';
    const idle = upgrade ? undefined : r.takeIdle(this.endpoint.port, replayable(this.req) ? r.o.backendIdleMs : 1000);
    const bc = idle ?? new BackendConn(r, this.endpoint.port, upgrade);
    bc.queue.push(this);
    this.bc = bc;
    if (idle) {
      idle.reused = true;
      this.writeTo(idle.s);
    }
  }

  /** Writes the head and any held body bytes. */
  writeTo(s: Socket): void {
    if (!this.held) {
      s.write(this.wire());
      return;
    }
    s.cork();
    s.write(this.wire());
    for (const b of this.held) s.write(b);
    this.held = null;
    this.bodySent = true;
    s.uncork();
  }

  /** Request body bytes from the client; returns how many belong to this request. */
  clientBody(d: Buffer, from: number): number {
    let used: number;
    if (this.reqLeft > 0) {
      used = Math.min(this.reqLeft, d.length - from);
      this.reqLeft -= used;
    } else {
      const end = this.reqScanner!.feed(d, from);
      if (end === -2) {
        this.c.fatal(BAD_REQUEST);
        this.abort();
        return d.length;
      }
      if (end >= 0) {
        used = end - from;
        this.reqLeft = 0;
      } else used = d.length - from;
    }
    if (used === 0) return from;
    const piece = from === 0 && used === d.length ? d : d.subarray(from, from + used);
    this.bytesReceived += used;
    const bc = this.bc;
    if (bc && bc.connected && !this.held) {
      this.bodySent = true;
      const ok = bc.s.write(piece);
      // The piece may be the client's reused read buffer: a write still pending pins it (ClientConn).
      if (bc.s.writableLength > 0) this.c.pinned = true;
      if (!ok) {
        this.c.s.pause();
        bc.s.once('drain', () => this.c.s.resume());
      }
    } else (this.held ??= []).push(this.c.userRead ? Buffer.from(piece) : piece);
    return from + used;
  }

  /** Response bytes from the backend, starting at `from`; returns where this response's bytes end. */
  consume(d: Buffer, from: number): number {
    if (this.res === Res.Body) return this.resBody(d, from);
    let buf = d;
    let at = from;
    if (this.resBuf) {
      buf = Buffer.concat([this.resBuf, d.subarray(from)]);
      at = 0;
      this.resBuf = null;
    }
    // Offsets in `buf` map back to `d` by this shift (0 unless a partial head was buffered).
    const shift = buf === d ? 0 : d.length - buf.length;
    for (;;) {
      let end = buf.indexOf('\r\n\r\n', at, 'latin1');
      let sep = 4;
      // Go's net/http (gorouter) also ends a response head at a bare LF blank line: accept it, answer with CRLF.
      if (end < 0) [end, sep] = bareLfHeadEnd(buf, at);
      if (end < 0) {
        if (buf.length - at > MAX_HEAD) {
          this.fail(undefined, 'response head too large');
          return d.length;
        }
        this.resBuf = Buffer.from(buf.subarray(at));
        return d.length;
      }
      const rest = end + sep;
      // The usual head is parsed and rewritten on the read buffer's bytes (wire.ts scanResponseHead);
      // bare-LF heads, 101s and rarer shapes take the string parser.
      const hs = sep === 4 ? scanResponseHead(buf, at, end) : RES_SLOW;
      if (hs === RES_BAD) {
        this.fail(undefined, 'malformed HTTP response');
        return d.length;
      }
      let res: ResponseHead | undefined;
      if (hs === RES_SLOW) {
        const raw = buf.toString('latin1', at, end);
        res = parseResponseHead(sep === 4 ? raw : raw.replace(/\r?\n/g, '\r\n'));
        if (!res) {
          this.fail(undefined, 'malformed HTTP response');
          return d.length;
        }
        this.status = res.status;
        if (res.status === 101 && this.req.upgrade) {
          this.upgraded(res, buf.subarray(rest));
          return d.length;
        }
      } else this.status = resScan.status;
      const status = this.status;
      if (status >= 100 && status < 200) {
        // 100 Continue / 103 Early Hints: pass on, the final response follows.
        if (!this.orphan) {
          if (res) this.c.s.write(res.out + '\r\n', 'latin1');
          else this.c.s.write(buf.subarray(hs, rest));
          this.pinIfPending();
        }
        this.wroteToClient = true;
        at = rest;
        if (at >= buf.length) return d.length;
        continue;
      }
      const endAt = res ? this.resStart(res.out, res, buf, rest, rest) : this.resStart(null, resScan, buf, hs, rest);
      return endAt + shift;
    }
  }

  /**
   * Starts the response whose head is `out` (a string, without its blank
   * line) or, when `out` is null, the bytes buf[hs, rest) (blank line
   * included, body bytes right after); returns the offset in `buf` where the
   * response ends (or buf.length).
   */
  private resStart(
    out: string | null,
    res: { status: number; contentLength: number; chunked: boolean; close: boolean },
    buf: Buffer,
    hs: number,
    rest: number,
  ): number {
    const s = this.c.s;
    this.res = Res.Body;
    this.resClose = res.close;
    if (bodyless(this.req.method, res.status)) this.resLeft = 0;
    else if (res.chunked) {
      this.resLeft = -1;
      this.resScanner = new ChunkScanner();
    } else if (res.contentLength >= 0) this.resLeft = res.contentLength;
    else {
      this.resLeft = -1;
      this.untilClose = true;
    }
    const closeClient = this.untilClose || this.req.close;
    // Connection: close is added before the blank line: the head becomes a string (a rare path).
    if (out === null && closeClient) out = buf.toString('latin1', hs, rest - 2);
    this.wroteToClient = true;
    this.stopWaiting();
    if (out === null) {
      // Head and body bytes in one write, straight from the read buffer.
      if (this.resLeft === 0) {
        if (!this.orphan) {
          s.write(hs === 0 && rest === buf.length ? buf : buf.subarray(hs, rest));
          this.pinIfPending();
        }
        this.finish();
        return rest;
      }
      if (this.orphan) return this.resBody(buf, rest, rest);
      return this.resBody(buf, rest, hs);
    }
    const head = closeClient ? `${out}Connection: close\r\n\r\n` : `${out}\r\n`;
    if (this.resLeft === 0) {
      if (!this.orphan) s.write(head, 'latin1');
      this.finish();
      return rest;
    }
    if (this.orphan) return this.resBody(buf, rest, rest);
    s.cork();
    s.write(head, 'latin1');
    const end = rest < buf.length ? this.resBody(buf, rest, rest) : rest;
    s.uncork();
    this.pinIfPending();
    return end;
  }

  /** Body bytes from `from`; `headFrom` < `from` when the head's bytes precede them in `d` (written together). */
  private resBody(d: Buffer, from: number, headFrom = from): number {
    let used: number;
    let ended = false;
    if (this.untilClose) used = d.length - from;
    else if (this.resScanner) {
      const end = this.resScanner.feed(d, from);
      if (end === -2) {
        this.fail(undefined, 'malformed chunked encoding');
        return d.length;
      }
      if (end >= 0) {
        used = end - from;
        ended = true;
      } else used = d.length - from;
    } else {
      used = Math.min(this.resLeft, d.length - from);
      this.resLeft -= used;
      ended = this.resLeft === 0;
    }
    if ((used > 0 || headFrom < from) && !this.orphan) {
      this.bytesSent += used;
      const to = from + used;
      const ok = this.c.s.write(headFrom === 0 && to === d.length ? d : d.subarray(headFrom, to));
      this.pinIfPending();
      if (!ok && !ended && this.bc!.queue.length === 1) {
        const bs = this.bc!.s;
        bs.pause();
        this.c.s.once('drain', () => bs.resume());
      }
    }
    if (ended) this.finish();
    return from + used;
  }

  /** 101: from here on bytes flow both ways untouched, with no timeout. */
  private upgraded(res: ResponseHead, rest: Buffer): void {
    const c = this.c;
    const bc = this.bc!;
    this.finished = true;
    this.res = Res.Done;
    c.ex = null;
    c.tunnel = bc;
    bc.queue.length = 0;
    c.s.setTimeout(0);
    if (!c.userRead) c.s.removeAllListeners('data');
    bc.s.removeAllListeners('data');
    bc.s.removeAllListeners('close');
    bc.s.on('close', () => c.s.destroy());
    c.s.write(res.out + '\r\n', 'latin1');
    if (rest.length) c.s.write(rest);
    if (c.buf) {
      bc.s.write(c.buf);
      c.buf = null;
    }
    // A user-buffer client's bytes go on in ClientConn.toTunnel; its end ends the app's side as pipe would.
    if (c.userRead) c.s.once('end', () => bc.s.end());
    else c.s.pipe(bc.s);
    bc.s.pipe(c.s);
    logAccess(this);
  }

  /** This response is complete: hand the connection on (next in the batch, the idle pool, or closed). */
  private finish(): void {
    if (this.finished && !this.orphan) return;
    const wasOrphan = this.orphan;
    this.finished = true;
    this.orphan = false;
    this.res = Res.Done;
    const r = this.c.r;
    this.stopWaiting();
    const bc = this.bc!;
    if (bc.queue[0] === this) bc.queue.shift();
    const reqDone = this.reqLeft === 0;
    if (this.resClose || this.untilClose || !reqDone || !bc.connected || bc.s.destroyed) bc.s.destroy();
    else if (bc.queue.length === 0) r.release(bc);
    if (wasOrphan) return;
    logAccess(this);
    this.c.done(this.untilClose || this.req.close || !reqDone);
  }

  /**
   * The backend connection closed while this exchange was on it. `behind`:
   * an earlier request of the same batch was still being answered, so this
   * one never reached the front (an EOF for it, never a sign of a bad endpoint).
   */
  backendGone(bc: BackendConn, behind: boolean): void {
    if (bc !== this.bc) return;
    if (this.orphan) {
      this.orphan = false;
      this.finished = true;
      this.stopWaiting();
      return;
    }
    if (this.finished) return;
    if (this.res === Res.Body && this.untilClose && !bc.err) return this.finish();
    const err = behind ? undefined : bc.err;
    const r = this.c.r;
    if (!this.wroteToClient && this.res === Res.Head) {
      const f = classifyClose(bc.connected, bc.reused, behind, this.resBuf === null && !this.bodySent, this.req);
      if (f & Failure.MarkFailed) r.routes.markFailed(this.endpoint);
      if ((f & Failure.Retry) !== 0 && this.attempts < r.o.maxAttempts) {
        const next = this.retryTarget((f & Failure.SameEndpoint) !== 0);
        if (next) {
          this.endpoint = next;
          this.bc = null;
          // Body bytes held for a failed dial are still held; nothing else to rewind.
          return this.send();
        }
      }
      return this.fail(err, undefined, bc.connected);
    }
    // Mid-response: nothing sensible to tell the client but a cut connection.
    this.abort();
    this.c.s.destroy();
  }

  /** Another endpoint for a retry; the same one again only for a stale keep-alive socket. */
  private retryTarget(staleSocket: boolean): RouteEndpoint | undefined {
    if (this.pinned) return staleSocket ? this.endpoint : undefined;
    (this.tried ??= []).push(this.endpoint);
    const next = this.c.r.routes.pick(this.pool, this.tried);
    if (next) return next;
    return staleSocket ? this.endpoint : undefined;
  }

  /** 502 endpoint_failure before any response bytes went out; otherwise a cut connection. */
  private fail(err: NodeJS.ErrnoException | undefined, detail?: string, connected = true): void {
    if (this.finished) return;
    this.finished = true;
    this.res = Res.Done;
    this.stopWaiting();
    this.dropBackend();
    if (this.wroteToClient) {
      this.c.s.destroy();
      return;
    }
    this.status = 502;
    const close = this.req.close || this.reqLeft !== 0;
    this.c.s.write(errorResponse(endpointFailure(detail ?? goError(err, this.endpoint.port, connected)), close), 'latin1');
    logAccess(this);
    this.c.done(close);
  }

  /** Leaves the backend connection: closes it (batch-mates are retried from its close). */
  private dropBackend(): void {
    const bc = this.bc;
    if (!bc) return;
    const i = bc.queue.indexOf(this);
    if (i >= 0) bc.queue.splice(i, 1);
    bc.s.destroy();
  }

  timeout(): void {
    if (this.res === Res.Head && !this.wroteToClient) this.fail(undefined, 'net/http: timeout awaiting response headers');
  }

  clientGone(): void {
    this.abort();
  }

  private abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.res = Res.Done;
    this.stopWaiting();
    const bc = this.bc;
    if (bc && bc.queue.length > 1 && bc.queue.includes(this)) {
      // Others wait on this connection: read this response to its end and drop it.
      this.orphan = true;
      return;
    }
    this.dropBackend();
  }
}
