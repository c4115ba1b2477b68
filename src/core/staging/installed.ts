// Buildpacks installed on a local foundation (`cf create-buildpack`, CC's
// admin buildpacks), as the foundation's staging uses them and as it lists
// them in its data dir for the tools on this machine: `cfpush detect` and
// `cfpush stage` detect over the same buildpacks, in the same order, and find
// the same names as `cf push -b NAME` does there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { CfPushError } from '../errors';
import { describeBuildpack, findBuiltin, type Buildpack } from './buildpacks';

/** One admin buildpack with bits, in position order. */
export interface InstalledEntry {
  /** Its name on the foundation: what `-b` and a manifest's `buildpacks:` name. */
  name: string;
  enabled: boolean;
  stack: string | null;
  /** A built-in (its folder under the package's buildpacks/). */
  builtin?: string;
  /** Otherwise its extracted zip, relative to the data dir. */
  dir?: string;
}

/** The list in a foundation's data dir (written by the foundation on every change). */
export const INSTALLED_INDEX = 'buildpacks.json';

export function writeInstalledIndex(dataDir: string, entries: InstalledEntry[]): Promise<void> {
  return writeFileAtomic(join(dataDir, INSTALLED_INDEX), `${JSON.stringify({ buildpacks: entries }, null, 2)}\n`, { mode: 0o600 });
}

/** A foundation's installed buildpacks, or undefined where there is no list (no foundation ran there). */
export function readInstalledIndex(dataDir: string): InstalledBuildpacks | undefined {
  const file = join(dataDir, INSTALLED_INDEX);
  if (!existsSync(file)) return undefined;
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { buildpacks?: InstalledEntry[] };
    return new InstalledBuildpacks(Array.isArray(doc.buildpacks) ? doc.buildpacks : [], dataDir);
  } catch {
    return undefined;
  }
}

export class InstalledBuildpacks {
  constructor(
    /** In position order. */
    readonly entries: InstalledEntry[],
    private readonly dataDir: string,
  ) {}

  /** What detection tries, first match wins: the enabled ones in position order (CC skips disabled ones). */
  detectionOrder(stack?: string): Buildpack[] {
    return this.entries.filter((e) => e.enabled && fits(e, stack)).flatMap((e) => this.buildpack(e) ?? []);
  }

  /**
   * The buildpack `-b NAME` means here, or undefined when none has that name.
   * A disabled one refuses, as CC does ("When a buildpack is disabled, app
   * developers cannot push apps using that buildpack").
   */
  byName(name: string, stack?: string): Buildpack | undefined {
    const named = this.entries.filter((e) => e.name === name && fits(e, stack));
    const e = named.find((x) => x.stack === stack) ?? named[0];
    if (!e) return undefined;
    if (!e.enabled) {
      throw new CfPushError(`Buildpack '${name}' is disabled: it cannot be used for staging.`, {
        code: 'StagingError',
        hint: `Enable it with \`cf update-buildpack ${name} --enable\`, or name another buildpack.`,
      });
    }
    const bp = this.buildpack(e);
    if (!bp) {
      throw new CfPushError(`Buildpack '${name}' is installed but its files are missing.`, {
        code: 'StagingError',
        hint: `Upload it again with \`cf update-buildpack ${name} -p ZIP\`.`,
      });
    }
    return bp;
  }

  private buildpack(e: InstalledEntry): Buildpack | undefined {
    if (e.builtin) {
      const b = findBuiltin(e.builtin);
      return b && { ...b, key: e.name };
    }
    if (!e.dir) return undefined;
    try {
      return describeBuildpack(join(this.dataDir, e.dir), e.name, e.name);
    } catch {
      return undefined;
    }
  }
}

/** CC stages with the buildpacks of the app's stack and those without one. */
function fits(e: InstalledEntry, stack: string | undefined): boolean {
  return !stack || !e.stack || e.stack === stack;
}
