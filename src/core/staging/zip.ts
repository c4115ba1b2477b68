// Extracts a buildpack .zip safely: nothing may land outside the target
// (no `..`, no absolute names, no symlinks pointing out), and unix modes are
// kept so bin/* stay executable.
import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, resolve, sep } from 'node:path';
import { fromBufferPromise, type Entry } from 'yauzl';
import { CfPushError } from '../errors';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

function escapeError(what: string, name: string, archive: string): CfPushError {
  return new CfPushError(`Refusing to extract ${archive}: ${what} "${name}" would be written outside the target folder.`, {
    code: 'ArchiveEntryOutsideTarget',
  });
}

/** Throws unless `name` is a relative path that stays inside the archive root. */
export function checkEntryName(name: string, archive: string): string {
  const norm = posix.normalize(name.replace(/\\/g, '/'));
  if (isAbsolute(name) || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || norm === '..' || norm.startsWith('../')) {
    throw escapeError('entry', name, archive);
  }
  return norm;
}

/** A symlink is fine only if its target, resolved from its own folder, stays under `root`. */
export function checkLinkTarget(root: string, entryPath: string, target: string, archive: string): void {
  const abs = resolve(dirname(join(root, entryPath)), target);
  if (isAbsolute(target) || (abs !== root && !abs.startsWith(root + sep))) {
    throw escapeError(`symlink ${entryPath} ->`, target, archive);
  }
}

async function readAll(zip: Awaited<ReturnType<typeof fromBufferPromise>>, entry: Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function extractZip(data: Buffer, dest: string, archive: string): Promise<void> {
  const root = resolve(dest);
  let zip;
  try {
    zip = await fromBufferPromise(data, { lazyEntries: true, strictFileNames: false });
  } catch (err) {
    throw new CfPushError(`${archive} is not a valid zip file: ${(err as Error).message}`, { code: 'BuildpackMalformed', cause: err });
  }
  try {
    for await (const entry of zip.eachEntry()) {
      const name = checkEntryName(entry.fileName, archive);
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const path = join(root, name);
      if (name.endsWith('/') || (mode & S_IFMT) === S_IFDIR) {
        await mkdir(path, { recursive: true });
        continue;
      }
      await mkdir(dirname(path), { recursive: true });
      const body = await readAll(zip, entry);
      if ((mode & S_IFMT) === S_IFLNK) {
        const target = body.toString('utf8');
        checkLinkTarget(root, name, target, archive);
        await symlink(target, path);
        continue;
      }
      await writeFile(path, body);
      // Zips made on Windows carry no unix mode: scripts under bin/ must still run.
      const perm = mode & 0o777 ? mode & 0o777 : /(^|\/)bin\//.test(name) ? 0o755 : 0o644;
      await chmod(path, perm);
    }
  } catch (err) {
    if (err instanceof CfPushError) throw err;
    // yauzl itself rejects absolute and `..` names ("invalid relative path").
    throw new CfPushError(`Refusing to extract ${archive}: ${(err as Error).message}`, { code: 'ArchiveEntryOutsideTarget', cause: err });
  } finally {
    zip.close();
  }
}
