// Droplet bits, content-addressed as CC's blobstore keys them (the droplet's
// checksum is the sha256 of its tgz):
// - droplet-blobs/<sha256[0:2]>/<sha256>: the tgz, served as is by download;
// - droplets/<sha256>/: the exploded tree the supervisor runs, shared by every
//   droplet record with that checksum.
// Both are built under tmp/ and renamed into place, so a final name holds
// complete bits or nothing. The blob is fsynced (it is the durable copy); an
// exploded dir is re-extracted from it at start if missing. A staging's
// checksum is known before its blob is written (core/staging/droplet.ts
// prepareDroplet): the tree and the record go in at once and the app starts,
// and the blob is written once stagings pause (at once for a download);
// a foundation stopped meanwhile writes it first, a killed one packs it again
// from the tree at its next start (migrate). Bits go with the
// last record that has their checksum. Docker droplets have none. Data dirs
// written before this keep their droplets/<guid>/ trees (instances may run
// from them) and get blobs in the background after start.
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { extractDroplet, packDroplet, type PreparedDroplet } from '../core/staging/droplet';
import { fsyncDir, PRIVATE_FILE_MODE } from './state';
import type { DropletRec, Store } from './store';

/**
 * Blobs are written once no staging came for this long: writing and fsyncing
 * ~35 MB must not compete with the app's start or the next push, and a
 * droplet that expires before then (pushes in a row) is never written.
 */
const BLOB_QUIET_MS = 3000;

export class DropletBits {
  private readonly locks = new Map<string, Promise<void>>();
  /** Blobs not written yet, by checksum: `now` writes at once; `done` settles when written (or given up). */
  private readonly unwritten = new Map<string, { now: () => void; done: Promise<void> }>();

  constructor(private readonly store: Store) {}

  blobPath(sha256: string): string {
    return join(this.store.dataDir, 'droplet-blobs', sha256.slice(0, 2), sha256);
  }

  /** The packer's cache of compressed large files, shared by every app (see core/staging/droplet.ts). */
  get segmentDir(): string {
    return join(this.store.dataDir, 'cache', 'droplet-segments');
  }

  explodedDir(sha256: string): string {
    return join(this.store.dataDir, 'droplets', sha256);
  }

  /** Checksums whose bits some droplet record needs. */
  referenced(): Set<string> {
    return new Set(this.store.list('droplets').flatMap((d) => (d.checksum && !d.image ? [d.checksum] : [])));
  }

  /**
   * Moves a tgz and its exploded tree in under `checksum` (bits already there
   * win, the temps go), then runs `record`: all under the checksum's lock, so
   * a concurrent release never drops bits the new record needs.
   */
  adopt(checksum: string, tgz: string, tree: string, record: () => void): Promise<void> {
    return this.locked(checksum, async () => {
      await this.placeBlob(checksum, tgz);
      await this.placeTree(checksum, tree);
      record();
    });
  }

  /**
   * A staging's tree goes in under its checksum and `record` runs (the app may
   * start from it now); the blob follows once stagings pause (BLOB_QUIET_MS),
   * or at once when someone waits for it (blobReady). Its record may be gone
   * by then: the blob is then left out.
   */
  adoptPrepared(prepared: PreparedDroplet, tree: string, record: () => void): Promise<void> {
    const { checksum } = prepared;
    return this.locked(checksum, async () => {
      try {
        await this.placeTree(checksum, tree);
        record();
      } catch (err) {
        await prepared.discard();
        throw err;
      }
      if (existsSync(this.blobPath(checksum)) || this.unwritten.has(checksum)) {
        await prepared.discard();
        return;
      }
      let now!: () => void;
      const due = new Promise<void>((r) => (now = r));
      this.quietLater();
      const done = due
        .then(() =>
          this.locked(checksum, async () => {
            if (!this.referenced().has(checksum) || existsSync(this.blobPath(checksum))) return;
            const tgz = join(this.store.tmpDir('droplet-blob'), 'droplet.tgz');
            try {
              await prepared.write(tgz);
              await this.placeBlob(checksum, tgz);
            } finally {
              await rm(dirname(tgz), { recursive: true, force: true });
            }
          }),
        )
        .catch((err) =>
          console.error(`cf-push foundation: droplet ${checksum}: could not write its blob (it is packed again at the next start): ${(err as Error).message}`),
        )
        .finally(() => {
          this.unwritten.delete(checksum);
          return prepared.discard();
        });
      this.unwritten.set(checksum, { now, done });
    });
  }

  private quiet?: NodeJS.Timeout;

  /** (Re)arms the write of every pending blob for when stagings pause. */
  private quietLater(): void {
    clearTimeout(this.quiet);
    this.quiet = setTimeout(() => {
      for (const w of this.unwritten.values()) w.now();
    }, BLOB_QUIET_MS);
    this.quiet.unref();
  }

  /** Waits for the blob of `checksum` if it is still to be written (a download, a copy), writing it at once. */
  async blobReady(checksum: string | null): Promise<void> {
    const w = checksum ? this.unwritten.get(checksum) : undefined;
    if (!w) return;
    w.now();
    await w.done;
  }

