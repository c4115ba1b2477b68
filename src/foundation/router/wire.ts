// HTTP/1.x heads as the router's proxy needs them: request and response heads
// parsed from latin1 strings (bytes pass through unchanged), malformed or
// ambiguous ones refused (request smuggling guards); a response head is
// rewritten for the client in the same pass (hop-by-hop headers out). Chunked
// bodies are delimited by chunked.ts.

/** Heads larger than this are refused (gorouter / Go: 1 MB; node: 16 KB). */
export const MAX_HEAD = 64 * 1024;

const CRLF = '\r\n';

/**
 * A parsed request head. `names`/`values` are the raw header lines in order
 * (parseRequestHead); scanRequestHead leaves them empty and sets `scanned`.
 */
export interface RequestHead {
  /** Made by scanRequestHead from bytes: reqDrops / `scanned` describe it until the next scan. */
  scanned: boolean;
  method: string;
  target: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  names: string[];
  lower: string[];
  values: string[];
  host: string;
  contentLength: number;
  chunked: boolean;
  /** Connection: close (or HTTP/1.0 without keep-alive). */
  close: boolean;
  /** Connection: upgrade + Upgrade header. */
  upgrade: string;
  /** Header names listed in Connection (besides close / keep-alive / upgrade), lower case. */
  connTokens: string[] | null;
  /** X-CF-APP-INSTANCE ('' when absent). */
  pin: string;
  /** (X-)Idempotency-Key was sent. */
  idempotencyKey: boolean;
  userAgent: string;
  referer: string;
}

/** `'bad'` for a malformed head (answered with 400 and the connection closed). */
export function parseRequestHead(head: string): RequestHead | 'bad' {
  const lineEnd = head.indexOf(CRLF);
  const reqLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
  const sp1 = reqLine.indexOf(' ');
  const sp2 = reqLine.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 <= sp1 + 1) return 'bad';
  const version = reqLine.slice(sp2 + 1);
  let minor: number;
  if (version === 'HTTP/1.1') minor = 1;
  else if (version === 'HTTP/1.0') minor = 0;
  else return 'bad';
  const method = reqLine.slice(0, sp1);
  const target = reqLine.slice(sp1 + 1, sp2);
  if (target.includes(' ')) return 'bad';
  const names: string[] = [];
  const lower: string[] = [];
  const values: string[] = [];
  let host = '';
  let hosts = 0;
  let contentLength = -1;
  let chunked = false;
  let te = false;
  let close = minor === 0;
  let upgradeHeader = '';
  let connUpgrade = false;
  let connTokens: string[] | null = null;
  let pos = lineEnd < 0 ? head.length : lineEnd + 2;
  while (pos < head.length) {
    let next = head.indexOf(CRLF, pos);
    if (next < 0) next = head.length;
    const c0 = head.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) return 'bad'; // obs-fold
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon >= next) return 'bad';
    const name = head.slice(pos, colon);
    if (!TOKEN.test(name)) return 'bad';
    const value = head.slice(colon + 1, next).trim();
    const lk = name.toLowerCase();
    names.push(name);
    lower.push(lk);
    values.push(value);
    switch (lk) {
      case 'host':
        host = value;
        hosts++;
        break;
      case 'content-length': {
        if (!/^\d+$/.test(value)) return 'bad';
        const n = Number(value);
        if (contentLength >= 0 && contentLength !== n) return 'bad';
        contentLength = n;
        break;
      }
      case 'transfer-encoding':
        te = true;
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
        if (!chunked) return 'bad';
        break;
      case 'connection':
        for (const raw of value.split(',')) {
          const t = raw.trim().toLowerCase();
          if (t === 'close') close = true;
          else if (t === 'keep-alive') {
            if (minor === 0) close = false;
          } else if (t === 'upgrade') connUpgrade = true;
          else if (t) (connTokens ??= []).push(t);
        }
        break;
      case 'upgrade':
        upgradeHeader = value;
        break;
    }
    pos = next + 2;
  }
  if (hosts > 1) return 'bad';
  if (te && contentLength >= 0) return 'bad'; // request smuggling guard (RFC 9112 §6.1)
  const field = (k: string) => {
    const i = lower.indexOf(k);
    return i < 0 ? '' : values[i]!;
  };
  return {
    scanned: false,
    method,
    target,
    minor,
    names,
    lower,
    values,
    host,
    contentLength,
    chunked,
    close,
    upgrade: connUpgrade ? upgradeHeader : '',
    connTokens,
    pin: field('x-cf-app-instance'),
    idempotencyKey: lower.includes('idempotency-key') || lower.includes('x-idempotency-key'),
    userAgent: field('user-agent'),
    referer: field('referer'),
  };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Strings made from a connection's previous request, reused while the bytes are the same (keep-alive clients repeat them). */
