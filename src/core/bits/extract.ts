// Unpack a zip someone else made (an app package, a buildpack) without
// letting any entry escape destDir (no absolute names, no `..`, no symlinks
// pointing outside: zip-slip) or expand past the archive limits (bombs).
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, stat, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fromBufferPromise, openPromise, type Entry, type ZipFile } from 'yauzl';
import { CfPushError } from '../errors';
import { ArchiveBudget, packageLimits, type ArchiveLimits } from './archive-limits';

export interface ExtractOptions {
  /** Refuse archives whose entries add up to more than this (zip bombs); default: a package's limits. */
  maxBytes?: number;
  limits?: ArchiveLimits;
  /** How messages name the archive (default: its path). */
  name?: string;
}

export interface ExtractResult { files: number; dirs: number; symlinks: number; bytes: number }

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

function unsafe(zipFile: string, name: string, why: string): CfPushError {
  return new CfPushError(`Refusing to extract '${name}' from ${zipFile}: ${why}.`, {
    code: 'UnsafeZipEntry',
    hint: 'The package zip must only contain relative paths inside the app folder.',
  });
}

/** Inside `root` (or root itself)? Compared on resolved paths. */
function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The entry's target path, or an error saying why it is not allowed. */
function targetOf(root: string, zipFile: string, name: string): string {
  if (name.includes('\0')) throw unsafe(zipFile, name, 'the name contains a NUL byte');
  const normalized = name.replace(/\\/g, '/');
  if (normalized.startsWith('/') || /^[a-zA-Z]:/.test(normalized)) throw unsafe(zipFile, name, 'absolute paths are not allowed');
  if (normalized.split('/').includes('..')) throw unsafe(zipFile, name, "'..' path segments are not allowed");
  const target = resolve(root, normalized);
  if (!within(root, target)) throw unsafe(zipFile, name, `it would be written outside ${root}`);
  return target;
}

/** A symlinked parent folder (only ever one we created) must still resolve inside root. */
async function assertNoEscapingParent(root: string, target: string, zipFile: string, name: string): Promise<void> {
  for (let p = dirname(target); within(root, p) && p !== root; p = dirname(p)) {
    const st = await lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink()) throw unsafe(zipFile, name, 'it would be written through a symlink');
  }
}

export async function extractZipSafely(source: string | Buffer, destDir: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const root = resolve(destDir);
  const zipFile = opts.name ?? (typeof source === 'string' ? source : 'the zip');
  await mkdir(root, { recursive: true });
  let zip: ZipFile;
  let size: number;
  try {
    // yauzl also rejects absolute and `..` names itself, and stops an entry that streams past its header's size.
    const o = { lazyEntries: true, strictFileNames: false, validateEntrySizes: true };
    zip = typeof source === 'string' ? await openPromise(source, o) : await fromBufferPromise(source, o);
    size = typeof source === 'string' ? (await stat(source)).size : source.length;
  } catch (err) {
    throw new CfPushError(`Cannot read zip ${zipFile}: ${(err as Error).message}`, { code: 'InvalidZip', cause: err });
  }
  const limits = opts.limits ?? packageLimits();
  const budget = new ArchiveBudget(opts.maxBytes !== undefined ? { ...limits, maxBytes: opts.maxBytes } : limits, size, `Zip ${zipFile}`);
  const result: ExtractResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  try {
    for await (const entry of zip.eachEntry() as AsyncIterable<Entry>) {
      const name = entry.fileName;
      const target = targetOf(root, zipFile, name);
      const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = unixMode & S_IFMT;
      await assertNoEscapingParent(root, target, zipFile, name);

      if (name.endsWith('/') || type === S_IFDIR) {
        await mkdir(target, { recursive: true });
        await chmod(target, (unixMode & 0o777 || 0o755) | 0o700); // we must be able to write into it
        result.dirs++;
        continue;
      }
      budget.entry(entry.uncompressedSize);
      result.bytes += entry.uncompressedSize;
      await mkdir(dirname(target), { recursive: true });
      const stream = await zip.openReadStreamPromise(entry);

      if (type === S_IFLNK) {
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const link = Buffer.concat(chunks).toString('utf8');
        const pointsTo = resolve(dirname(target), link);
        if (isAbsolute(link) || !within(root, pointsTo)) {
          throw unsafe(zipFile, name, `it is a symlink to '${link}', outside ${root}`);
        }
        await symlink(link, target);
        result.symlinks++;
        continue;
      }
      // Zips made on Windows carry no unix mode: scripts under bin/ must still run. No special bits.
      const mode = unixMode & 0o777 || (/(^|\/)bin\//.test(name) ? 0o755 : 0o644);
      await pipeline(stream, createWriteStream(target, { mode }));
      await chmod(target, mode); // the umask may have dropped bits
      result.files++;
    }
  } catch (err) {
    if (err instanceof CfPushError) throw err;
    const msg = (err as Error).message;
    // yauzl's own name checks ("absolute path: /x", "invalid relative path: ../x").
    if (/absolute path|invalid relative path|invalid characters/.test(msg)) {
      throw new CfPushError(`Refusing to extract from ${zipFile}: ${msg}.`, { code: 'UnsafeZipEntry', cause: err });
    }
    throw new CfPushError(`Cannot extract zip ${zipFile}: ${msg}`, { code: 'InvalidZip', cause: err });
  } finally {
    zip.close();
  }
  return result;
}
