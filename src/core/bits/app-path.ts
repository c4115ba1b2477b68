// `cf push -p app.jar` (or .war, .zip): the archive's entries are the app's
// files, as the cf CLI's GatherArchiveResources makes them. Callers get a
// folder either way; an archive is unpacked (with the package limits and the
// one safe extractor) into a temporary folder that `close()` removes.
import { open, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CfPushError } from '../errors';
import { packageLimits } from './archive-limits';
import { extractZip } from './extract';

export interface AppFolder {
  dir: string;
  /** True when `dir` is an unpacked archive. */
  fromArchive: boolean;
  close(): Promise<void>;
}

/** True when the file starts as a zip does (jar and war files are zips). */
async function looksLikeZip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}

/** The app's files as a folder: `path` itself, or a zip / jar / war unpacked. */
export async function openAppPath(path: string): Promise<AppFolder> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new CfPushError(`The specified path '${path}' does not exist.`, { code: 'AppPathNotFound', cause: err });
  });
  if (st.isDirectory()) return { dir: path, fromArchive: false, close: async () => undefined };
  if (!st.isFile() || !(await looksLikeZip(path))) {
    throw new CfPushError(`'${path}' is neither a folder nor a zip archive (.zip, .jar, .war).`, {
      code: 'AppPathNotFolder',
      hint: 'Point `path` (or -p) at the app folder or at a built archive such as target/app.jar.',
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'cfpush-app-'));
  try {
    await extractZip(path, dir, { limits: packageLimits(), name: basename(path) });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, fromArchive: true, close: () => rm(dir, { recursive: true, force: true }) };
}
