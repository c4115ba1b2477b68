// The app side of the router: one keep-alive connection to an instance's port,
// carrying the Exchanges written on it in order (more than one when Router.flush
// pipelines a batch). Idle ones wait in Router's pool between requests.
import { connect, type Socket } from 'node:net';
import { logError } from '../log';
import type { Exchange } from './exchange';
import type { Router } from './router';
import { nextReadBuffer } from './wire';

/** Size of a backend connection's read buffer. */

/**
 * A keep-alive connection to one backend port. Its reads go into a buffer of
 * its own, reused read after read (node's `onread`: no new buffer and no
 * stream machinery per read), so response bytes written to a client straight
 * from it must be sent before the next read overwrites them: a write the
 * kernel did not take at once sets `pinned` (Exchange.resBody), and the next
 * read goes into a fresh buffer, the old one left to the pending write.
 * Connections for an upgrade read as a plain stream (their tunnel pipes it).
 */
export class BackendConn {
  /** Exchanges written on this connection, answered in order (more than one only for a coalesced batch). */
  readonly queue: Exchange[] = [];
  idleSince = 0;
  connected = false;
  /** Served a request before (a keep-alive socket the backend may have just closed). */
  reused = false;
  err: NodeJS.ErrnoException | undefined;
  readonly s: Socket;
  /** The read buffer has bytes a client write still holds: read into a new one. */
  pinned = false;
  rbuf: Buffer | null = null;

  constructor(
    readonly r: Router,
    readonly port: number,
    plain = false,
  ) {
    this.s = plain
      ? connect({ host: '127.0.0.1', port })
      : connect({
          host: '127.0.0.1',
          port,
          onread: {
            buffer: () => this.readBuffer(),
            callback: (n: number, buf: Uint8Array) => {
              this.read(n === buf.length ? (buf as Buffer) : (buf as Buffer).subarray(0, n));
              return true;
            },
          },
        });
    this.s.setNoDelay(true);
    this.s.on('connect', () => {
      this.connected = true;
      this.writeHeads(this.queue);
    });
    if (plain) this.s.on('data', (d: Buffer) => this.read(d));
    this.s.on('error', (err: NodeJS.ErrnoException) => {
      this.err ??= err;
    });
    this.s.on('close', () => {
      if (!this.queue.length) return this.r.dropIdle(this);
      const q = this.queue.splice(0);
      for (let i = 0; i < q.length; i++) q[i]!.backendGone(this, i > 0);
    });
  }

  /**
   * Heads of a batch go out in one write (one range of the heads' slab when
   * they were made one after the other, as they usually are); a lone
   * request's held body follows in the same writev.
   */
  writeHeads(exs: Exchange[]): void {
    if (exs.length === 1) return exs[0]!.writeTo(this.s);
    const first = exs[0]!.wire();
    let end = first.byteOffset + first.length;
    let contiguous = true;
    for (let i = 1; i < exs.length && contiguous; i++) {
      const h = exs[i]!.wire();
      contiguous = h.buffer === first.buffer && h.byteOffset === end;
      end += h.length;
    }
    if (contiguous) this.s.write(Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset));
    else {
      this.s.cork();
      for (const ex of exs) this.s.write(ex.wire());
      this.s.uncork();
    }
  }

  private readBuffer(): Buffer {
    return nextReadBuffer(this);
  }

  private read(d: Buffer): void {
    try {
      this.onData(d);
    } catch (err) {
      logError(`router: backend port ${this.port}`, err);
      this.s.destroy();
    }
  }

  private onData(d: Buffer): void {
    let from = 0;
    while (from < d.length) {
      const ex = this.queue[0];
      if (!ex) {
        // Bytes nobody asked for: never reuse this connection.
        this.s.destroy();
        return;
      }
      from = ex.consume(d, from);
      if (this.s.destroyed) return;
    }
  }
}
