// The client side of the router: one accepted connection, its requests read
// one at a time (pipelined ones wait in the buffer), each routed and run as an
// Exchange, or answered by the router itself (errors.ts) when it cannot be.
// A 101 turns the connection into a tunnel (Exchange.upgraded).
import { Socket, type SocketConstructorOpts } from 'node:net';
import { logError } from '../log';
import type { BackendConn } from './backend-conn';
import { BAD_REQUEST, errorResponse, TOO_LARGE } from './errors';
import { Exchange } from './exchange';
import type { Router } from './router';
import { HeadStrings, MAX_HEAD, nextReadBuffer, parseRequestHead, scanRequestHead } from './wire';

function noop(): void {}

/** Size of a client connection's read buffer. */

/**
 * node's `onread` (a caller's buffer for a socket's reads, no Buffer and no
 * stream machinery per read) is an option of net.connect but not of a
 * server's accepted sockets; the symbols it sets are taken from a socket
 * made with it, and set on an accepted socket the same way. Undefined when
 * this node lays them out differently: then clients are read as streams.
 */
const onreadKeys = (() => {
  const probe = new Socket({ onread: { buffer: () => Buffer.alloc(1), callback: () => true } } as SocketConstructorOpts);
  const keys = Object.getOwnPropertySymbols(probe);
  const key = (d: string) => keys.find((k) => k.description === d);
  const [buf, cb, gen] = [key('kBuffer'), key('kBufferCb'), key('kBufferGen')];
  const rec = probe as unknown as Record<symbol, unknown>;
  if (!buf || !cb || !gen || typeof rec[gen] !== 'function' || typeof rec[cb] !== 'function') return undefined;
  return { buf, cb, gen };
})();

interface UserBufferHandle {
  useUserBuffer?(b: Uint8Array): void;
}

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
  /** Reads go into rbuf (onread), reused unless a backend write still holds its bytes (`pinned`). */
  readonly userRead: boolean;
  pinned = false;
  rbuf: Buffer | null = null;

  constructor(
    readonly r: Router,
    readonly s: Socket,
  ) {
    const ra = s.remoteAddress ?? '';
    this.ip = ra.startsWith('::ffff:') ? ra.slice(7) : ra;
    s.setNoDelay(true);
    const handle = (s as unknown as { _handle?: UserBufferHandle })._handle;
    this.userRead = onreadKeys !== undefined && typeof handle?.useUserBuffer === 'function';
    if (this.userRead) {
      const k = onreadKeys!;
      const rec = s as unknown as Record<symbol, unknown>;
      const buf = this.readBuffer();
      rec[k.buf] = buf;
      rec[k.cb] = (n: number, b: Buffer) => {
        this.read(n === b.length ? b : b.subarray(0, n));
        return true;
      };
      rec[k.gen] = () => this.readBuffer();
      handle!.useUserBuffer!(buf);
    } else s.on('data', (d: Buffer) => this.read(d));
    s.on('error', noop);
    s.on('close', () => this.onClose());
    s.setTimeout(r.o.keepAliveMs, () => {
      if (!this.ex && !this.tunnel) s.destroy();
    });
  }

  private readBuffer(): Buffer {
    return nextReadBuffer(this);
  }

  private read(d: Buffer): void {
    // One connection's bad bytes end that connection, never the router.
    try {
      if (this.tunnel) return this.toTunnel(d);
      this.onData(d);
      // Bytes kept for later (a partial or pipelined request) must not be the reused read buffer's.
      if (this.userRead && this.buf && this.buf.buffer === d.buffer) this.buf = Buffer.from(this.buf);
    } catch (err) {
      logError(`router: client ${this.ip}`, err);
      this.s.destroy();
    }
  }

  /** After a 101, what a user-buffer client sends goes on to the app as it comes (a stream client is piped instead). */
  private toTunnel(d: Buffer): void {
    const out = this.tunnel!.s;
    if (!out.write(this.userRead ? Buffer.from(d) : d)) {
      this.s.pause();
      out.once('drain', () => this.s.resume());
    }
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
