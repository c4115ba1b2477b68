// The streaming side of the log store: `GET /api/v1/stream/:source_id`, as
// server-sent events shaped like the RLP gateway's (`data: {"batch":[envelope]}`).
// Authenticated like every other log-cache/CC call (bearer token).
//
//   ?start_time=<ns>  replay what the ring still holds from that time first
//
// A `: connected` comment is sent as soon as the subscription is live, and a
// `: keep-alive` comment every 15 s so proxies keep the connection open.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Foundation } from './context';
import type { Envelope } from './logs';

const PREFIX = '/api/v1/stream/';
const KEEPALIVE_MS = 15_000;
/** A client that stops reading is cut off rather than buffered without bound. */
const MAX_BUFFERED = 1 << 20;

function cfError(res: ServerResponse, status: number, code: number, title: string, detail: string): void {
  const body = JSON.stringify({ errors: [{ code, title, detail }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Handles the request when it is a log stream; returns false to let the CC dispatcher take it. */
export function handleLogStream(f: Foundation, req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? '/';
  if (!url.startsWith(PREFIX)) return false;
  void serve(f, req, res, new URL(url, 'http://x')).catch(() => res.destroy());
  return true;
}

async function serve(f: Foundation, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return cfError(res, 405, 10000, 'CF-NotFound', 'Unknown request');
  let sourceId = '';
  try {
    sourceId = decodeURIComponent(url.pathname.slice(PREFIX.length).replace(/\/$/, ''));
  } catch {
    /* a malformed escape names no source */
  }
  if (!sourceId || sourceId.includes('/')) return cfError(res, 404, 10000, 'CF-NotFound', 'Unknown request');
  const h = req.headers.authorization;
  if (!h) return cfError(res, 401, 10002, 'CF-NotAuthenticated', 'Authentication error');
  const m = /^bearer\s+(.+)$/i.exec(h.trim());
  if (!m || !(await f.auth.verify(m[1]!))) return cfError(res, 401, 1000, 'CF-InvalidAuthToken', 'Invalid Auth Token');
  const rawStart = url.searchParams.get('start_time');
  if (rawStart !== null && !/^\d+$/.test(rawStart)) return cfError(res, 400, 10005, 'CF-BadQueryParameter', 'start_time must be an integer');
  const types = url.searchParams.get('envelope_types');
  const wantLogs = !types || types.split(',').includes('LOG');

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  if (req.method === 'HEAD') return void res.end();

  let lastNs = -1n;
  const send = (e: Envelope) => {
    const ns = BigInt(e.timestamp);
    if (ns <= lastNs) return; // replay and live overlap: never twice
    lastNs = ns;
    if (res.writableLength > MAX_BUFFERED) return void res.destroy();
    res.write(`data: ${JSON.stringify({ batch: [e] })}\n\n`);
  };
  // Subscribe first, hold live lines until the replay is out, so nothing falls in between.
  const held: Envelope[] = [];
  let replaying = true;
  const unsubscribe = wantLogs ? f.logs.subscribe(sourceId, (e) => (replaying ? held.push(e) : send(e))) : () => {};
  if (wantLogs && rawStart !== null) {
    let start = BigInt(rawStart);
    for (;;) {
      const batch = f.logs.read(sourceId, { startNs: start, limit: 1000 });
      for (const e of batch) send(e);
      if (batch.length < 1000) break;
      start = BigInt(batch[batch.length - 1]!.timestamp) + 1n;
    }
  }
  replaying = false;
  for (const e of held.splice(0)) send(e);
  res.write(': connected\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
  keepAlive.unref();
  const done = () => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  res.once('close', done);
  req.once('close', done);
}
