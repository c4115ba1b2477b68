// Disk reclaimed as CC's blobstore clean-up does: package blobs no package
// lists any more, and the build caches of apps that are gone. Runs once at
// start and after deletes and package expiry; one sweep at a time.
//
// Blobs are shared by content, so a blob goes only when no package record
// lists it, no upload in flight could be about to (blobs newer than the
// oldest running upload stay), and no client was told recently that we have
// it (resource_matches: its upload may still be coming).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './store';
import { logError } from './log';

/** How long a resource_matches answer protects a blob (the client's upload follows within seconds). */
const MATCH_PROTECT_MS = 15 * 60_000;
/**
 * Caches shared by every app live among the build caches: droplet segments (droplet-bits.ts, pruned by
 * age there) and host runtimes (node_runtime.sh; a few, each replaced only when the host's changes).
 */
const SHARED_CACHES = new Set(['droplet-segments', 'runtimes']);

export interface SweepResult {
  blobs: number;
  caches: number;
  bytes: number;
}

export class Gc {
  private readonly matched = new Map<string, number>();
  private readonly uploads = new Set<number>();
  private running: Promise<SweepResult> | undefined;
  private again = false;

  constructor(private readonly store: Store) {}

  /** A resource_matches answer said we have these blobs. */
  noteMatched(sha1s: Iterable<string>): void {
    const t = Date.now();
    for (const s of sha1s) this.matched.set(s, t);
  }

  /** An upload began; the returned function ends it. Blobs it adopts are safe from sweeps meanwhile. */
  uploadStarted(): () => void {
    let t = Date.now();
    while (this.uploads.has(t)) t++;
    this.uploads.add(t);
    return () => void this.uploads.delete(t);
  }

  /** Sweeps soon (coalesced): after app deletes and package expiry. */
  schedule(): void {
    void this.sweep().catch((err) => logError('gc', err));
  }

  /** One sweep; a call while one runs gets a second sweep after it (its changes may have come too late). */
  sweep(): Promise<SweepResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      let total: SweepResult = { blobs: 0, caches: 0, bytes: 0 };
      do {
        this.again = false;
        const r = await this.sweepOnce();
        total = { blobs: total.blobs + r.blobs, caches: total.caches + r.caches, bytes: total.bytes + r.bytes };
      } while (this.again);
      return total;
    })();
    this.running = run;
    void run
      .finally(() => {
        if (this.running === run) this.running = undefined;
      })
      .catch(() => undefined);
    return run;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const out: SweepResult = { blobs: 0, caches: 0, bytes: 0 };
    const now = Date.now();
    for (const [sha1, t] of this.matched) if (now - t > MATCH_PROTECT_MS) this.matched.delete(sha1);
    const oldestUpload = this.uploads.size ? Math.min(...this.uploads) : Infinity;

    const blobs = join(this.store.dataDir, 'blobs');
    let keep = this.kept();
    const candidates: { path: string; sha1: string; size: number }[] = [];
    for (const shard of await entries(blobs)) {
      for (const name of await entries(join(blobs, shard))) {
        if (keep.has(name)) continue;
        const path = join(blobs, shard, name);
        const st = await stat(path).catch(() => undefined);
        // An upload in flight adopts blobs before its package lists them.
        if (st && st.mtimeMs < oldestUpload - 1000) candidates.push({ path, sha1: name, size: st.size });
      }
    }
    // Packages may have changed while we read the disk: decide on the state as it is now, with adoption held off.
    await this.store.lockBlobs(async () => {
      keep = this.kept();
      const oldest = this.uploads.size ? Math.min(...this.uploads) : Infinity;
      for (const c of candidates) {
        if (keep.has(c.sha1)) continue;
        const st = await stat(c.path).catch(() => undefined);
        if (!st || st.mtimeMs >= oldest - 1000) continue;
        await rm(c.path, { force: true });
        out.blobs++;
        out.bytes += c.size;
      }
    });
    const apps = new Set(this.store.list('apps').map((a) => a.guid));
    const caches = join(this.store.dataDir, 'cache');
    for (const name of await entries(caches)) {
      if (SHARED_CACHES.has(name) || apps.has(name)) continue;
      const p = join(caches, name);
      out.bytes += await du(p);
      await rm(p, { recursive: true, force: true });
      out.caches++;
    }
    return out;
  }

  /** Blobs some package lists, or a client was recently told we have. */
  private kept(): Set<string> {
    const keep = new Set<string>(this.matched.keys());
    for (const p of this.store.list('packages')) for (const f of p.files) keep.add(f.sha1);
    return keep;
  }
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function du(p: string): Promise<number> {
  const st = await stat(p).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of await entries(p)) n += await du(join(p, e));
  return n;
}
