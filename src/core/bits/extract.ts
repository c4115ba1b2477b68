// The one way archives someone else made are unpacked (an uploaded package,
// a buildpack zip, a droplet tgz): no entry may land outside its root (no
// absolute names, no `..`, no symlink leading out, nothing written through a
// symlink: zip-slip), symlinks are kept only when asked and when they stay
// inside, special mode bits are dropped, and the archive limits (bombs) are
// checked from headers before an entry is written and on the bytes as they
// stream. `readZip` walks a zip's entries for a caller with its own sink (the
// foundation's blob store); `extractZip` and `extractTarGz` write a folder.
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, posix, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { fromBufferPromise, openPromise, type Entry, type ZipFile } from 'yauzl';
import { CfPushError } from '../errors';
import { ArchiveBudget, packageLimits, type ArchiveLimits } from './archive-limits';
import { linkStaysInside } from './links';

export interface ExtractOptions {
  limits?: ArchiveLimits;
  /** Refuse archives whose entries add up to more than this (a shorthand for limits.maxBytes). */
  maxBytes?: number;
  /** How messages name the archive (default: its path). */
  name?: string;
  /** Symlinks are kept when they stay inside (default), or any symlink is refused. */
  symlinks?: 'inside' | 'refuse';
  /** A budget already charged with other entries (a package's matched files): counted on. */
  budget?: ArchiveBudget;
}

export interface ExtractResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

/** Why an entry was refused: callers that answer with their own errors (CC's) tell them apart. */
export type UnsafeReason = 'outside' | 'symlink-outside' | 'symlink' | 'through-symlink';

export class UnsafeEntryError extends CfPushError {
  constructor(
    readonly reason: UnsafeReason,
    readonly entry: string,
    archive: string,
    why: string,
  ) {
    super(`Refusing to extract '${entry}' from ${archive}: ${why}.`, {
      code: 'UnsafeZipEntry',
      hint: 'An archive may only hold relative paths inside its root, and symlinks that stay inside it.',
    });
    this.name = 'UnsafeEntryError';
  }
}

/** One zip entry as `readZip` hands it on: files come with their bytes as a stream. */
export type ZipItem =
  | { kind: 'dir'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; size: number; stream: Readable }
  | { kind: 'symlink'; path: string; link: string; size: number };

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const MAX_LINK = 4096;

const limitsOf = (o: ExtractOptions): ArchiveLimits => {
  const l = o.limits ?? packageLimits();
  return o.maxBytes !== undefined ? { ...l, maxBytes: o.maxBytes } : l;
};

/** A clean relative path inside the archive root ('.' for the root itself), or an error saying why not. */
export function entryPath(name: string, archive: string): string {
  const unsafe = (why: string) => new UnsafeEntryError('outside', name, archive, why);
  if (name.includes('\0')) throw unsafe('the name contains a NUL byte');
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/') || /^[a-zA-Z]:/.test(n)) throw unsafe('absolute paths are not allowed');
  if (n.split('/').includes('..')) throw unsafe("'..' path segments are not allowed");
  const clean = posix
    .normalize(n)
    .replace(/^(\.\/)+/, '')
    .replace(/\/$/, '');
  return clean || '.';
}

/**
 * Walks a zip (a file or a buffer) entry by entry, checked and within
 * limits, and hands each to `onItem` (which must read a file's stream).
 */
export async function readZip(source: string | Buffer, opts: ExtractOptions, onItem: (item: ZipItem) => Promise<void>): Promise<void> {
  const archive = opts.name ?? (typeof source === 'string' ? source : 'the zip');
  let zip: ZipFile;
  let size: number;
  try {
    // yauzl stops an entry that streams past its header's size (validateEntrySizes).
    const o = { lazyEntries: true, strictFileNames: false, validateEntrySizes: true };
    zip = typeof source === 'string' ? await openPromise(source, o) : await fromBufferPromise(source, o);
    size = typeof source === 'string' ? (await stat(source)).size : source.length;
  } catch (err) {
    throw new CfPushError(`Cannot read zip ${archive}: ${(err as Error).message}`, { code: 'InvalidZip', cause: err });
  }
  const budget = opts.budget ?? new ArchiveBudget(limitsOf(opts), size, `Zip ${archive}`);
  try {
    for await (const entry of zip.eachEntry() as AsyncIterable<Entry>) {
      const attrs = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = attrs & S_IFMT;
      const path = entryPath(entry.fileName, archive);
      if (entry.fileName.endsWith('/') || type === S_IFDIR) {
        if (path !== '.') await onItem({ kind: 'dir', path, mode: attrs & 0o777 });
        continue;
      }
      if (path === '.') throw new UnsafeEntryError('outside', entry.fileName, archive, 'a file cannot be the archive root');
      budget.entry(entry.uncompressedSize);
      const stream = await zip.openReadStreamPromise(entry);
      if (type === S_IFLNK) {
        if (opts.symlinks === 'refuse') throw new UnsafeEntryError('symlink', path, archive, 'symbolic links are not allowed here');
        const chunks: Buffer[] = [];
        let n = 0;
        for await (const c of stream) {
          n += (c as Buffer).length;
          if (n > MAX_LINK) throw new UnsafeEntryError('symlink-outside', path, archive, `the symlink's target is longer than ${MAX_LINK} bytes`);
          chunks.push(c as Buffer);
        }
        const link = Buffer.concat(chunks).toString('utf8');
        if (!linkStaysInside(path, link)) throw new UnsafeEntryError('symlink-outside', path, archive, `it is a symlink to '${link}', outside the archive`);
        await onItem({ kind: 'symlink', path, link, size: entry.uncompressedSize });
        continue;
      }
      await onItem({ kind: 'file', path, mode: attrs & 0o777, size: entry.uncompressedSize, stream });
    }
  } catch (err) {
    if (err instanceof CfPushError) throw err;
    const msg = (err as Error).message;
    // yauzl's own name checks ("absolute path: /x", "invalid relative path: ../x").
    if (/absolute path|invalid relative path|invalid characters/.test(msg)) {
      throw new UnsafeEntryError('outside', msg.replace(/^[^:]*: /, ''), archive, msg);
    }
    // A stream longer than its header said, a bad CRC, a truncated archive.
    throw new CfPushError(`Cannot extract zip ${archive}: ${msg}`, { code: 'InvalidZip', cause: err });
  } finally {
    zip.close();
  }
}

