// .cfignore (gitignore syntax) plus the files the cf CLI always leaves out
// (CLI `sharedaction.DefaultIgnoreLines`).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';

export const ALWAYS_IGNORED = ['.cfignore', '.DS_Store', '.git', '.gitignore', '.hg', '.svn', '_darcs', 'manifest.yml', 'manifest.yaml'] as const;

export async function loadIgnore(dir: string): Promise<Ignore> {
  const ig = ignore().add([...ALWAYS_IGNORED]);
  try {
    ig.add(await readFile(join(dir, '.cfignore'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return ig;
}

/** Directories are tested with a trailing slash so `dir/` patterns apply. */
export function isIgnored(ig: Ignore, rel: string, isDir: boolean): boolean {
  return ig.ignores(isDir ? `${rel}/` : rel);
}
