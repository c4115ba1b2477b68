// "Outdated" apps: droplets built by an older buildpack (or on a stack) than
// the one the target offers now. The CVE scenario: a fixed buildpack only
// reaches buildpack apps when they are restaged; docker images must be rebuilt.
import type { CcDroplet } from '../../core/cc/types';
import type { Session } from '../../core/session';
import { core } from '../lazy';

export interface Catalog {
  /** Buildpack name (any of its aliases) → newest version available. */
  versions: Map<string, string>;
  /** Stacks the target offers; undefined when it cannot say. */
  stacks?: Set<string>;
}

/** -1, 0, 1 comparing dotted numeric versions ("1.8.20" < "1.10.0"); non-numbers compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.+-]/);
  const pb = b.replace(/^v/, '').split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? Math.sign(nx - ny) : x.localeCompare(y);
    if (c) return c;
  }
  return 0;
}

/** Why this droplet is outdated against `catalog` ([] = up to date or unknown). */
export function outdatedReasons(
  droplet: Pick<CcDroplet, 'buildpacks' | 'stack'> | undefined,
  catalog: Catalog,
  pathVersion?: (p: string) => string | undefined,
): string[] {
  if (!droplet) return [];
  const reasons: string[] = [];
  for (const bp of droplet.buildpacks ?? []) {
    if (!bp.version) continue;
    const names = [bp.name, bp.buildpack_name ?? undefined].filter((n): n is string => !!n);
    // A buildpack named by its folder is compared with that folder now, not with a built-in of the same language.
    let now = bp.name.startsWith('/') ? pathVersion?.(bp.name) : undefined;
    for (const n of names) now ??= catalog.versions.get(n) ?? catalog.versions.get(n.replace(/[-_]buildpack$/, ''));
    if (now && compareVersions(now, bp.version) > 0) reasons.push(`${bp.buildpack_name ?? bp.name} ${bp.version} → ${now}`);
  }
  if (droplet.stack && catalog.stacks && catalog.stacks.size && !catalog.stacks.has(droplet.stack)) {
    reasons.push(`stack ${droplet.stack} is no longer offered (${[...catalog.stacks].join(', ')})`);
  }
  return reasons;
}

/** The target's buildpacks (and a remote target's stacks); the local foundation's built-ins by all their names too. */
export async function loadCatalog(session: Session): Promise<Catalog> {
  const versions = new Map<string, string>();
  if (session.target.local) {
    for (const bp of core().builtinBuildpacks()) {
      versions.set(bp.name, bp.version);
      versions.set(bp.key, bp.version);
    }
  }
  try {
    const bps = await session.cc.catalog.buildpacks();
    for (const bp of bps) {
      const v = bp.version ?? /v?(\d+(?:\.\d+)+)/.exec(bp.filename ?? '')?.[1];
      if (v && (!versions.has(bp.name) || compareVersions(v, versions.get(bp.name)!) > 0)) versions.set(bp.name, v);
    }
  } catch {
    /* not offered (Korifi): no buildpack marking */
  }
  if (session.target.local) return { versions };
  let stacks: Set<string> | undefined;
  try {
    stacks = new Set((await session.cc.catalog.stacks()).map((s) => s.name));
  } catch {
    stacks = undefined;
  }
  return { versions, stacks };
}

/** Current version of a buildpack folder the droplet named by absolute path (local targets only). */
export function localPathVersion(path: string): string | undefined {
  try {
    return core().describeBuildpack(path, path).version || undefined;
  } catch {
    return undefined;
  }
}
