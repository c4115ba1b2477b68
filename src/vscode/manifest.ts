// manifest.yml problems in the Problems view: live while editing (the same
// parser the push uses, so the editor and `cfpush push` agree), and from a
// failed push.
import * as vscode from 'vscode';
import { ManifestError, parseManifest, type ManifestDiagnostic } from '../core/manifest';

const MANIFEST = /(^|[\\/])manifest[^\\/]*\.ya?ml$/i;

export class ManifestProblems implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('cfpush');
  private readonly subs: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor() {
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.later(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  /** From a failed push/restage: show every manifest diagnostic, not only the first. */
  fromError(err: unknown): boolean {
    if (!(err instanceof ManifestError)) return false;
    this.collection.set(vscode.Uri.file(err.file), err.diagnostics.map(toDiagnostic));
    return true;
  }

  private later(doc: vscode.TextDocument): void {
    if (!MANIFEST.test(doc.fileName)) return;
    clearTimeout(this.timers.get(doc.fileName));
    this.timers.set(doc.fileName, setTimeout(() => this.check(doc), 300));
  }

  private check(doc: vscode.TextDocument): void {
    if (doc.uri.scheme !== 'file' || !MANIFEST.test(doc.fileName)) return;
    // vars undefined = "an editor": ((placeholders)) are kept, not reported.
    const { diagnostics } = parseManifest(doc.getText(), { file: doc.fileName });
    this.collection.set(doc.uri, diagnostics.map(toDiagnostic));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

function toDiagnostic(d: ManifestDiagnostic): vscode.Diagnostic {
  // 1-based, end exclusive → 0-based; never an empty range (it would not show).
  const endCol = d.end.line === d.start.line ? Math.max(d.end.col - 1, d.start.col) : d.end.col - 1;
  const range = new vscode.Range(d.start.line - 1, d.start.col - 1, d.end.line - 1, endCol);
  const prefix = d.app ? (d.app.name ? `${d.app.name}: ` : `app #${d.app.index + 1}: `) : '';
  const diag = new vscode.Diagnostic(
    range,
    prefix + d.message,
    d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diag.source = 'cf manifest';
  return diag;
}
