// Suggestions and mechanical fixes carried on diagnostics (ManifestDiagnostic.fix),
// so any editor can offer them as quick fixes without knowing the rules.
import { stringify } from 'yaml';
import type { ManifestFix } from './types';
import type { Range, YEntry, YNode } from './tree';
import { normKey } from './checks';
import { MANIFEST_KEYS, type KeyScope } from './keys';

/** Optimal string alignment distance: Levenshtein plus adjacent swaps (`memroy`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The key the user most likely meant, among `known` (underscored, as CC
 * compares them), spelled the way MANIFEST_KEYS documents it. Only close
 * matches (1 edit for short keys, 2 up to 8 letters, 3 beyond) and only a
 * single best one: a guess between two keys is no help.
 */
export function suggestKey(key: string, known: Iterable<string>, scope: KeyScope, present: readonly string[] = []): string | undefined {
  const typed = normKey(key).toLowerCase();
  const taken = new Set(present.map(normKey));
  const limit = typed.length <= 4 ? 1 : typed.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const k of known) {
    if (taken.has(k)) continue;
    const d = editDistance(typed, k);
    if (d > limit) continue;
    if (d < bestDistance) [best, bestDistance, tie] = [k, d, false];
    else if (d === bestDistance) tie = true;
  }
  if (!best || tie) return undefined;
  return displayKey(best, scope);
}

/** `health_check_type` → `health-check-type`: the documented spelling of an underscored key. */
function displayKey(underscored: string, scope: KeyScope): string {
  const documented = Object.keys(MANIFEST_KEYS).filter((k) => normKey(k) === underscored && MANIFEST_KEYS[k]!.scopes.includes(scope));
  return documented.find((k) => k === underscored) ?? documented[0] ?? underscored;
}

export function renameFix(range: Range, to: string): ManifestFix {
  return { title: `Change to '${to}'`, edits: [{ start: range.start, end: range.end, text: to }] };
}

const UNIT = /^(-?\d+(?:\.\d+)?)\s+([KMGT]i?B?|B)$/i;

/**
 * The byte quantity a unit error most likely meant: a bare number of
 * megabytes (`256` → `256M`, what memory and disk are counted in) or a
 * number and unit with a space between (`1 GB` → `1G`). `bareMeansMb` is off
 * for the log rate, where a bare number is bytes or a typo: no obvious fix.
 */
export function unitFix(node: YNode, bareMeansMb: boolean): { fix: ManifestFix; hint: string } | undefined {
  if (node.kind !== 'scalar' || node.unresolved) return undefined;
  const text = String(node.value).trim();
  let to: string | undefined;
  let hint = '';
  if (bareMeansMb && /^\d+$/.test(text) && Number(text) > 0) {
    to = `${text}M`;
    hint = `Write ${to} for ${text} megabytes: a bare number has no unit.`;
  }
  const m = UNIT.exec(text);
  if (m) {
    to = `${m[1]}${m[2]!.toUpperCase()[0]}`;
    hint = `Write ${to}: the unit must follow the number without a space.`;
  }
  if (!to) return undefined;
  return { fix: { title: `Change to ${to}`, edits: [{ start: node.range.start, end: node.range.end, text: to }] }, hint };
}

/**
 * `buildpack: x` → `buildpacks:` listing x, in the style of the map it is in
 * (a block list, or `[x]` inside `{...}`). Only when the value is written right
 * after the key: a value from an alias lives elsewhere.
 */
export function buildpackFix(e: YEntry, flow: boolean): ManifestFix | undefined {
  const v = e.value;
  if (v.kind !== 'scalar' || typeof v.value !== 'string' || v.unresolved) return undefined;
  if (['', 'default', 'null'].includes(v.value)) return undefined; // auto-detect: `buildpacks` would keep the old ones
  if (v.range.start.line !== e.keyRange.start.line || v.range.start.col <= e.keyRange.end.col) return undefined;
  // The yaml library quotes the name only if it must.
  const item = stringify(v.value).trimEnd();
  const text = flow ? `buildpacks: [${item}]` : `buildpacks:\n${' '.repeat(e.keyRange.start.col - 1)}- ${item}`;
  return { title: `Change to 'buildpacks:' listing ${v.value}`, edits: [{ start: e.keyRange.start, end: v.range.end, text }] };
}
