// ManifestError: a CfPushError that keeps every diagnostic, so the CLI can
// print them all and the extension can show them in the Problems view.
import { CfPushError } from '../errors';
import type { ManifestDiagnostic } from './types';

/** CC's prefix for an app's errors in apply_manifest responses. */
export function appPrefix(d: ManifestDiagnostic): string {
  if (!d.app) return '';
  return d.app.name ? `For application '${d.app.name}': ` : `For application at index ${d.app.index}: `;
}

/** The warnings only a local reading finds (CC never sees `buildpack:`: the request says `buildpacks:`), in CC's words. */
export function manifestWarnings(diagnostics: ManifestDiagnostic[] | undefined): string[] {
  return (diagnostics ?? []).filter((d) => d.severity === 'warning').map((d) => appPrefix(d) + d.message);
}

/** "file:line:col: For application 'x': message". */
export function formatDiagnostic(d: ManifestDiagnostic, file: string): string {
  return `${file}:${d.start.line}:${d.start.col}: ${appPrefix(d)}${d.message}`;
}

export class ManifestError extends CfPushError {
  readonly diagnostics: ManifestDiagnostic[];
  readonly file: string;
  constructor(file: string, diagnostics: ManifestDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    // The first error's location comes from `location`; later ones are spelled out.
    const rest = errors.slice(1).map((d) => formatDiagnostic(d, file));
    const message = first ? [appPrefix(first) + first.message, ...rest].join('\n') : 'Invalid manifest';
    super(message, {
      code: first?.code ?? 'ManifestInvalid',
      location: first ? { file, line: first.start.line, col: first.start.col } : undefined,
      hint:
        first?.hint ?? (first ? `Fix ${file} at line ${first.start.line}; \`cfpush push --preview\` checks the manifest again without pushing.` : undefined),
    });
    this.name = 'ManifestError';
    this.diagnostics = diagnostics;
    this.file = file;
  }
}
