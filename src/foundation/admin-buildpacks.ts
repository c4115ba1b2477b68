// Admin buildpacks as CC keeps them: positions 1…n, unique, where inserting
// or moving one shifts the others and a removal closes the gap (Sequel's list
// plugin, which CC's Buildpack model uses); what staging detects over and
// finds by name (the records before the built-ins); and the list in the data
// dir that `cfpush detect` and `cfpush stage` read (core/staging/installed.ts).
import { InstalledBuildpacks, writeInstalledIndex, type InstalledEntry } from '../core/staging/installed';
import type { Foundation } from './context';
import { logError } from './log';
import { ordinal, type BuildpackRec } from './store';

/** The records in position order. */
export function byPosition(f: Foundation): BuildpackRec[] {
  return f.store.list('buildpacks').sort((a, b) => a.position - b.position || ordinal(a.created_at, b.created_at));
}

/**
 * Puts `rec` at `position` (past the end: last) and numbers them all 1…n
 * again: CC's move_to, also for a record not listed yet (create) and, with
 * `position` undefined, for one just removed (the others close up).
 */
export function reposition(f: Foundation, rec: BuildpackRec, position?: number): void {
  const all = byPosition(f).filter((b) => b.guid !== rec.guid);
  if (position !== undefined) all.splice(Math.min(Math.max(position, 1), all.length + 1) - 1, 0, rec);
  all.forEach((b, i) => (b.position = i + 1));
  f.store.save();
}

/** A record with bits staging can use: a built-in, or one whose zip was uploaded. */
export function hasBits(b: BuildpackRec): boolean {
  return !!b.builtin || !!b.sha256;
}

function entries(f: Foundation): InstalledEntry[] {
  return byPosition(f)
    .filter(hasBits)
    .map((b) => ({
      name: b.name,
      enabled: b.enabled,
      stack: b.stack,
      ...(b.sha256 ? { dir: f.store.buildpackBits.relDir(b.sha256) } : { builtin: b.builtin }),
    }));
}

/** What staging resolves buildpack names and detects with. */
export function installedBuildpacks(f: Foundation): InstalledBuildpacks {
  return new InstalledBuildpacks(entries(f), f.store.dataDir);
}

/** After every change (and at start): the list the tools on this machine read. */
export function buildpacksChanged(f: Foundation): Promise<void> {
  return writeInstalledIndex(f.store.dataDir, entries(f)).catch((err: unknown) => logError('writing the installed buildpacks list', err));
}
