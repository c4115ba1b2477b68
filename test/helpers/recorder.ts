// A recording HTTP proxy in front of a CC API: logs each request's method,
// path (ids replaced by ':guid'), content type and, for multipart bodies,
// the field names, so tests can assert the exact request sequence a client
// sends, as a real CF would receive it.
import http from 'node:http';
import Busboy from 'busboy';

export interface Recorded {
  method: string;
  path: string;
  contentType?: string;
  fields?: string[];
  bytes: number;
  /** Request line + headers as sent on the wire. */
  headerBytes: number;
  status?: number;
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export async function recordingProxy(upstream: string): Promise<{ url: string; log: Recorded[]; close(): Promise<void> }> {
  const up = new URL(upstream);
  const log: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url ?? '/', 'http://x');
      const rec: Recorded = {
        method: req.method ?? 'GET',
        path: u.pathname.replace(GUID, ':guid'),
        contentType: req.headers['content-type']?.split(';')[0],
        bytes: body.length,
        headerBytes: `${req.method} ${req.url} HTTP/1.1\r\n`.length + req.rawHeaders.reduce((n, h, i) => n + h.length + (i % 2 ? 2 : 2), 0) + 2,
      };
      log.push(rec);
      if (rec.contentType === 'multipart/form-data') {
        rec.fields = [];
        const bb = Busboy({ headers: req.headers });
        bb.on('field', (name) => rec.fields!.push(name));
        bb.on('file', (name, stream) => {
          rec.fields!.push(name);
          stream.resume();
        });
        bb.end(body);
      }
      const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (r) => {
        rec.status = r.statusCode;
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      fwd.on('error', () => res.writeHead(502).end());
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise((r) => server.close(() => r())) };
}

/** "METHOD /path" lines of the CC calls (log-cache reads and polls collapsed). */
export function sequence(log: Recorded[]): string[] {
  const out: string[] = [];
  for (const r of log) {
    if (r.path.startsWith('/api/v1/read')) continue;
    const line = `${r.method} ${r.path}${r.fields ? ` [${r.fields.join(',')}]` : ''}`;
    if (r.method === 'GET' && out[out.length - 1] === line) continue; // polling
    out.push(line);
  }
  return out;
}
