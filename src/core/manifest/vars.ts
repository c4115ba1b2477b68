// ((var)) interpolation as the cf CLI does it with the BOSH template engine
// (CLI `manifestparser/parser.go`): a value that is exactly `((name))` takes the
// variable's value with its type; inside a longer string it is spliced in as text.
import type { Range } from './tree';

/** BOSH's variable name pattern; a leading `!` (BOSH "don't interpolate") is not supported by the CLI. */
const VAR_RE = /\(\(([-/.\w\p{L}]+)\)\)/gu;

export interface VarUse {
  name: string;
  range: Range;
  found: boolean;
}

export interface Interpolated {
  value: unknown;
  uses: VarUse[];
  unresolved: boolean;
}

/**
 * `vars` undefined means "no variables known yet" (an editor without
 * --vars-file): placeholders stay as written and are not reported.
 */
export function interpolate(
  text: string,
  range: Range,
  vars?: Record<string, unknown>,
  locate?: (index: number, length: number) => Range | undefined,
): Interpolated {
  const uses: VarUse[] = [];
  for (const m of text.matchAll(VAR_RE)) {
    const name = m[1]!;
    const where = locate?.(m.index, m[0].length) ?? range;
    uses.push({ name, range: where, found: !!vars && Object.prototype.hasOwnProperty.call(vars, name) });
  }
  if (!uses.length) return { value: text, uses, unresolved: false };
  const unresolved = uses.some((u) => !u.found);
  if (unresolved || !vars) return { value: text, uses, unresolved: true };
  const whole = /^\(\(([-/.\w\p{L}]+)\)\)$/u.exec(text);
  if (whole) return { value: vars[whole[1]!], uses, unresolved: false };
  const value = text.replace(VAR_RE, (_, name: string) => stringify(vars[name]));
  return { value, uses, unresolved: false };
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** "Expected to find variables: a, b" (BOSH sorts the names). */
export function missingVarsMessage(names: Iterable<string>): string {
  return `Expected to find variables: ${[...new Set(names)].sort().join(', ')}`;
}
