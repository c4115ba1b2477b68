// Shared helpers for validators: a diagnostics sink and Rails-style checks
// whose messages match what CC returns (ActiveModel full messages).
import type { ManifestDiagnostic } from './types';
import type { Range, YNode } from './tree';

export interface AppRef {
  index: number;
  name?: string;
}

type Extra = Pick<ManifestDiagnostic, 'hint' | 'code' | 'fix'>;

export class Sink {
  readonly diagnostics: ManifestDiagnostic[] = [];
  constructor(readonly file: string) {}
  add(severity: 'error' | 'warning', message: string, range: Range, app?: AppRef, extra?: Extra): void {
    const d: ManifestDiagnostic = { message, severity, start: range.start, end: range.end };
    // Only the extras given: callers compare diagnostics with deepEqual.
    for (const [k, v] of Object.entries(extra ?? {})) if (v !== undefined) Object.assign(d, { [k]: v });
    if (app) d.app = { ...app };
    this.diagnostics.push(d);
  }
  error(message: string, range: Range, app?: AppRef, extra?: Extra): void {
    this.add('error', message, range, app, extra);
  }
  warn(message: string, range: Range, app?: AppRef, extra?: Extra): void {
    this.add('warning', message, range, app, extra);
  }
}

export const isNull = (n: YNode): boolean => n.kind === 'scalar' && (n.value === null || n.value === undefined);

/** Scalar as text the way go-yaml fills a string field (numbers and booleans become their text). */
export function scalarText(n: YNode): string | undefined {
  if (n.kind !== 'scalar' || n.value === null || n.value === undefined) return undefined;
  if (typeof n.value === 'string') return n.value;
  if (n.source !== undefined) return n.source;
  if (typeof n.value === 'object') return JSON.stringify(n.value);
  return String(n.value);
}

export interface NumOpts {
  integer?: boolean;
  gte?: number;
  lte?: number;
}

/**
 * ActiveModel numericality: strings are parsed ("2" is fine), true/false are not numbers.
 * Returns the error suffix ("is not a number") or the value.
 */
export function numericality(v: unknown, o: NumOpts): { value?: number; error?: string } {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) n = Number(v);
  else return { error: 'is not a number' };
  if (!Number.isFinite(n)) return { error: 'is not a number' };
  if (o.integer && !Number.isInteger(n)) return { error: 'must be an integer' };
  if (o.gte !== undefined && n < o.gte) return { error: `must be greater than or equal to ${o.gte}` };
  if (o.lte !== undefined && n > o.lte) return { error: `must be less than or equal to ${o.lte}` };
  return { value: n };
}

export function isBool(n: YNode): n is YNode & { value: boolean } {
  return n.kind === 'scalar' && typeof n.value === 'boolean';
}

/** CC's key handling: hyphens become underscores before validation. */
export const normKey = (k: string): string => k.replace(/-/g, '_');
