// Where a chunked HTTP/1.1 body ends (RFC 9112 §7.1), for request and
// response bodies the router passes through as they are: a byte-at-a-time state
// machine fed the pieces as they arrive, which never decodes or copies them.
// Apart from wire.ts (one head at a time) because its state lives across reads.

const enum C {
  Size,
  Ext,
  SizeLF,
  Data,
  DataCR,
  DataLF,
  Trailer,
  TrailerLF,
  Done,
}

/** Finds the end of a chunked body fed in pieces, without decoding it. */
export class ChunkScanner {
  private state = C.Size;
  private size = 0;
  private digits = 0;
  private lineLen = 0;

  /** Returns the index just past the body's end in `buf`, -1 if it goes on, or -2 if malformed. */
  feed(buf: Buffer, start = 0): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case C.Size: {
          const c = buf[i]!;
          const h = hex(c);
          if (h >= 0) {
            if (++this.digits > 15) return -2;
            this.size = this.size * 16 + h;
          } else if (c === 13) {
            if (this.digits === 0) return -2;
            this.state = C.SizeLF;
          } else if (c === 59 || c === 32 || c === 9) {
            if (this.digits === 0) return -2;
            this.state = C.Ext;
          } else return -2;
          i++;
          break;
        }
        case C.Ext:
          if (buf[i] === 13) this.state = C.SizeLF;
          i++;
          break;
        case C.SizeLF:
          if (buf[i] !== 10) return -2;
          i++;
          if (this.size === 0) {
            this.state = C.Trailer;
            this.lineLen = 0;
          } else this.state = C.Data;
          break;
        case C.Data: {
          const take = Math.min(this.size, n - i);
          i += take;
          this.size -= take;
          if (this.size === 0) this.state = C.DataCR;
          break;
        }
        case C.DataCR:
          if (buf[i] !== 13) return -2;
          this.state = C.DataLF;
          i++;
          break;
        case C.DataLF:
          if (buf[i] !== 10) return -2;
          this.state = C.Size;
          this.digits = 0;
          i++;
          break;
        case C.Trailer:
          if (buf[i] === 13) this.state = C.TrailerLF;
          else this.lineLen++;
          i++;
          break;
        case C.TrailerLF:
          if (buf[i] !== 10) return -2;
          i++;
          if (this.lineLen === 0) {
            this.state = C.Done;
            return i;
          }
          this.lineLen = 0;
          this.state = C.Trailer;
          break;
        case C.Done:
          return i;
      }
    }
    return -1;
  }
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
