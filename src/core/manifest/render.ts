// YAML for POST /v3/spaces/:guid/actions/apply_manifest: the apps after
// ((vars)) and anchors, without the client-only `path`.
import { stringify } from 'yaml';
import type { AppManifest, Manifest } from './types';

/** Manifests that declared `version:` (kept out of the public type on purpose). */
export const manifestVersions = new WeakMap<Manifest, unknown>();

export function renderManifestForApi(manifest: Manifest, apps?: readonly (AppManifest | string)[]): string {
  const chosen = apps ? manifest.apps.filter((a) => apps.some((x) => (typeof x === 'string' ? x === a.name : x === a || x.name === a.name))) : manifest.apps;
  const applications = chosen.map((a) => {
    const { path: _clientOnly, ...rest } = a.raw;
    // CC stringifies env values; sending our strings keeps `1.0` from becoming `1`.
    return a.env ? { ...rest, name: a.name, env: a.env } : { ...rest, name: a.name };
  });
  const doc: Record<string, unknown> = {};
  if (manifestVersions.has(manifest)) doc.version = manifestVersions.get(manifest);
  doc.applications = applications;
  return stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
}
