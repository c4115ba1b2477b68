// What the router changes in a request head on its way to an app, as gorouter
// does (handlers/hop_by_hop.go, x_forwarded_proto.go, request_info.go,
// proxy/round_tripper): hop-by-hop headers and those named in Connection are
// dropped, X-Forwarded-For gets the client's address, X-Forwarded-Proto and
// X-Request-Start are set when absent, X-Vcap-Request-Id is replaced, and the
// instance's X-Cf-Applicationid / -Instanceindex / -Instanceid close the head
// (any the client sent are dropped). The response side (hop-by-hop headers
// out of an app's response) is done while parsing it, in wire.ts.
import { randomFillSync } from 'node:crypto';
import type { Endpoint } from '../supervisor';
import { reqDrops, type RequestHead } from './wire';

/** What the rewritten head forwards, kept for the request's access line. */
export interface Forwarded {
  /** X-Forwarded-For as sent to the app. */
  xff: string;
  /** X-Forwarded-Proto as the client sent it ('http' when it sent none). */
  proto: string;
}

/**
 * The part of the app's request head that does not depend on the instance:
 * the request line and headers, ending in a CRLF (instanceHeaders follows).
 * Sets `fwd.xff`, and `fwd.proto` when the client sent one.
 */
export function forwardHead(req: RequestHead, clientIp: string, startMs: number, requestId: string, fwd: Forwarded): string {
  const { names, lower, values, connTokens } = req;
  let h = `${req.method} ${req.target} HTTP/1.${req.minor}\r\n`;
  let xff = '';
  let proto = false;
  let start = false;
  for (let i = 0; i < names.length; i++) {
    const lk = lower[i]!;
    switch (lk) {
      case 'connection':
      case 'keep-alive':
      case 'proxy-connection':
      case 'te':
      case 'trailer':
      case 'upgrade':
      case 'x-vcap-request-id':
      case 'x-cf-applicationid':
      case 'x-cf-instanceindex':
      case 'x-cf-instanceid':
        continue;
      case 'x-forwarded-for':
        xff = xff ? `${xff}, ${values[i]}` : values[i]!;
        continue;
      case 'x-forwarded-proto':
        proto = true;
        fwd.proto = values[i]!;
        break;
      case 'x-request-start':
        start = true;
        break;
    }
    if (connTokens !== null && connTokens.includes(lk)) continue;
    h += `${names[i]}: ${values[i]}\r\n`;
  }
  fwd.xff = xff ? `${xff}, ${clientIp}` : clientIp;
  h += `X-Forwarded-For: ${fwd.xff}\r\n`;
  if (!proto) h += 'X-Forwarded-Proto: http\r\n';
  if (!start) h += `X-Request-Start: ${startMs}\r\n`;
  h += `X-Vcap-Request-Id: ${requestId}\r\n`;
  if (req.upgrade) h += `Connection: Upgrade\r\nUpgrade: ${req.upgrade}\r\n`;
  return h;
}

/** X-Cf-Applicationid / -Instanceindex / -Instanceid lines + the blank line ending the head, rendered once per table build. */
export function instanceHeaders(e: Endpoint): string {
  return `X-Cf-Applicationid: ${e.appGuid}\r\nX-Cf-Instanceindex: ${e.index}\r\nX-Cf-Instanceid: ${e.instanceGuid}\r\n\r\n`;
}

// The app's request head on bytes (the usual case, after wire.ts
// scanRequestHead): the client's lines copied from its read buffer in runs,
// without the lines scanRequestHead listed in reqDrops, then the router's own
// lines, then the instance's lines. Heads are laid out one after the other in
// a shared slab, so the heads of a pipelined batch are usually one range (one
// write). A region is never written again once handed out (a socket may still
// be sending it); a full slab is replaced and collected when its last head is sent.

const SLAB = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB);
let slabAt = 0;

/** `n` bytes of the current slab: their offset in `slabNow()`. */
function take(n: number): number {
  if (slabAt + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB, n));
    slabAt = 0;
  }
  const at = slabAt;
  slabAt += n;
  return at;
}

function putStr(buf: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return at + s.length;
}

function putBytes(dst: Buffer, at: number, src: Buffer, a: number, b: number): number {
  if (b - a > 128) {
    src.copy(dst, at, a, b);
    return at + (b - a);
  }
  for (let i = a; i < b; i++) dst[at++] = src[i]!;
  return at;
}