export class HeadStrings {
  host = '';
  target = '';
  userAgent = '';
  referer = '';
}

/** buf[a, b) as latin1 is `str`. */
function bytesAre(buf: Buffer, a: number, b: number, str: string): boolean {
  if (b - a !== str.length) return false;
  for (let i = a; i < b; i++) if (buf[i] !== str.charCodeAt(i - a)) return false;
  return true;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
const TOKEN_BYTE = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_BYTE[c.charCodeAt(0)] = 1;

/** scanRequestHead: a head the byte path leaves to parseRequestHead (Connection naming other headers, a huge Content-Length). */
export const REQ_SLOW = null;

/**
 * Request lines scanRequestHead found for the app's head to leave out, as
 * [start, end) pairs in the buffer it scanned, `n` of them. Shared: read
 * (Exchange's head, headers.ts writeForwardHead) before the next scan.
 */
export const reqDrops = { n: 0, at: new Int32Array(32) };

/**
 * parseRequestHead on the bytes buf[start, end) (end: where CRLFCRLF
 * starts), with the same checks and results, but without a string for the
 * head or an array of its headers: the lines the router does not pass on
 * (hop-by-hop, X-Forwarded-For, X-Vcap-Request-Id, X-Cf-*) are listed in
 * reqDrops, and strings a keep-alive client repeats come from `cache`.
 */
export function scanRequestHead(buf: Buffer, start: number, end: number, cache: HeadStrings): RequestHead | 'bad' | null {
  let lineEnd = start;
  while (lineEnd < end && buf[lineEnd] !== 13) lineEnd++;
  if (lineEnd < end && buf[lineEnd + 1] !== 10) return REQ_SLOW;
  let sp1 = start;
  while (sp1 < lineEnd && buf[sp1] !== 32) sp1++;
  let sp2 = lineEnd - 1;
  while (sp2 > sp1 && buf[sp2] !== 32) sp2--;
  if (sp1 >= lineEnd || sp1 === start || sp2 <= sp1 + 1) return 'bad';
  if (lineEnd - sp2 !== 9 || !bytesAre(buf, sp2 + 1, lineEnd - 1, 'HTTP/1.')) return 'bad';
  const mv = buf[lineEnd - 1];
  if (mv !== 48 && mv !== 49) return 'bad';
  const minor = mv - 48;
  for (let i = sp1 + 1; i < sp2; i++) if (buf[i] === 32) return 'bad';
  let method = '';
  for (const m of METHODS) if (bytesAre(buf, start, sp1, m)) method = m;
  if (!method) method = buf.toString('latin1', start, sp1);
  if (!bytesAre(buf, sp1 + 1, sp2, cache.target)) cache.target = buf.toString('latin1', sp1 + 1, sp2);
  const target = cache.target;
  let host = '';
  let hosts = 0;
  let contentLength = -1;
  let chunked = false;
  let te = false;
  let close = minor === 0;
  let upgradeHeader = '';
  let connUpgrade = false;
  let pin = '';
  let idempotencyKey = false;
  let userAgent = '';
  let referer = '';
  let xff = '';
  let proto = '';
  let hasStart = false;
  let nDrops = 0;
  const drops = reqDrops.at;
  let pos = lineEnd + 2;
  while (pos < end + 2) {
    const lineStart = pos;
    const c0 = buf[pos]!;
    if (c0 === 32 || c0 === 9) return 'bad'; // obs-fold
    let colon = -1;
    let next = pos;
    while (next < end && buf[next] !== 13) {
      if (colon < 0 && buf[next] === 58) colon = next;
      next++;
    }
    if (next < end && buf[next + 1] !== 10) return REQ_SLOW; // a bare CR inside a line
    if (colon <= lineStart) return 'bad';
    for (let i = lineStart; i < colon; i++) if (TOKEN_BYTE[buf[i]!] === 0) return 'bad';
    let va = colon + 1;
    let vb = next;
    while (va < vb && isSpace(buf[va]!)) va++;
    while (vb > va && isSpace(buf[vb - 1]!)) vb--;
    const n = colon - lineStart;
    let drop = false;
    switch (n) {
      case 2:
        drop = nameIs(buf, lineStart, 'te');
        break;
      case 4:
        if (nameIs(buf, lineStart, 'host')) {
          if (!bytesAre(buf, va, vb, cache.host)) cache.host = buf.toString('latin1', va, vb);
          host = cache.host;
          hosts++;
        }
        break;
      case 7:
        if (nameIs(buf, lineStart, 'upgrade')) {
          upgradeHeader = buf.toString('latin1', va, vb);
          drop = true;
        } else if (nameIs(buf, lineStart, 'trailer')) drop = true;
        else if (nameIs(buf, lineStart, 'referer')) {
          if (!bytesAre(buf, va, vb, cache.referer)) cache.referer = buf.toString('latin1', va, vb);
          referer = cache.referer;
        }
        break;
      case 10:
        if (nameIs(buf, lineStart, 'connection')) {
          drop = true;
          const t = connectionTokens(buf, colon + 1, next);
          if (t & CONN_OTHER) return REQ_SLOW; // names headers to drop
          if (t & CONN_CLOSE) close = true;
          else if (t & CONN_KEEP_ALIVE && minor === 0) close = false;
          if (t & CONN_UPGRADE) connUpgrade = true;
        } else if (nameIs(buf, lineStart, 'keep-alive')) drop = true;
        else if (nameIs(buf, lineStart, 'user-agent')) {
          if (!bytesAre(buf, va, vb, cache.userAgent)) cache.userAgent = buf.toString('latin1', va, vb);
          userAgent = cache.userAgent;
        }
        break;
      case 14:
        if (nameIs(buf, lineStart, 'content-length')) {
          if (va === vb) return 'bad';
          if (vb - va > 15) return REQ_SLOW;
          let v = 0;
          for (let i = va; i < vb; i++) {
            const c = buf[i]! - 48;
            if (c < 0 || c > 9) return 'bad';
            v = v * 10 + c;
          }
          if (contentLength >= 0 && contentLength !== v) return 'bad';
          contentLength = v;
        }
        break;
      case 15:
        if (nameIs(buf, lineStart, 'x-forwarded-for')) {
          const v = buf.toString('latin1', va, vb);
          xff = xff ? `${xff}, ${v}` : v;
          drop = true;
        } else if (nameIs(buf, lineStart, 'x-request-start')) hasStart = true;
        else if (nameIs(buf, lineStart, 'idempotency-key')) idempotencyKey = true;
        else if (nameIs(buf, lineStart, 'x-cf-instanceid')) drop = true;
        break;
      case 16:
        drop = nameIs(buf, lineStart, 'proxy-connection');
        break;
      case 17:
        if (nameIs(buf, lineStart, 'transfer-encoding')) {
          te = true;
          // The last coding must be chunked: /(?:^|,)\s*chunked\s*$/i
          let a = vb;
          while (a > va && buf[a - 1] !== 44) a--;
          while (a < vb && isSpace(buf[a]!)) a++;
          chunked = vb - a === 7 && nameIs(buf, a, 'chunked');
          if (!chunked) return 'bad';
        } else if (nameIs(buf, lineStart, 'x-forwarded-proto')) proto = buf.toString('latin1', va, vb);
        else if (nameIs(buf, lineStart, 'x-vcap-request-id')) drop = true;
        else if (nameIs(buf, lineStart, 'x-cf-app-instance')) pin = buf.toString('latin1', va, vb);
        else if (nameIs(buf, lineStart, 'x-idempotency-key')) idempotencyKey = true;
        break;
      case 18:
        drop = nameIs(buf, lineStart, 'x-cf-applicationid') || nameIs(buf, lineStart, 'x-cf-instanceindex');
        break;
    }
    if (drop) {
      if (nDrops === 16) return REQ_SLOW;
      drops[nDrops * 2] = lineStart;
      drops[nDrops * 2 + 1] = next + 2;
      nDrops++;
    }
    pos = next + 2;
  }
  if (hosts > 1) return 'bad';
  if (te && contentLength >= 0) return 'bad'; // request smuggling guard (RFC 9112 §6.1)
  reqDrops.n = nDrops;
  scanned.xff = xff;
  scanned.proto = proto;
  scanned.hasStart = hasStart;
  return {
    scanned: true,
    method,
    target,
    minor,
    names: NONE,
    lower: NONE,
    values: NONE,
    host,
    contentLength,
    chunked,
    close,
    upgrade: connUpgrade ? upgradeHeader : '',
    connTokens: null,
    pin,
    idempotencyKey,
    userAgent,
    referer,
  };
}

const NONE: string[] = [];

/** What else the last scanRequestHead found for the app's head: X-Forwarded-For values sent ('' if none), X-Forwarded-Proto, X-Request-Start. */
export const scanned = { xff: '', proto: '', hasStart: false };

export interface ResponseHead {
  status: number;
  /** The head to send to the client (hop-by-hop headers removed), ending in CRLFCRLF. */
  out: string;
  contentLength: number;
  chunked: boolean;
  /** The backend will close after this response. */
  close: boolean;
}

const RES_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/**
 * Parses a backend's response head and rewrites it for the client: drops
 * hop-by-hop headers (keeps Connection/Upgrade on a 101), keeps
 * Transfer-Encoding since chunked bodies pass through as they are.
 */
export function parseResponseHead(head: string): ResponseHead | undefined {
  const lineEnd = head.indexOf(CRLF);
  const statusLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
  if (!statusLine.startsWith('HTTP/1.')) return undefined;
  const status = Number(statusLine.slice(9, 12));
  if (!(status >= 100 && status <= 999)) return undefined;
  const http10 = statusLine.charCodeAt(7) === 48;
  let out = 'HTTP/1.1' + statusLine.slice(8) + CRLF;
  let contentLength = -1;
  let chunked = false;
  let close = http10;
  let dropped: string[] | null = null;
  let pos = lineEnd < 0 ? head.length : lineEnd + 2;
  const keepUpgrade = status === 101;
  while (pos < head.length) {
    let next = head.indexOf(CRLF, pos);
    if (next < 0) next = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon >= next) return undefined;
    const lk = head.slice(pos, colon).toLowerCase();
    if (lk === 'content-length') {
      const v = head.slice(colon + 1, next).trim();
      if (!/^\d+$/.test(v)) return undefined;
      contentLength = Number(v);
    } else if (lk === 'transfer-encoding') {
      chunked = /chunked\s*$/i.test(head.slice(colon + 1, next));
    } else if (lk === 'connection') {
      const v = head.slice(colon + 1, next).toLowerCase();
      if (v.includes('close')) close = true;
      else if (http10 && v.includes('keep-alive')) close = false;
      for (const t of v.split(',')) {
        const tt = t.trim();
        if (tt && tt !== 'close' && tt !== 'keep-alive' && tt !== 'upgrade') (dropped ??= []).push(tt);
      }
    }
    if (!RES_HOP.has(lk) || (keepUpgrade && (lk === 'connection' || lk === 'upgrade'))) {
      if (dropped === null || !dropped.includes(lk)) out += head.slice(pos, next) + CRLF;
    }
    pos = next + 2;
  }
  if (chunked) contentLength = -1;
  return { status, out, contentLength, chunked, close };
}