/** Inside `root` (or root itself)? Compared on resolved paths. */
function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A symlinked parent folder (only ever one of the archive's) must not carry a write out of root. */
async function assertNoSymlinkParent(root: string, target: string, entry: string, archive: string): Promise<void> {
  for (let p = dirname(target); within(root, p) && p !== root; p = dirname(p)) {
    const st = await lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new UnsafeEntryError('through-symlink', entry, archive, 'it would be written through a symlink');
  }
}

/** Unpacks a zip into `destDir`. Zips made on Windows carry no unix mode: scripts under bin/ still run. */
export async function extractZip(source: string | Buffer, destDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const root = resolve(destDir);
  const archive = opts.name ?? (typeof source === 'string' ? source : 'the zip');
  await mkdir(root, { recursive: true });
  const result: ExtractResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  await readZip(source, opts, async (item) => {
    const target = resolve(root, item.path);
    await assertNoSymlinkParent(root, target, item.path, archive);
    if (item.kind === 'dir') {
      await mkdir(target, { recursive: true });
      await chmod(target, (item.mode || 0o755) | 0o700); // we must be able to write into it
      result.dirs++;
      return;
    }
    await mkdir(dirname(target), { recursive: true });
    if (item.kind === 'symlink') {
      await symlink(item.link, target);
      result.symlinks++;
      result.bytes += item.size;
      return;
    }
    const mode = item.mode || (/(^|\/)bin\//.test(item.path) ? 0o755 : 0o644);
    await pipeline(item.stream, createWriteStream(target, { mode }));
    await chmod(target, mode); // the umask may have dropped bits
    result.files++;
    result.bytes += item.size;
  });
  return result;
}

/**
 * Unpacks a .tgz into `dir`, replaced whole or left as it was. Entries are
 * checked as the tar headers arrive; the gunzipped stream is counted too.
 */
export async function extractTarGz(tgz: string, dir: string, opts: ExtractOptions = {}): Promise<void> {
  const archive = opts.name ?? tgz;
  const target = resolve(dir);
  const tmp = `${target}.extract-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await mkdir(tmp, { recursive: true });
  try {
    const budget = new ArchiveBudget(
      limitsOf(opts),
      (await stat(tgz)).size,
      opts.name ? archive[0]!.toUpperCase() + archive.slice(1) : `The archive ${archive}`,
    );
    let refused: Error | undefined;
    const unpack = tar.x({
      cwd: tmp,
      preserveOwner: false,
      strict: true,
      filter: (path, entry) => {
        if (refused) return false;
        const e = entry as tar.ReadEntry;
        try {
          entryPath(path, archive);
          if (e.type === 'SymbolicLink' || e.type === 'Link') {
            if (opts.symlinks === 'refuse') throw new UnsafeEntryError('symlink', path, archive, 'links are not allowed here');
            // A hard link's target is named from the archive root, a symlink's from its own folder.
            const from = e.type === 'SymbolicLink' ? path : '_';
            if (!e.linkpath || !linkStaysInside(from, e.linkpath))
              throw new UnsafeEntryError('symlink-outside', path, archive, `it is a link to '${e.linkpath}' and points outside the archive`);
          }
          budget.entry(e.size ?? 0);
        } catch (err) {
          refused = err as Error;
          unpack.abort(refused);
          return false;
        }
        if (e.mode) e.mode &= 0o777; // no setuid, setgid or sticky bits
        return true;
      },
    });
    await pipeline(createReadStream(tgz), createGunzip(), budget.counter(), unpack).catch((err: unknown) => {
      throw refused ?? err;
    });
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (err) {
    if (err instanceof CfPushError) throw err;
    throw new CfPushError(`Could not extract ${archive}: ${(err as Error).message}`, { code: 'InvalidZip', cause: err });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
