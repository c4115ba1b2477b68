// Fingerprints of an app's bits: to skip an upload when nothing changed, and
// CC's package checksum (sha256 of the uploaded zip).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Resource } from './types';

/** sha256 hex over every resource's path, kind, mode, sha1 and size, in path order. */
export function packageChecksum(resources: readonly Resource[]): string {
  const hash = createHash('sha256');
  const sorted = [...resources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of sorted) {
    hash.update(`${r.path}\0${r.kind}\0${r.mode}\0${r.checksum.value}\0${r.size_in_bytes}\0${r.linkTarget ?? ''}\n`);
  }
  return hash.digest('hex');
}

/** Streamed hash of a file (`sha256` for CC package checksums). */
export function fileChecksum(file: string, algorithm: 'sha1' | 'sha256' = 'sha256'): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