/** Random bytes for request ids, drawn 4 KB at a time. */
const rnd = Buffer.allocUnsafeSlow(4096);
let rndAt = rnd.length;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** A version 4 UUID (as randomUUID makes) written as 36 latin1 bytes at `at`. */
function putUuid(buf: Buffer, at: number): number {
  if (rndAt + 16 > rnd.length) {
    randomFillSync(rnd);
    rndAt = 0;
  }
  for (let i = 0; i < 16; i++) {
    let b = rnd[rndAt + i]!;
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) buf[at++] = 45;
    buf[at++] = HEX[b >> 4]!;
    buf[at++] = HEX[b & 15]!;
  }
  rndAt += 16;
  return at;
}

function putInt(buf: Buffer, at: number, v: number): number {
  let d = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) d++;
  for (let i = at + d - 1; i >= at; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + d;
}

const XFF = 'X-Forwarded-For: ';
const XFP = 'X-Forwarded-Proto: http\r\n';
const XRS = 'X-Request-Start: ';
const XVR = 'X-Vcap-Request-Id: ';

/** A head written by writeForwardHead: the bytes and where the request id is in them. */
export interface WireHead {
  buf: Buffer;
  /** Length of the part that does not depend on the instance (the instance's lines follow). */
  fwdLen: number;
  /** Offset of the 36-byte request id in buf. */
  idAt: number;
}

/**
 * The app's head for a request scanned by scanRequestHead from
 * client[start, end) (the same turn: reqDrops is still its list), with `tail`
 * (the instance's lines). Sets fwd.xff and fwd.proto.
 */
export function writeForwardHead(
  client: Buffer,
  start: number,
  end: number,
  sent: { xff: string; proto: string; hasStart: boolean },
  upgrade: string,
  clientIp: string,
  startMs: number,
  tail: Buffer,
  fwd: Forwarded,
): WireHead {
  const xff = sent.xff ? `${sent.xff}, ${clientIp}` : clientIp;
  fwd.xff = xff;
  if (sent.proto) fwd.proto = sent.proto;
  const nd = reqDrops.n;
  const drops = reqDrops.at;
  let kept = end + 2 - start;
  for (let k = 0; k < nd; k++) kept -= drops[k * 2 + 1]! - drops[k * 2]!;
  let n = kept + XFF.length + xff.length + 2 + XVR.length + 38;
  if (!sent.proto) n += XFP.length;
  if (!sent.hasStart) n += XRS.length + 18;
  if (upgrade) n += 33 + upgrade.length;
  n += tail.length;
  const at0 = take(n);
  const buf = slab;
  let at = at0;
  let from = start;
  for (let k = 0; k < nd; k++) {
    at = putBytes(buf, at, client, from, drops[k * 2]!);
    from = drops[k * 2 + 1]!;
  }
  at = putBytes(buf, at, client, from, end + 2);
  at = putStr(buf, at, XFF);
  at = putStr(buf, at, xff);
  at = putStr(buf, at, '\r\n');
  if (!sent.proto) at = putStr(buf, at, XFP);
  if (!sent.hasStart) {
    at = putStr(buf, at, XRS);
    at = putInt(buf, at, startMs);
    at = putStr(buf, at, '\r\n');
  }
  at = putStr(buf, at, XVR);
  const idAt = at - at0;
  at = putUuid(buf, at);
  at = putStr(buf, at, '\r\n');
  if (upgrade) {
    at = putStr(buf, at, 'Connection: Upgrade\r\nUpgrade: ');
    at = putStr(buf, at, upgrade);
    at = putStr(buf, at, '\r\n');
  }
  const fwdLen = at - at0;
  at = putBytes(buf, at, tail, 0, tail.length);
  // Unused room (the X-Request-Start digits were counted at their most) goes back if nothing was taken since.
  if (slab === buf && slabAt === at0 + n) slabAt = at;
  return { buf: buf.subarray(at0, at), fwdLen, idAt };
}

/** The same head for another instance (a retry): the instance-free part copied, then `tail`. */
export function retarget(h: WireHead, tail: Buffer): WireHead {
  const at0 = take(h.fwdLen + tail.length);
  const buf = slab;
  let at = putBytes(buf, at0, h.buf, 0, h.fwdLen);
  at = putBytes(buf, at, tail, 0, tail.length);
  return { buf: buf.subarray(at0, at), fwdLen: h.fwdLen, idAt: h.idAt };
}

/** A head made as a string (forwardHead + the instance's lines) in the same layout. */
export function stringHead(fwdStr: string, idAt: number, tail: Buffer): WireHead {
  const at0 = take(fwdStr.length + tail.length);
  const buf = slab;
  let at = putStr(buf, at0, fwdStr);
  at = putBytes(buf, at, tail, 0, tail.length);
  return { buf: buf.subarray(at0, at), fwdLen: fwdStr.length, idAt };
}