/** What scanResponseHead found; one shared object, read before the next call. */
export const resScan = { status: 0, contentLength: -1, chunked: false, close: false };

/** scanResponseHead: a malformed head. */
export const RES_BAD = -1;
/** scanResponseHead: a head the byte path leaves to parseResponseHead (a 101, extra Connection tokens, a huge Content-Length). */
export const RES_SLOW = -2;

/** Hop-by-hop lines dropped from one head, as [start, end) pairs (more than 8 → the slow path). */
const drops = new Int32Array(16);

/** buf[a, a + lit.length) is `lit` (lower-case letters and '-') in any case. */
function nameIs(buf: Buffer, a: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) {
    const l = lit.charCodeAt(i);
    const c = buf[a + i]!;
    if (c !== l && (l === 45 || (c | 0x20) !== l)) return false;
  }
  return true;
}

const isSpace = (c: number) => c === 32 || c === 9;

/**
 * The response head in buf[start, headEnd) (headEnd: where its CRLFCRLF
 * starts), parsed and rewritten for the client in place, on the bytes of the
 * read buffer: hop-by-hop lines are cut out by moving the lines before them
 * towards the body, and an HTTP/1.0 status line says HTTP/1.1. Returns where
 * the rewritten head now starts (it still ends at headEnd + 4, so head and body
 * stay contiguous), RES_BAD or RES_SLOW; the figures are in `resScan`. Same
 * rules as parseResponseHead, which handles what this leaves to it.
 */
