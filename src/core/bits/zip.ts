// The package zip (CLI ZipDirectoryResources): directories end in "/", files
// and symlinks keep their unix mode in the external attributes so executables
// stay executable after CC unpacks them.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { Resource } from './types';

/** Fixed timestamps make identical bits produce an identical zip. */
const MTIME = new Date(2000, 0, 1);

export async function zipResources(resources: readonly Resource[], out: string | Writable): Promise<void> {
  const zip = new ZipFile();
  const sorted = [...resources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of sorted) {
    const mode = parseInt(r.mode, 8) & 0o777;
    if (r.kind === 'dir') zip.addEmptyDirectory(r.path, { mode: 0o040000 | (mode || 0o755), mtime: MTIME });
    else if (r.kind === 'symlink') zip.addBuffer(Buffer.from(r.linkTarget ?? ''), r.path, { mode: 0o120000 | (mode || 0o777), mtime: MTIME, compress: false });
    else zip.addFile(r.absPath, r.path, { mode: 0o100000 | (mode || 0o644), mtime: MTIME, compress: true });
  }
  zip.end();
  const dest = typeof out === 'string' ? createWriteStream(out) : out;
  await pipeline(zip.outputStream, dest);
}
