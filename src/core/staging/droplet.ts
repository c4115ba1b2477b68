// Droplet tarballs, laid out as CF's `tar -czf droplet -C contents .`
// (./app/ ./deps/<idx>/ ./profile.d/ ./tmp/ ./logs/ ./staging_info.yml).
//
// Speed: deps/ holds the node runtime (~100 MB) that rarely changes. Every
// large file is packed as its own gzip member (a tar entry without the
// end-of-archive blocks) and cached under a key of what its tar entry holds
// (path, mode, size, mtime, and the content's sha256). Concatenated gzip
// members form one valid gzip stream, and tar entries concatenate when only
// the end carries the end-of-archive blocks, so a re-stage packs only the
// small files and copies the cached members. The content hash is itself
// cached by inode (the buildpacks hardlink the runtime from the build cache,
// so a re-stage hashes nothing), and since the key holds no inode, apps whose
// runtimes are copies with the same mtime share one member in a shared cache:
// ~50 ms of hashing instead of ~800 ms of compressing per new app.
// The large members come first in the tgz, so the sha256 state after them is
// reused too (prefixHash): a droplet's checksum is known before its tgz is
// written, and the foundation writes the tgz after the app already runs.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { dropletLimits, type ArchiveLimits } from '../bits/archive-limits';
import { extractTarGz, UnsafeEntryError } from '../bits/extract';
import { fileChecksum } from '../bits/checksum';
import { CfPushError } from '../errors';
import { cfpushHome } from '../paths';

const EOF_BYTES = 1024; // two zero blocks end a tar archive
const SEGMENT_FORMAT = 'v3';

export interface PackOptions {
  /** Where compressed deps segments are cached (default: CFPUSH_HOME/cache/droplet-segments). */
  segmentCacheDir?: string;
  /** Delete cached segments this droplet no longer uses (per-app caches). */
  pruneSegments?: boolean;
}

export interface StagingInfo {
  detected_buildpack: string;
  start_command: string;
  config?: { entrypoint_prefix?: string };
}

/** Yields everything but the trailing end-of-archive blocks of a tar stream. */
async function* stripEof(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let held = Buffer.alloc(0);
  for await (const c of src) {
    if (c.length >= EOF_BYTES) {
      if (held.length) yield held;
      if (c.length > EOF_BYTES) yield c.subarray(0, c.length - EOF_BYTES);
      held = Buffer.from(c.subarray(c.length - EOF_BYTES));
    } else {
      const all = Buffer.concat([held, c]);
      if (all.length > EOF_BYTES) yield all.subarray(0, all.length - EOF_BYTES);
      held = all.subarray(Math.max(0, all.length - EOF_BYTES));
    }
  }
  if (held.length !== EOF_BYTES || held.some((b) => b !== 0)) throw new Error('tar stream did not end with end-of-archive blocks');
}

/** Packs exactly `paths` (relative to `cwd`, no recursion) into a gzip member at `file`, without end blocks. */
async function writeSegment(cwd: string, paths: string[], file: string, level: number) {
  // node-tar reads files in buffers of up to 16 MB by default: 1 MB keeps a staging's peak memory low.
  const pack = tar.c({ cwd, portable: true, noDirRecurse: true, maxReadSize: 1 << 20 }, paths) as unknown as AsyncIterable<Buffer>;
  await pipeline(stripEof(pack), createGzip({ level, chunkSize: 256 * 1024 }), createWriteStream(file));
}

interface Item {
  rel: string;
  big: boolean;
  key: string;
}

/** Files at least this large get their own cached gzip member. */
const BIG_FILE = 1 << 20;

