// Crash safety of the data dir, beyond the atomic state document (store.ts):
//
// - state.json is replaced with write-file-atomic (write a temp file, fsync,
//   rename) and then the directory is fsynced, so the rename itself is durable;
//   a reader sees the old or the new document, never half of one.
// - Package bits live in blobs/<sha1[0:2]>/<sha1>, moved in by rename from
//   tmp/: a blob is complete or absent. tmp/ is emptied at every start.
// - A droplet directory is only referenced once staging finished and its
//   record was put; directories a killed foundation left without a record are
//   swept here at start.
import { closeSync, fsyncSync, openSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './store';

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

/** Removes droplet directories no record points to (a staging a killed foundation never finished). */
export function sweepOrphans(store: Store): string[] {
  const removed: string[] = [];
  const dir = join(store.dataDir, 'droplets');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (store.get('droplets', name)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