export function scanResponseHead(buf: Buffer, start: number, headEnd: number): number {
  // "HTTP/1.x NNN"
  if (headEnd - start < 12 || buf[start] !== 72 || buf[start + 1] !== 84 || buf[start + 2] !== 84 || buf[start + 3] !== 80) return RES_BAD;
  if (buf[start + 4] !== 47 || buf[start + 5] !== 49 || buf[start + 6] !== 46) return RES_BAD;
  const d0 = buf[start + 9]! - 48;
  const d1 = buf[start + 10]! - 48;
  const d2 = buf[start + 11]! - 48;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return RES_BAD;
  const status = d0 * 100 + d1 * 10 + d2;
  if (status === 101) return RES_SLOW;
  const http10 = buf[start + 7] === 48;
  let contentLength = -1;
  let chunked = false;
  let close = http10;
  let nDrops = 0;
  // The end of the status line.
  let pos = start;
  while (pos < headEnd && buf[pos] !== 13) pos++;
  pos += 2;
  while (pos < headEnd + 2) {
    const lineStart = pos;
    let colon = -1;
    let next = pos;
    while (next < headEnd && buf[next] !== 13) {
      if (colon < 0 && buf[next] === 58) colon = next;
      next++;
    }
    if (next < headEnd && buf[next + 1] !== 10) return RES_SLOW; // a bare CR inside a line
    if (colon <= lineStart) return RES_BAD;
    const n = colon - lineStart;
    let drop = false;
    if (n === 14 && nameIs(buf, lineStart, 'content-length')) {
      let a = colon + 1;
      let b = next;
      while (a < b && isSpace(buf[a]!)) a++;
      while (b > a && isSpace(buf[b - 1]!)) b--;
      if (a === b) return RES_BAD;
      if (b - a > 15) return RES_SLOW;
      let v = 0;
      for (let i = a; i < b; i++) {
        const c = buf[i]! - 48;
        if (c < 0 || c > 9) return RES_BAD;
        v = v * 10 + c;
      }
      contentLength = v;
    } else if (n === 17 && nameIs(buf, lineStart, 'transfer-encoding')) {
      let b = next;
      while (b > colon + 1 && isSpace(buf[b - 1]!)) b--;
      chunked = b - 7 > colon && nameIs(buf, b - 7, 'chunked');
    } else if (n === 10 && nameIs(buf, lineStart, 'connection')) {
      drop = true;
      const t = connectionTokens(buf, colon + 1, next);
      if (t & CONN_OTHER) return RES_SLOW; // names other headers to drop
      if (t & CONN_CLOSE) close = true;
      else if (http10 && t & CONN_KEEP_ALIVE) close = false;
    } else if (
      (n === 10 && nameIs(buf, lineStart, 'keep-alive')) ||
      (n === 16 && nameIs(buf, lineStart, 'proxy-connection')) ||
      (n === 2 && nameIs(buf, lineStart, 'te')) ||
      (n === 7 && (nameIs(buf, lineStart, 'trailer') || nameIs(buf, lineStart, 'upgrade')))
    )
      drop = true;
    if (drop) {
      if (nDrops === 8) return RES_SLOW;
      drops[nDrops * 2] = lineStart;
      drops[nDrops * 2 + 1] = next + 2;
      nDrops++;
    }
    pos = next + 2;
  }
  if (http10) buf[start + 7] = 49;
  // Cut the dropped lines: the kept pieces before each move right, up to the next kept piece.
  let w = headEnd + 4;
  let segEnd = w;
  for (let k = nDrops - 1; k >= -1; k--) {
    const segStart = k >= 0 ? drops[k * 2 + 1]! : start;
    const len = segEnd - segStart;
    w -= len;
    if (w !== segStart && len > 0) buf.copyWithin(w, segStart, segEnd);
    if (k >= 0) segEnd = drops[k * 2]!;
  }
  resScan.status = status;
  resScan.contentLength = chunked ? -1 : contentLength;
  resScan.chunked = chunked;
  resScan.close = close;
  return w;
}

