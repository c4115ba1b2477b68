// Admin buildpack bits (cf create-buildpack, update-buildpack -p), keyed by
// the zip's sha256 as CC's buildpack blobstore keys them:
// - buildpacks/<sha256>.zip: the uploaded zip as it came;
// - buildpacks/<sha256>/: what it unpacks to (with the one safe extractor),
//   where staging runs its scripts.
// Both are built under tmp/ and renamed into place before a record names the
// checksum; bits go with the last record that names them, and what a killed
// foundation left unnamed is swept at start (state.ts).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse as parseYaml } from 'yaml';
import { packageLimits } from '../core/bits/archive-limits';
import { extractZip } from '../core/bits/extract';
import { CfPushError } from '../core/errors';
import { describeBuildpack } from '../core/staging/buildpacks';
import { ApiError, maxUploadBytes } from './http';
import { PRIVATE_FILE_MODE } from './state';
import type { Store } from './store';

/** CC's BuildpackZipError (390013): the cf CLI shows its detail. */
export const zipError = (detail: string) => new ApiError(422, 390013, 'CF-BuildpackZipError', `Buildpack zip error: ${detail}`);
/** CC's BuildpackInvalid (290003). */
export const invalidBuildpack = (detail: string) => new ApiError(422, 290003, 'CF-BuildpackInvalid', `Buildpack is invalid: ${detail}`);

const MANIFEST_MAX = 1024 * 1024;

export interface PlacedBits {
  sha256: string;
  /** `stack:` of the zip's manifest.yml, if it has one (CC's StackNameExtractor). */
  stack: string | null;
}

export class BuildpackBits {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Store) {}

  zipPath(sha256: string): string {
    return join(this.store.dataDir, 'buildpacks', `${sha256}.zip`);
  }

  /** The extracted zip, relative to the data dir (what core/staging/installed.ts lists). */
  relDir(sha256: string): string {
    return join('buildpacks', sha256);
  }

  /** Checksums some buildpack record names. */
  referenced(): Set<string> {
    return new Set(this.store.list('buildpacks').flatMap((b) => (b.sha256 ? [b.sha256] : [])));
  }

  /**
   * Checks an uploaded zip (a zip the safe extractor takes, a bin/detect, a
   * readable manifest), puts its bits in place unless the same bytes are
   * there, then runs `record` with them: under one lock with release(), so
   * bits a record is about to name are never removed meanwhile.
   */
  place(upload: string, filename: string, record: (bits: PlacedBits) => void): Promise<void> {
    return this.locked(async () => {
      const sha256 = await fileSha256(upload);
      const dir = join(this.store.dataDir, this.relDir(sha256));
      if (existsSync(dir) && existsSync(this.zipPath(sha256))) {
        await rm(upload, { force: true });
      } else {
        const tree = this.store.tmpDir('buildpack-tree');
        try {
          await unpack(upload, tree, filename);
          await chmod(upload, PRIVATE_FILE_MODE);
          await rename(upload, this.zipPath(sha256));
          await rm(dir, { recursive: true, force: true });
          await rename(tree, dir);
        } finally {
          await rm(tree, { recursive: true, force: true });
        }
      }
      try {
        record({ sha256, stack: manifestStack(dir) });
      } catch (err) {
        await this.drop(sha256);
        throw err;
      }
    });
  }

  /** Removes the bits of `sha256` unless a record still names them. */
  release(sha256: string | null): Promise<void> {
    return sha256 ? this.locked(() => this.drop(sha256)) : Promise.resolve();
  }

  private async drop(sha256: string): Promise<void> {
    if (this.referenced().has(sha256)) return;
    await rm(this.zipPath(sha256), { force: true });
    // Renamed out of the way first: a half-deleted folder is never seen under its name.
    const gone = this.store.tmpDir('buildpack-gone');
    try {
      await rename(join(this.store.dataDir, this.relDir(sha256)), gone);
    } catch {
      return;
    }
    await rm(gone, { recursive: true, force: true });
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** Unpacks with the archive limits of packages; CC's errors for what is not a buildpack zip. */
async function unpack(zip: string, tree: string, filename: string): Promise<void> {
  try {
    await extractZip(zip, tree, { name: filename, limits: packageLimits(maxUploadBytes()) });
  } catch (err) {
    if (!(err instanceof CfPushError)) throw err;
    throw err.code === 'InvalidZip' ? zipError(`buildpack zipfile is not valid (${err.message})`) : zipError(err.message);
  }
  let root: string;
  try {
    root = describeBuildpack(tree, filename).dir;
  } catch {
    throw invalidBuildpack(`${filename} has no bin/ folder: a buildpack has bin/detect, bin/supply and bin/finalize or bin/compile, and bin/release.`);
  }
  if (!existsSync(join(root, 'bin', 'detect'))) {
    throw invalidBuildpack(`${filename} has no bin/detect: a buildpack has bin/detect, bin/supply and bin/finalize or bin/compile, and bin/release.`);
  }
}

/** The `stack:` of the manifest.yml at the zip's root, as CC reads it. */
function manifestStack(dir: string): string | null {
  const file = join(dir, 'manifest.yml');
  if (!existsSync(file)) return null;
  if (statSync(file).size > MANIFEST_MAX) throw zipError('buildpack manifest is too large');
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch {
    throw zipError('buildpack manifest is not valid');
  }
  const stack = (doc as { stack?: unknown } | null)?.stack;
  return typeof stack === 'string' && stack ? stack : null;
}
