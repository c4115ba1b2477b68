// Walk the app folder the way the cf CLI does (GatherDirectoryResources):
// every file, directory and symlink not ignored, files with their sha1.
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CfPushError } from '../errors';
import { linkStaysInside, SYMLINK_OUTSIDE_DETAIL } from './links';
import { isIgnored, loadIgnore } from './ignore';
import { fileChecksum } from './checksum';
import type { Resource } from './types';

/** sha1 hex of a file, streamed so large files do not sit in memory. */
export const sha1File = (file: string): Promise<string> => fileChecksum(file, 'sha1');

const perm = (mode: number): string => (mode & 0o777).toString(8);

/** Runs `fn` over items with at most `limit` in flight (hashing thousands of files). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function collectResources(dir: string): Promise<Resource[]> {
  // The CLI resolves a symlinked app folder first (filepath.EvalSymlinks).
  const root = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
    throw new CfPushError(`The specified path '${dir}' does not exist.`, { code: 'AppPathNotFound', cause: err });
  });
  if (!(await lstat(root)).isDirectory()) {
    throw new CfPushError(`'${dir}' is not a folder.`, {
      code: 'AppPathNotFolder',
      hint: 'Point `path` (or -p) at the unpacked app folder.',
    });
  }
  const ig = await loadIgnore(root);
  const found: Resource[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = await lstat(childAbs);
      const isDir = st.isDirectory();
      // An ignored folder is skipped whole, as git does (no re-include inside it).
      if (isIgnored(ig, childRel, isDir)) continue;
      if (isDir) {
        found.push({ path: childRel, mode: '755', checksum: { value: '' }, size_in_bytes: 0, absPath: childAbs, kind: 'dir' });
        await walk(childAbs, childRel);
      } else if (st.isSymbolicLink()) {
        found.push({
          path: childRel,
          mode: perm(st.mode),
          checksum: { value: '' },
          size_in_bytes: 0,
          absPath: childAbs,
          kind: 'symlink',
          linkTarget: await readlink(childAbs),
        });
      } else if (st.isFile()) {
        found.push({ path: childRel, mode: perm(st.mode), checksum: { value: '' }, size_in_bytes: st.size, absPath: childAbs, kind: 'file' });
      }
      // Sockets, FIFOs and devices cannot be uploaded; skip them like the zip would.
    }
  };
  await walk(root, '');
  if (!found.length) throw new CfPushError(`No app files found in '${dir}'`, { code: 'EmptyDirectory' });
  for (const r of found) if (r.kind === 'symlink') await checkLink(root, r);
  await mapLimit(
    found.filter((r) => r.kind === 'file'),
    16,
    async (r) => {
      r.checksum.value = await sha1File(r.absPath);
    },
  );
  return found;
}

/**
 * Links that stay inside the app are uploaded as links, as the cf CLI does;
 * one that leads out would be refused by Cloud Controller after the upload,
 * so say which one it is now. Checked as text and, if it exists, where it
 * really leads (a link through another link).
 */
async function checkLink(root: string, r: Resource): Promise<void> {
  const text = r.linkTarget ?? '';
  const real = await realpath(r.absPath).catch(() => undefined);
  const rel = real === undefined ? '' : relative(root, real);
  const outside = !linkStaysInside(r.path, text) || (real !== undefined && (rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep)));
  if (!outside) return;
  throw new CfPushError(`'${r.path}' is a symlink to '${text}', outside the app folder: Cloud Foundry refuses such an upload (${SYMLINK_OUTSIDE_DETAIL}).`, {
    code: 'SymlinkOutsideApp',
    hint: `Add '${r.path}' to .cfignore, or replace the link with a copy of what it points to.`,
  });
}
