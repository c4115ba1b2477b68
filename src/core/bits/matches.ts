// resource_matches: ask CC which files it already has (non-empty files only,
// ≤5000 per request) and upload only the rest.
import type { ApiResource, Resource } from './types';

export const RESOURCE_MATCH_CHUNK = 5000;

export function toApiResource(r: Resource): ApiResource {
  return { path: r.path, mode: r.mode, checksum: { value: r.checksum.value }, size_in_bytes: r.size_in_bytes };
}

/** Request bodies for POST /v3/resource_matches, each `{resources: [...]}` with ≤ chunkSize entries. */
export function resourceMatchChunks(resources: readonly Resource[], chunkSize = RESOURCE_MATCH_CHUNK): { resources: ApiResource[] }[] {
  const candidates = resources.filter((r) => r.kind === 'file' && r.size_in_bytes > 0).map(toApiResource);
  const out: { resources: ApiResource[] }[] = [];
  for (let i = 0; i < candidates.length; i += chunkSize) out.push({ resources: candidates.slice(i, i + chunkSize) });
  return out;
}

/**
 * Split by CC's answers (the concatenated `resources` of every resource_matches
 * response): matched files go in the upload's `resources` field, everything
 * else (including directories and symlinks) into the zip.
 */
export function splitByMatches(resources: readonly Resource[], matches: readonly ApiResource[]): { matched: Resource[]; unmatched: Resource[] } {
  const known = new Set(matches.map((m) => `${m.checksum.value}:${m.size_in_bytes}`));
  const matched: Resource[] = [];
  const unmatched: Resource[] = [];
  for (const r of resources) {
    if (r.kind === 'file' && r.size_in_bytes > 0 && known.has(`${r.checksum.value}:${r.size_in_bytes}`)) matched.push(r);
    else unmatched.push(r);
  }
  return { matched, unmatched };
}