/** sha256 of a file's content, remembered per inode (+ size and mtime) in segDir/content/. */
async function contentSha(file: string, st: Stats, segDir: string): Promise<string> {
  const memo = join(segDir, 'content', createHash('sha256').update(`${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`).digest('hex'));
  const known = await readFile(memo, 'utf8').catch(() => '');
  if (/^[0-9a-f]{64}$/.test(known)) return known;
  const sha = await fileChecksum(file);
  await mkdir(dirname(memo), { recursive: true });
  const tmp = `${memo}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, sha);
  await rename(tmp, memo);
  return sha;
}

/** Every path under root, parents before children, as tar will list them. */
async function walk(root: string, segDir: string): Promise<Item[]> {
  const items: Item[] = [];
  const visit = async (rel: string): Promise<void> => {
    const st = await lstat(join(root, rel));
    const big = st.isFile() && st.size >= BIG_FILE;
    const key = big
      ? createHash('sha256')
          .update(`${SEGMENT_FORMAT}\0${rel}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${await contentSha(join(root, rel), st, segDir)}`)
          .digest('hex')
      : '';
    items.push({ rel, big, key });
    if (st.isDirectory()) for (const n of (await readdir(join(root, rel))).sort()) await visit(`${rel === '.' ? '.' : rel}/${n}`);
  };
  await visit('.');
  return items;
}

function defaultSegmentDir(): string {
  return join(cfpushHome(), 'cache', 'droplet-segments');
}

/** A droplet packed but not written yet: its checksum is known, its tgz is written when wanted. */
export interface PreparedDroplet {
  /** The sha256 of the tgz `write` produces. */
  checksum: string;
  /** Writes the tgz to `outFile` (checking its sha256 on the way). */
  write(outFile: string): Promise<void>;
  /** Removes the freshly packed parts; call it once, after `write` or instead. */
  discard(): Promise<void>;
}

/** tgz of an exploded droplet; returns the sha256 of the written file. */
export async function packDroplet(explodedDir: string, outFile: string, opts: PackOptions = {}): Promise<{ checksum: string }> {
  const prepared = await prepareDroplet(explodedDir, opts);
  try {
    await prepared.write(outFile);
    return { checksum: prepared.checksum };
  } finally {
    await prepared.discard();
  }
}

/**
 * Packs what changes (directories and small files) and finds the cached
 * members of the large files, and computes the tgz's sha256 without writing
 * it: the large members come first, and the hash state after them is kept in
 * memory (see prefixHash), so a re-stage hashes only its small member. The
 * tgz is then written by `write`, which a foundation may do after the app
 * already runs from the exploded tree.
 */
export async function prepareDroplet(explodedDir: string, opts: PackOptions = {}): Promise<PreparedDroplet> {
  const root = resolve(explodedDir);
  const segDir = opts.segmentCacheDir ?? defaultSegmentDir();
  await mkdir(segDir, { recursive: true });
  const work = join(segDir, `.pack-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(work);
  const discard = () => rm(work, { recursive: true, force: true });
  try {
    const items = await walk(root, segDir);
    const used = new Set<string>();
    // 1. One cached member per large file (first: the hash state after them is reused).
    const big: string[] = [];
    for (const it of items.filter((i) => i.big)) {
      const name = `${it.key}.gz`;
      const cached = join(segDir, name);
      used.add(name);
      if (!existsSync(cached)) {
        const tmp = join(work, name);
        // Level 1: large files are mostly binaries, where level 6 costs ~2.5x the time for ~10% size.
        await writeSegment(root, [it.rel], tmp, 1);
        await rename(tmp, cached);
      } else {
        const now = new Date();
        await utimes(cached, now, now).catch(() => undefined);
      }
      big.push(cached);
    }
    // 2. Directories and small files: packed fresh (they are what changes).
    const small = join(work, 'small.gz');
    await writeSegment(
      root,
      items.filter((i) => !i.big).map((i) => i.rel),
      small,
      6,
    );
    // 3. The end-of-archive blocks.
    const end = join(work, 'end.gz');
    await writeFile(end, gzipSync(Buffer.alloc(EOF_BYTES)));
    if (opts.pruneSegments) await pruneSegments(segDir, used);

    const segments = [...big, small, end];
    const hash = await prefixHash(big);
    hash.update(await readFile(small)).update(await readFile(end));
    const checksum = hash.digest('hex');
    return {
      checksum,
      write: async (outFile) => {
        await mkdir(dirname(resolve(outFile)), { recursive: true });
        const tmpOut = `${outFile}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
        try {
          const written = await concatHashed(segments, tmpOut);
          if (written !== checksum) throw new Error(`the droplet's parts changed since it was packed (sha256 ${written}, not ${checksum})`);
          await rename(tmpOut, outFile);
        } finally {
          await rm(tmpOut, { force: true });
        }
      },
      discard,
    };
  } catch (err) {
    await discard();
    throw err;
  }
}

/**
 * sha256 state after the given cached members, kept per process: every node
 * app on a foundation shares the runtime's member (~35 MB), so after the first
 * staging a droplet's checksum costs only its small member. Keyed by name
 * (the content's key), inode and size, so a member written again is hashed again.
 */
