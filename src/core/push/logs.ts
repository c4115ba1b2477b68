// Reads and follows an app's logs from log-cache (`links.log_cache`), the same
// source the cf CLI uses for staging output, so local and remote targets look
// alike; the local foundation adds a server-sent-event stream on top.
import { httpFetch } from '../http-client';
import type { Session } from '../session';

export interface Envelope {
  timestamp: string;
  instance_id?: string;
  tags?: Record<string, string>;
  log?: { payload: string; type?: string };
}

export interface LogLine {
  timestampNs: bigint;
  sourceType: string;
  instance: string;
  text: string;
  stream: 'OUT' | 'ERR';
}

/** A log-cache LOG envelope as a line; undefined for other envelope kinds. */
export function envelopeToLine(e: Envelope): LogLine | undefined {
  if (!e.log) return undefined;
  return {
    timestampNs: BigInt(e.timestamp),
    sourceType: e.tags?.source_type ?? 'APP',
    instance: e.instance_id ?? '0',
    text: Buffer.from(e.log.payload, 'base64').toString('utf8').replace(/\n$/, ''),
    stream: e.log.type === 'ERR' ? 'ERR' : 'OUT',
  };
}

/** Lines in time order (log-cache batches may come newest first). */
export function linesInOrder(batch: Envelope[] | undefined): LogLine[] {
  return (batch ?? [])
    .map(envelopeToLine)
    .filter((l): l is LogLine => !!l)
    .sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
}

/**
 * Marks a one-off log-cache read (a catch-up after a stream, `--recent`): the
 * local foundation holds a finished build's answer for a client that polls the
 * log, and two pushes in a row must not look like one. Log-cache ignores it.
 */
export const CATCH_UP_HEADER = 'x-cfpush-catch-up';

/** Lines since `sinceNs`; `poll` when this read is one of a series (a follower without a stream). */
export async function readLogs(session: Session, appGuid: string, sinceNs: bigint, opts: { poll?: boolean } = {}): Promise<LogLine[]> {
  const base = await session.cc.link('log_cache');
  if (!base) return [];
  const url = `${base.replace(/\/+$/, '')}/api/v1/read/${appGuid}?envelope_types=LOG&start_time=${sinceNs}&limit=1000`;
  const token = await session.cc.token();
  const headers: Record<string, string> = { authorization: `bearer ${token}` };
  if (!opts.poll) headers[CATCH_UP_HEADER] = '1';
  const res = await httpFetch(url, { headers, insecure: session.target.skipSslValidation }).catch(() => undefined);
  if (!res?.ok) return [];
  const body = (await res.json().catch(() => ({}))) as { envelopes?: { batch?: Envelope[] } };
  return linesInOrder(body.envelopes?.batch);
}

export function formatLogLine(l: LogLine): string {
  return `[${l.sourceType}/${l.instance}] ${l.stream} ${l.text}`;
}

export interface LogFollower {
  /** 'stream' (the local foundation's server-sent events) or 'poll' (log-cache reads: targets without the stream). */
  mode: 'stream' | 'poll';
  /** Resolves when the stream ends by itself (the server went away; not with keepFollowing); never while polling. */
  ended: Promise<void>;
  /** Stops following, after handing over the lines written before the call. */
  stop(): Promise<void>;
}

export interface FollowOptions {
  /** Replay from this time (ns); default now. */
  sinceNs?: bigint;
  filter?: (l: LogLine) => boolean;
  /** Polling interval when there is no stream. */
  intervalMs?: number;
  /** When the stream ends by itself (the foundation stopped), poll on instead of resolving `ended`. */
  keepFollowing?: boolean;
}

/**
 * Follows an app's log lines from `sinceNs` on, each once and in order: the
 * foundation's `GET /api/v1/stream/:source_id` (server-sent events, replaying
 * from `start_time`) where the target has it, else log-cache polling as the cf
 * CLI v7+ does. Staging output, `cfpush logs` and the editor's log view all
 * follow logs through this.
 */
export async function followLogs(session: Session, appGuid: string, onLine: (l: LogLine) => void, opts: FollowOptions = {}): Promise<LogFollower> {
  let since = opts.sinceNs ?? BigInt(Date.now()) * 1_000_000n;
  // Stream and catch-up reads overlap: timestamps are unique per app, so `since` dedups.
  const deliver = (l: LogLine) => {
    if (l.timestampNs < since) return;
    since = l.timestampNs + 1n;
    if (!opts.filter || opts.filter(l)) onLine(l);
  };
  const catchUp = async (poll = false) => {
    for (const l of await readLogs(session, appGuid, since, { poll }).catch(() => [])) deliver(l);
  };
  let stopped = false;
  let wake: () => void = () => {};
  const poll = async () => {
    while (!stopped) {
      await catchUp(true);
      if (stopped) break;
      await new Promise<void>((r) => {
        const t = setTimeout(r, opts.intervalMs ?? 250);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  };
  let poller: Promise<void> | undefined;
  let endedBySelf: () => void = () => {};
  const ended = new Promise<void>((r) => (endedBySelf = r));
  const stream = await openStream(session, appGuid, since, deliver);
  if (!stream) poller = poll();
  else {
    void stream.ended.then(() => {
      if (stopped) return;
      // The server went away: keep polling until it is back, or report the end.
      if (opts.keepFollowing) poller = poll();
      else endedBySelf();
    });
  }
  return {
    mode: stream ? 'stream' : 'poll',
    ended,
    stop: async () => {
      stopped = true;
      stream?.close();
      wake(); // do not make the caller wait out the poll interval
      await stream?.ended;
      await poller;
      await catchUp(); // lines written before the call that are still in flight
    },
  };
}

const STREAM_CONNECT_MS = 5000;

/** The SSE stream, or undefined when the target has none (a real CF's log-cache answers 404). */
async function openStream(
  session: Session,
  appGuid: string,
  sinceNs: bigint,
  onLine: (l: LogLine) => void,
): Promise<{ ended: Promise<void>; close(): void } | undefined> {
  const base = (await session.cc.link('log_cache'))?.replace(/\/+$/, '');
  if (!base) return undefined;
  const ac = new AbortController();
  // A log-cache that neither answers nor refuses must not hold up a push: poll instead.
  const slow = setTimeout(() => ac.abort(), STREAM_CONNECT_MS);
  const res = await httpFetch(`${base}/api/v1/stream/${encodeURIComponent(appGuid)}?start_time=${sinceNs}`, {
    headers: { authorization: `bearer ${await session.cc.token()}`, accept: 'text/event-stream' },
    signal: ac.signal,
    insecure: session.target.skipSslValidation,
  })
    .catch(() => undefined)
    .finally(() => clearTimeout(slow));
  if (!res || !res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    res?.body?.destroy();
    return undefined;
  }
  const body = res.body;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const data = buf
            .slice(0, i)
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          buf = buf.slice(i + 2);
          if (!data) continue; // a comment (connected / keep-alive)
          for (const e of (JSON.parse(data) as { batch?: Envelope[] }).batch ?? []) {
            const l = envelopeToLine(e);
            if (l) onLine(l);
          }
        }
      }
    } catch {
      /* aborted, or the connection dropped */
    }
  })();
  return { ended, close: () => ac.abort() };
}
