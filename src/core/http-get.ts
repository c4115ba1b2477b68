// GET a route URL the way a browser would (`*.localhost` is loopback, see
// http-client.ts), with a timeout, the whole body as text: smoke tests and
// the demo read what an app answers.
import type { IncomingHttpHeaders } from 'node:http';
import { httpFetch } from './http-client';

export interface SimpleResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export async function httpGet(url: string, opts: { headers?: Record<string, string>; timeoutMs?: number; insecure?: boolean } = {}): Promise<SimpleResponse> {
  const res = await httpFetch(url, { headers: opts.headers, insecure: opts.insecure, timeoutMs: opts.timeoutMs ?? 10_000 });
  return { status: res.status, headers: res.body.headers, body: await res.text() };
}
