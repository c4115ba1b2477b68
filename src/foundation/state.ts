// Crash safety of the data dir, beyond the atomic state document (store.ts):
//
// - state.json is replaced with write-file-atomic (write a temp file, fsync,
//   rename) and then the directory is fsynced, so the rename itself is durable;
//   a reader sees the old or the new document, never half of one.
// - Package bits live in blobs/<sha1[0:2]>/<sha1>, moved in by rename from
//   tmp/: a blob is complete or absent. tmp/ is emptied at every start.
// - Droplet bits (droplet-bits.ts) are a blob droplet-blobs/<sha256[0:2]>/
//   <sha256> (fsynced, then renamed in) and an exploded droplets/<sha256>/
//   (renamed in), both referenced only once a record has that checksum; bits
//   and temps a killed foundation left without a record are swept here at
//   start.
// - Admin buildpack bits (buildpack-bits.ts) are buildpacks/<sha256>.zip and
//   buildpacks/<sha256>/, renamed in before a record names the checksum; the
//   ones no record names are swept here too.
import { closeSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Store } from './store';

/** Files under the data dir that hold state or bits: this user's only (env values, credentials). */
export const PRIVATE_FILE_MODE = 0o600;

/** fsync a directory so renames/creations inside it survive a power loss (no-op where unsupported). */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported on this platform/filesystem */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* not supported on this platform/filesystem */
  }
}

/**
 * Removes droplet and buildpack bits no record references (a staging or
 * upload a killed foundation never recorded, temps, bits of deleted
 * droplets); returns their paths relative to the data dir.
 */
export function sweepOrphans(store: Store): string[] {
  const sums = store.dropletBits.referenced();
  // droplets/<guid>/ of an old data dir stays as long as its record (droplet-bits.ts migrate()).
  const records = new Set(store.list('droplets').map((d) => d.guid));
  const removed = sweepDir(store.dataDir, 'droplets', (n) => sums.has(n) || records.has(n));
  for (const shard of entries(join(store.dataDir, 'droplet-blobs'))) {
    const rel = join('droplet-blobs', shard);
    removed.push(...sweepDir(store.dataDir, rel, (n) => sums.has(n) && n.startsWith(shard)));
    if (entries(join(store.dataDir, rel)).length === 0) rmSync(join(store.dataDir, rel), { recursive: true, force: true });
  }
  const buildpacks = store.buildpackBits.referenced();
  removed.push(...sweepDir(store.dataDir, 'buildpacks', (n) => buildpacks.has(n.replace(/\.zip$/, ''))));
  removed.push(...pruneSegments(store));
  return removed;
}

/** Packer segments are touched on use; ones unused for this long go (a cache: a miss costs one compression). */
const SEGMENT_MAX_AGE_MS = 14 * 24 * 3600_000;

function pruneSegments(store: Store): string[] {
  const removed: string[] = [];
  const old = Date.now() - SEGMENT_MAX_AGE_MS;
  const dir = store.dropletBits.segmentDir;
  for (const sub of ['', 'content']) {
    for (const name of entries(join(dir, sub))) {
      const p = join(dir, sub, name);
      try {
        // At start nothing packs: a work dir (.pack-*) or a temp is a killed packer's.
        const st = statSync(p);
        if (name.startsWith('.pack-') || /\.\d+\.[a-z0-9]+$/.test(name) || (st.isFile() && st.mtimeMs < old)) {
          rmSync(p, { recursive: true, force: true });
          removed.push(relative(store.dataDir, p));
        }
      } catch {
        /* raced with a packer */
      }
    }
  }
  return removed;
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes every entry of dataDir/rel that `keep` refuses. */
function sweepDir(dataDir: string, rel: string, keep: (name: string) => boolean): string[] {
  const removed: string[] = [];
  for (const name of entries(join(dataDir, rel))) {
    if (keep(name)) continue;
    rmSync(join(dataDir, rel, name), { recursive: true, force: true });
    removed.push(join(rel, name));
  }
  return removed;
}