/**
 * Where a response head ends when its lines end in a bare LF (`\n\n`, or
 * `\n\r\n` after one): [end of the head, length of the blank-line separator], or [-1, 0].
 */
export function bareLfHeadEnd(buf: Buffer, at: number): [number, number] {
  const i = buf.indexOf('\n\n', at, 'latin1');
  const j = buf.indexOf('\n\r\n', at, 'latin1');
  if (i < 0 && j < 0) return [-1, 0];
  return i >= 0 && (j < 0 || i < j) ? [i, 2] : [j, 3];
}

/** True when a response to `method` with `status` has no body whatever its headers say. */
export function bodyless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

const CONN_CLOSE = 1;
const CONN_KEEP_ALIVE = 2;
const CONN_UPGRADE = 4;
const CONN_OTHER = 8;

/** The tokens of a Connection header's value in buf[a, end), as CONN_* bits (request and response heads alike). */
function connectionTokens(buf: Buffer, a: number, end: number): number {
  let bits = 0;
  while (a < end) {
    let e = a;
    while (e < end && buf[e] !== 44) e++;
    let ta = a;
    let tb = e;
    while (ta < tb && isSpace(buf[ta]!)) ta++;
    while (tb > ta && isSpace(buf[tb - 1]!)) tb--;
    const len = tb - ta;
    if (len === 5 && nameIs(buf, ta, 'close')) bits |= CONN_CLOSE;
    else if (len === 10 && nameIs(buf, ta, 'keep-alive')) bits |= CONN_KEEP_ALIVE;
    else if (len === 7 && nameIs(buf, ta, 'upgrade')) bits |= CONN_UPGRADE;
    else if (len !== 0) bits |= CONN_OTHER;
    a = e + 1;
  }
  return bits;
}

const READ_BUF = 16 * 1024;

/** A connection's reused 16 KB read buffer; a fresh one once the last one's bytes are still held (`pinned`). */
export function nextReadBuffer(c: { pinned: boolean; rbuf: Buffer | null }): Buffer {
  if (c.pinned || !c.rbuf) {
    c.rbuf = Buffer.allocUnsafeSlow(READ_BUF);
    c.pinned = false;
  }
  return c.rbuf;
}