  /** Writes every blob still to be written (the foundation is stopping). */
  async drain(): Promise<void> {
    clearTimeout(this.quiet);
    await Promise.all([...this.unwritten.values()].map((w) => (w.now(), w.done)));
  }

  /**
   * Deletes droplet records, and their bits unless another record has the
   * same checksum. The records' removal, with whatever else the caller removed
   * in memory before (an app's other records), is on disk in one write before
   * any bits go: a crash never leaves a STAGED droplet without bits, nor half
   * an app.
   */
  async remove(...ds: DropletRec[]): Promise<void> {
    for (const d of ds) this.store.remove('droplets', d.guid);
    await this.store.flush();
    for (const d of ds) {
      await this.dropTree(join(this.store.dataDir, 'droplets', d.guid)); // an old-layout tree
      if (d.checksum) await this.release(d.checksum);
    }
  }

  private release(checksum: string): Promise<void> {
    return this.locked(checksum, async () => {
      if (this.referenced().has(checksum)) return;
      await rm(this.blobPath(checksum), { force: true });
      await this.dropTree(this.explodedDir(checksum));
    });
  }

  /**
   * At start, before apps run: re-extracts an exploded dir that is missing
   * but whose blob exists (a crash between placing the two).
   */
  async restoreTrees(): Promise<void> {
    for (const d of this.store.list('droplets')) {
      if (d.state !== 'STAGED' || d.image || !d.checksum || this.hasLegacyTree(d)) continue;
      if (!existsSync(this.blobPath(d.checksum)) || existsSync(this.explodedDir(d.checksum))) continue;
      try {
        const tree = this.store.tmpDir('droplet-tree');
        await extractDroplet(this.blobPath(d.checksum), tree);
        await this.locked(d.checksum, () => this.placeTree(d.checksum!, tree));
      } catch (err) {
        console.error(`cf-push foundation: droplet ${d.guid}: could not restore its files from the blob: ${(err as Error).message}`);
      }
    }
  }

  /** A data dir written before bits were content-addressed keeps running from droplets/<guid>/. */
  hasLegacyTree(d: DropletRec): boolean {
    return existsSync(join(this.store.dataDir, 'droplets', d.guid));
  }

  /**
   * In the background after start: droplets without a blob are packed into
   * one. Old data dirs' droplets/<guid>/ (checksum null, or an upload's
   * sha256) get its checksum; their folder stays where it is, since instances
   * may be running from it, and goes with the record.
   */
  async migrate(): Promise<void> {
    for (const d of this.store.list('droplets')) {
      if (d.state !== 'STAGED' || d.image || (d.checksum && existsSync(this.blobPath(d.checksum)))) continue;
      // An old data dir's folder, or a tree whose blob was lost (packing the same files gives the same bytes).
      const legacy = this.hasLegacyTree(d);
      const src = legacy ? join(this.store.dataDir, 'droplets', d.guid) : d.checksum ? this.explodedDir(d.checksum) : '';
      if (!src || !existsSync(src) || !this.store.get('droplets', d.guid)) continue;
      const work = this.store.tmpDir('droplet-migrate');
      try {
        const tgz = join(work, 'droplet.tgz');
        const { checksum } = await packDroplet(src, tgz, { segmentCacheDir: this.segmentDir });
        if (!legacy && checksum !== d.checksum) throw new Error(`its files pack to ${checksum}, not ${d.checksum}`);
        await this.locked(checksum, async () => {
          if (!this.store.get('droplets', d.guid)) return;
          await this.placeBlob(checksum, tgz);
          d.checksum = checksum;
          this.store.touch(d);
          await this.store.flush();
        });
      } catch (err) {
        console.error(`cf-push foundation: droplet ${d.guid}: could not pack it into a blob (it keeps running from its folder): ${(err as Error).message}`);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
  }

  private async placeBlob(checksum: string, tgz: string): Promise<void> {
    const dest = this.blobPath(checksum);
    if (existsSync(dest)) return rm(tgz, { force: true });
    await chmod(tgz, PRIVATE_FILE_MODE);
    await fsyncFile(tgz);
    const created = await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    await rename(tgz, dest);
    await fsyncDir(dirname(dest));
    if (created) await fsyncDir(dirname(dirname(dest)));
  }

  private async placeTree(checksum: string, tree: string): Promise<void> {
    const dest = this.explodedDir(checksum);
    if (existsSync(dest)) return rm(tree, { recursive: true, force: true });
    await rename(tree, dest);
  }

  /** Renamed out of the way first: a half-deleted tree is never seen under its name. */
  private async dropTree(dir: string): Promise<void> {
    const gone = this.store.tmpDir('droplet-gone');
    try {
      await rename(dir, gone);
    } catch {
      return;
    }
    await rm(gone, { recursive: true, force: true });
  }

  private locked(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.locks.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }
}

async function fsyncFile(path: string): Promise<void> {
  const h = await open(path, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
