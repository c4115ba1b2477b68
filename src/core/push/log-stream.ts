// `cfpush logs`: recent logs (log-cache read, newest 1000 like `cf logs
// --recent`) and the cf CLI's line format for them and for live logs
// (followLogs in logs.ts):
//
//    2026-11-24T09:00:00.00+0000 [APP/PROC/WEB/0] OUT hello
import { httpFetch } from '../http-client';
import type { Session } from '../session';
import { CfPushError } from '../errors';
import { linesInOrder, type Envelope, type LogLine } from './logs';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's "2006-01-02T15:04:05.00-0700" in the local time zone (TZ), as the cf CLI prints it. */
export function cfTimestamp(ns: bigint, offsetMinutes?: number): string {
  const ms = Number(ns / 1_000_000n);
  const off = offsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + off * 60_000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `.${pad(Math.floor(d.getUTCMilliseconds() / 10))}${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`
  );
}

/** The cf CLI's lines for one log message (a multi-line message repeats the header on every line). */
export function formatCfLog(l: LogLine, offsetMinutes?: number): string[] {
  const header = `${cfTimestamp(l.timestampNs, offsetMinutes)} [${l.sourceType}/${l.instance}] ${l.stream} `;
  return l.text
    .replace(/\n$/, '')
    .split('\n')
    .map((t) => `   ${header}${t.replace(/[\r\n]+$/, '')}`);
}

async function logCacheBase(session: Session): Promise<string | undefined> {
  const base = await session.cc.link('log_cache');
  return base?.replace(/\/+$/, '');
}

/** The newest `limit` lines (log-cache `descending=true`), oldest first. */
export async function recentLogs(session: Session, appGuid: string, limit = 1000): Promise<LogLine[]> {
  const base = await logCacheBase(session);
  if (!base) return [];
  const url = `${base}/api/v1/read/${encodeURIComponent(appGuid)}?envelope_types=LOG&descending=true&limit=${limit}`;
  const res = await httpFetch(url, { headers: { authorization: `bearer ${await session.cc.token()}` }, insecure: session.target.skipSslValidation });
  if (!res.ok) {
    throw new CfPushError(`Reading logs from log-cache (${base}) failed: HTTP ${res.status} ${res.statusText}.`, {
      hint: res.status === 401 ? 'Log in again with `cfpush login`.' : "Try again; if it repeats, the target's log-cache may be down.",
    });
  }
  const body = (await res.json()) as { envelopes?: { batch?: Envelope[] } };
  return linesInOrder(body.envelopes?.batch);
}

/** "Retrieving logs for app A in org O / space S as U..." (the user from the token). */
export async function retrievingHeader(session: Session, appName: string): Promise<string> {
  let user = 'user';
  try {
    const token = await session.cc.token();
    const payload = JSON.parse(Buffer.from(token.replace(/^bearer\s+/i, '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { user_name?: string };
    if (payload.user_name) user = payload.user_name;
  } catch {
    /* not a JWT: keep the placeholder */
  }
  return `Retrieving logs for app ${appName} in org ${session.org.name} / space ${session.space.name} as ${user}...`;
}
