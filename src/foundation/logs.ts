// log-cache in miniature: a bounded ring of LOG envelopes per source id (the
// app guid), read back with `start_time` like log-cache's /api/v1/read.

export type SourceType = 'STG' | 'RTR' | 'API' | 'CELL' | `APP/PROC/${string}`;

export interface Envelope {
  timestamp: string;
  source_id: string;
  instance_id: string;
  tags: { source_type: string };
  log: { payload: string; type: 'OUT' | 'ERR' };
}

interface Stored {
  ns: bigint;
  env: Envelope;
}

// Enough for a staging log and recent app output; bounded so idle memory stays small.
const PER_SOURCE = 2000;

export class LogStore {
  private readonly sources = new Map<string, Stored[]>();
  private lastNs = 0n;

  /** Timestamps are unique and increasing so `start_time = last + 1` never skips or repeats a line. */
  private stamp(): bigint {
    const ns = BigInt(Date.now()) * 1_000_000n;
    this.lastNs = ns > this.lastNs ? ns : this.lastNs + 1n;
    return this.lastNs;
  }

  emit(sourceId: string, sourceType: SourceType, instanceId: string, text: string, type: 'OUT' | 'ERR' = 'OUT'): void {
    const ns = this.stamp();
    let ring = this.sources.get(sourceId);
    if (!ring) this.sources.set(sourceId, (ring = []));
    ring.push({
      ns,
      env: {
        timestamp: ns.toString(),
        source_id: sourceId,
        instance_id: instanceId,
        tags: { source_type: sourceType },
        log: { payload: Buffer.from(text).toString('base64'), type },
      },
    });
    if (ring.length > PER_SOURCE) ring.splice(0, ring.length - PER_SOURCE);
  }

  /** Splits a chunk of process output into lines; returns the unfinished tail. */
  emitChunk(sourceId: string, sourceType: SourceType, instanceId: string, buf: string, type: 'OUT' | 'ERR'): string {
    const lines = buf.split('\n');
    const tail = lines.pop() ?? '';
    for (const l of lines) this.emit(sourceId, sourceType, instanceId, l.replace(/\r$/, ''), type);
    return tail;
  }

  read(sourceId: string, opts: { startNs?: bigint; endNs?: bigint; limit?: number; descending?: boolean } = {}): Envelope[] {
    const ring = this.sources.get(sourceId) ?? [];
    const start = opts.startNs ?? 0n;
    const end = opts.endNs;
    let hits = ring.filter((s) => s.ns >= start && (end === undefined || s.ns < end));
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000));
    hits = opts.descending ? hits.slice(-limit).reverse() : hits.slice(0, limit);
    return hits.map((s) => s.env);
  }

  drop(sourceId: string): void {
    this.sources.delete(sourceId);
  }
}
