// Reads an app's logs from log-cache (`links.log_cache`), the same source the
// cf CLI uses for staging output, so local and remote targets look alike.
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

export async function readLogs(session: Session, appGuid: string, sinceNs: bigint): Promise<LogLine[]> {
  const base = await session.cc.link('log_cache');
  if (!base) return [];
  const url = `${base.replace(/\/+$/, '')}/api/v1/read/${appGuid}?envelope_types=LOG&start_time=${sinceNs}&limit=1000`;
  const token = await session.cc.token();
  const res = await httpFetch(url, { headers: { authorization: `bearer ${token}` }, insecure: session.target.skipSslValidation }).catch(() => undefined);
  if (!res?.ok) return [];
  const body = (await res.json().catch(() => ({}))) as { envelopes?: { batch?: Envelope[] } };
  return linesInOrder(body.envelopes?.batch);
}

export function formatLogLine(l: LogLine): string {
  return `[${l.sourceType}/${l.instance}] ${l.stream} ${l.text}`;
}

/** Streams new log lines to `onLine` until stopped; returns the stop function. */
export function followLogs(
  session: Session,
  appGuid: string,
  onLine: (l: LogLine) => void,
  opts: { sinceNs?: bigint; filter?: (l: LogLine) => boolean; intervalMs?: number } = {},
): () => Promise<void> {
  let since = opts.sinceNs ?? BigInt(Date.now()) * 1_000_000n;
  let stopped = false;
  let wake: () => void = () => {};
  const tick = async () => {
    for (const l of await readLogs(session, appGuid, since)) {
      if (l.timestampNs < since) continue;
      since = l.timestampNs + 1n;
      if (!opts.filter || opts.filter(l)) onLine(l);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch(() => undefined);
      await new Promise<void>((r) => {
        const t = setTimeout(r, opts.intervalMs ?? 250);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  })();
  return async () => {
    stopped = true;
    wake(); // do not make the caller wait out the poll interval
    await loop;
    await tick().catch(() => undefined); // the last lines written before the build finished
  };
}