const prefixHashes = new Map<string, Hash>();
async function prefixHash(files: string[]): Promise<Hash> {
  const ids = await Promise.all(
    files.map(async (f) => {
      const st = await stat(f);
      return `${f}:${st.ino}:${st.size}`;
    }),
  );
  const key = ids.join('\0');
  let h = prefixHashes.get(key);
  if (!h) {
    h = createHash('sha256');
    const buf = Buffer.allocUnsafeSlow(1 << 20);
    for (const f of files) {
      const src = await open(f, 'r');
      try {
        for (let n; (n = (await src.read(buf, 0, buf.length, null)).bytesRead) > 0;) h.update(buf.subarray(0, n));
      } finally {
        await src.close();
      }
    }
    prefixHashes.set(key, h);
    // A few runtimes per foundation at most; the oldest goes first.
    if (prefixHashes.size > 16) prefixHashes.delete(prefixHashes.keys().next().value!);
  }
  return h.copy();
}

/**
 * Concatenates the members into `out`, hashing on the way, through one reused
 * buffer: a long-lived foundation packs a ~35 MB droplet per staging, and a
 * fresh buffer per read would hold memory until the next full GC.
 */
async function concatHashed(files: string[], out: string): Promise<string> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafeSlow(1 << 20);
  const dst = await open(out, 'w');
  try {
    for (const f of files) {
      const src = await open(f, 'r');
      try {
        for (;;) {
          const { bytesRead } = await src.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          hash.update(buf.subarray(0, bytesRead));
          for (let off = 0; off < bytesRead;) off += (await dst.write(buf, off, bytesRead - off)).bytesWritten;
        }
      } finally {
        await src.close();
      }
    }
  } finally {
    await dst.close();
  }
  return hash.digest('hex');
}

async function pruneSegments(segDir: string, used: Set<string>): Promise<void> {
  for (const n of await readdir(segDir)) {
    if (n.endsWith('.gz') && !used.has(n)) await rm(join(segDir, n), { force: true });
  }
}

/**
 * Extracts a droplet into `dir` (replacing it). Entries that would land outside
 * (`..`, absolute paths, links pointing out) fail the whole extraction.
 */
/**
 * Unpacks a droplet tgz into `dir` (replaced whole, or left as it was), with
 * the archive rules and a droplet's limits (droplets may come from anyone who
 * can upload one).
 */
export async function extractDroplet(tgz: string, dir: string, limits: ArchiveLimits = dropletLimits()): Promise<void> {
  try {
    await extractTarGz(tgz, dir, { limits, name: 'the droplet' });
  } catch (err) {
    if (err instanceof UnsafeEntryError) {
      const what =
        err.reason === 'symlink-outside'
          ? `link "${err.entry}" points outside the droplet folder`
          : `entry "${err.entry}" would be written outside the droplet folder`;
      throw new CfPushError(`Refusing to extract droplet ${tgz}: ${what}.`, { code: 'ArchiveEntryOutsideTarget', cause: err });
    }
    if (err instanceof CfPushError && err.code === 'InvalidZip') {
      throw new CfPushError(`Could not extract droplet ${tgz}: ${err.message.replace(/^Could not extract [^:]*: /, '')}`, {
        code: 'DropletInvalid',
        cause: err,
      });
    }
    throw err;
  }
}

/** staging_info.yml is JSON (a YAML subset), as the buildpack lifecycle writes it. */
export async function readStagingInfo(dir: string): Promise<StagingInfo> {
  const file = join(dir, 'staging_info.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CfPushError(`${dir} is not a droplet: staging_info.yml is missing.`, { code: 'DropletInvalid', cause: err });
  }
  return parseStagingInfo(text, file);
}

export function parseStagingInfo(text: string, file = 'staging_info.yml'): StagingInfo {
  try {
    const v = JSON.parse(text) as Partial<StagingInfo> | null;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('it is not a JSON object');
    if (v.start_command !== undefined && typeof v.start_command !== 'string') throw new Error('start_command is not a string');
    return { detected_buildpack: v.detected_buildpack ?? '', start_command: v.start_command ?? '', ...(v.config ? { config: v.config } : {}) };
  } catch (err) {
    throw new CfPushError(`${file} is not valid (it must be a JSON object): ${(err as Error).message}`, { code: 'DropletInvalid', cause: err });
  }
}

/** Size on disk of the droplet file, for progress lines. */
export async function dropletSize(file: string): Promise<number> {
  return (await stat(file)).size;
}
