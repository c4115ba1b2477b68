// Temp folders with files and modes for the bits tests.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tmpDir(prefix = 'cfpush-bits-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Files as {path: content} or {path: [content, mode]}; paths ending in "/" are folders. */
export function makeTree(files: Record<string, string | [string, number]>): string {
  const dir = tmpDir();
  for (const [name, spec] of Object.entries(files)) {
    const p = join(dir, name);
    if (name.endsWith('/')) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    mkdirSync(dirname(p), { recursive: true });
    const [content, mode] = typeof spec === 'string' ? [spec, 0o644] : spec;
    writeFileSync(p, content);
    chmodSync(p, mode);
  }
  return dir;
}
