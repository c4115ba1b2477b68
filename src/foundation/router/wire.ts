// HTTP/1.x heads as the router's proxy needs them: request and response heads
// parsed from latin1 strings (bytes pass through unchanged), malformed or
// ambiguous ones refused (request smuggling guards); a response head is
// rewritten for the client in the same pass (hop-by-hop headers out). Chunked
// bodies are delimited by chunked.ts.

/** Heads larger than this are refused (gorouter / Go: 1 MB; node: 16 KB). */
export const MAX_HEAD = 64 * 1024;

const CRLF = '\r\n';

/** A parsed request head. `names`/`values` are the raw header lines in order. */
export interface RequestHead {
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
  return { method, target, minor, names, lower, values, host, contentLength, chunked, close, upgrade: connUpgrade ? upgradeHeader : '', connTokens };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

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
