// The client side of the router: one accepted connection, its requests read
// one at a time (pipelined ones wait in the buffer), each routed and run as an
// Exchange, or answered by the router itself (errors.ts) when it cannot be.
// A 101 turns the connection into a tunnel (Exchange.upgraded).
import type { Socket } from 'node:net';
import { logError } from '../log';
import type { BackendConn } from './backend-conn';
import { BAD_REQUEST, errorResponse, TOO_LARGE } from './errors';
import { Exchange } from './exchange';
import type { Router } from './router';
import { HeadStrings, MAX_HEAD, parseRequestHead, scanRequestHead } from './wire';

function noop(): void {}

/** A client connection: parses requests one at a time and runs an Exchange for each. */
export class ClientConn {
  buf: Buffer | null = null;
  ex: Exchange | null = null;
  tunnel: BackendConn | null = null;
  /** Close once the current response is written. */
  closing = false;
  readonly ip: string;
  private paused = false;
  /** Host, target, User-Agent, Referer of the previous request (reused while unchanged). */
  readonly strings = new HeadStrings();

  constructor(
    readonly r: Router,
    readonly s: Socket,
  ) {
    const ra = s.remoteAddress ?? '';
    this.ip = ra.startsWith('::ffff:') ? ra.slice(7) : ra;
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => {
      // One connection's bad bytes end that connection, never the router.
      try {
        this.onData(d);
      } catch (err) {
        logError(`router: client ${this.ip}`, err);
        s.destroy();
      }
    });
    s.on('error', noop);
    s.on('close', () => this.onClose());
    s.setTimeout(r.o.keepAliveMs, () => {
      if (!this.ex && !this.tunnel) s.destroy();
    });
  }

  private onData(d: Buffer): void {
    const ex = this.ex;
    if (ex && ex.reqLeft !== 0) {
      const used = ex.clientBody(d, 0);
      if (used < d.length) this.append(d.subarray(used));
      return;
    }
    this.append(d);
    if (!ex) this.next();
  }

  private append(d: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    // Pipelined requests wait while one is in flight; don't buffer without bound.
    if (this.ex && this.buf.length > MAX_HEAD && !this.paused) {
      this.paused = true;
      this.s.pause();
    }
  }

  /** Parses and starts the next buffered request, answering router errors inline. */
  next(): void {
    if (this.paused) {
      this.paused = false;
      this.s.resume();
    }
    while (!this.ex && !this.tunnel && !this.closing && this.buf) {
      const buf = this.buf;
      let start = 0;
      while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
      const end = buf.indexOf('\r\n\r\n', start, 'latin1');
      if (end < 0) {
        if (buf.length - start > MAX_HEAD) return this.fatal(TOO_LARGE);
        if (start) this.buf = start < buf.length ? buf.subarray(start) : null;
        return;
      }
      if (end - start > MAX_HEAD) return this.fatal(TOO_LARGE);
      // The byte scan, or the string parser for what it leaves (Connection naming other headers, ...).
      const req = scanRequestHead(buf, start, end, this.strings) ?? parseRequestHead(buf.toString('latin1', start, end));
      const rest = end + 4;
      this.buf = rest < buf.length ? buf.subarray(rest) : null;
      if (req === 'bad') return this.fatal(BAD_REQUEST);
      const d = this.r.routes.route(req, this.ip);
      if ('status' in d) {
        this.r.traffic.unrouted(req.host, d.status); // issue 7: answered by the router, no app reached
        // The request's body (if any) is not read: close rather than parse it as a request.
        const close = req.close || req.contentLength > 0 || req.chunked;
        this.s.write(errorResponse(d, close), 'latin1');
        if (close) return this.fatal('');
        continue;
      }
      const ex = new Exchange(this, req, d.pool, d.endpoint, d.pinned, buf, start, end);
      this.ex = ex;
      let b = this.buf;
      this.buf = null;
      if (b && ex.reqLeft !== 0) {
        const used = ex.clientBody(b, 0);
        b = used < b.length ? b.subarray(used) : null;
      }
      this.buf = b;
      ex.send();
    }
  }

  /** Writes a final response (if any) and closes. */
  fatal(raw: string): void {
    this.closing = true;
    this.buf = null;
    if (raw) this.s.end(raw, 'latin1');
    else this.s.end();
  }

  /** The exchange is over; go on with the next request or close. */
  done(close: boolean): void {
    this.ex = null;
    if (close || this.closing) return this.fatal('');
    if (this.buf) this.next();
    else if (this.paused) {
      this.paused = false;
      this.s.resume();
    }
  }

  private onClose(): void {
    this.closing = true;
    this.ex?.clientGone();
    this.tunnel?.s.destroy();
  }
}
