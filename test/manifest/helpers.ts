// Shared test helpers: parse a manifest text and find diagnostics by message.
import assert from 'node:assert/strict';
import { parseManifest } from '../../src/core/manifest';
import type { ManifestDiagnostic } from '../../src/core/manifest/types';

export const FILE = '/work/app/manifest.yml';

export function parse(text: string, opts: { vars?: Record<string, unknown>; appName?: string } = {}) {
  return parseManifest(text, { file: FILE, ...opts });
}

export function errors(text: string, opts: { vars?: Record<string, unknown>; appName?: string } = {}): ManifestDiagnostic[] {
  return parse(text, opts).diagnostics.filter((d) => d.severity === 'error');
}

export function warnings(text: string): ManifestDiagnostic[] {
  return parse(text).diagnostics.filter((d) => d.severity === 'warning');
}

/** The one diagnostic with this exact message; fails listing what there was otherwise. */
export function only(ds: ManifestDiagnostic[], message: string): ManifestDiagnostic {
  const found = ds.filter((d) => d.message === message);
  assert.equal(found.length, 1, `expected one "${message}", got:\n${ds.map((d) => d.message).join('\n')}`);
  return found[0]!;
}

/** [startLine, startCol, endLine, endCol]. */
export function span(d: ManifestDiagnostic): [number, number, number, number] {
  return [d.start.line, d.start.col, d.end.line, d.end.col];
}

/** A valid manifest is parsed and has no errors. */
export function ok(text: string, opts: { vars?: Record<string, unknown>; appName?: string } = {}) {
  const r = parse(text, opts);
  const errs = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errs, [], 'unexpected errors');
  assert.ok(r.manifest);
  return r.manifest;
}
