// manifest.yml language support without a JDK: diagnostics from the same
// validator the push uses (exact ranges, as you type), quick fixes from the
// fixes those diagnostics carry, completion of keys and
// of values (built-ins plus the current target's buildpacks, stacks, domains
// and services), hovers from MANIFEST_KEYS, and a CodeLens with the buildpack
// detection verdict. The providers are registered at activation; the core
// loads when the first manifest is opened.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ManifestDiagnostic } from '../../core/manifest';
import type { Ctx } from '../ctx';
import { core } from '../lazy';
import { cursorContext } from './context';
import { TargetValues } from './values';

export const MANIFEST_FILE = /(^|[\\/])[^\\/]*manifest[^\\/]*\.ya?ml$/i;
export const MANIFEST_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/*manifest*.{yml,yaml}' },
  { scheme: 'untitled', language: 'yaml' },
];

export class ManifestLanguage implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('cfpush');
  readonly values: TargetValues;
  private readonly subs: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly detectCache = new Map<string, Promise<string>>();

  constructor(private readonly ctx: Ctx) {
    this.values = new TargetValues(ctx);
    this.subs.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.later(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      vscode.workspace.onDidSaveTextDocument((d) => this.detectCache.delete(path.dirname(d.fileName))),
      vscode.languages.registerCompletionItemProvider(MANIFEST_SELECTOR, { provideCompletionItems: (d, p) => this.complete(d, p) }, ':', ' ', '-'),
      vscode.languages.registerHoverProvider(MANIFEST_SELECTOR, { provideHover: (d, p) => this.hover(d, p) }),
      vscode.languages.registerCodeLensProvider(MANIFEST_SELECTOR, { provideCodeLenses: (d) => this.lenses(d) }),
      vscode.languages.registerCodeActionsProvider(
        MANIFEST_SELECTOR,
        { provideCodeActions: (d, r, c) => this.quickFixes(d, r, c) },
        { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
      ),
    );
    // What the tree shows changed (a service created or deleted, another target): `services:` is read again.
    this.subs.push(
      ctx.tree.onDidChangeTreeData((node) => {
        if (node) return;
        this.values.invalidate();
        for (const d of vscode.workspace.textDocuments) if (this.isManifest(d) && /^\s*services:/m.test(d.getText())) void this.checkServices(d);
      }),
    );
    // Open manifests are checked right after activation, not during it.
    setTimeout(() => vscode.workspace.textDocuments.forEach((d) => this.check(d)), 0);
  }

  isManifest(doc: vscode.TextDocument): boolean {
    return (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled') && MANIFEST_FILE.test(doc.fileName);
  }

  /** From a failed push/restage: show every manifest diagnostic, not only the first. */
  fromError(err: unknown): boolean {
    if (!(err instanceof core().ManifestError)) return false;
    this.collection.set(vscode.Uri.file(err.file), err.diagnostics.map(toDiagnostic));
    return true;
  }

  private later(doc: vscode.TextDocument): void {
    if (!this.isManifest(doc)) return;
    clearTimeout(this.timers.get(doc.fileName));
    this.timers.set(
      doc.fileName,
      setTimeout(() => this.check(doc), 150),
    );
  }

  /** Validates now; returns the diagnostics set (tests call it to skip the debounce). */
  check(doc: vscode.TextDocument): vscode.Diagnostic[] {
    if (!this.isManifest(doc)) return [];
    // vars undefined = "an editor": ((placeholders)) are kept, not reported.
    const { diagnostics } = core().parseManifest(doc.getText(), { file: doc.fileName });
    const out = diagnostics.map(toDiagnostic);
    this.collection.set(doc.uri, out);
    if (/^\s*services:/m.test(doc.getText())) void this.checkServices(doc);
    return out;
  }

  /** Then `services:` names against the targeted space's instances, once they are read (never when they cannot be). */
  async checkServices(doc: vscode.TextDocument): Promise<vscode.Diagnostic[] | undefined> {
    const version = doc.version;
    const known = await this.values.serviceNames().catch(() => undefined);
    if (!known || doc.isClosed || doc.version !== version) return undefined;
    const out = core().parseManifest(doc.getText(), { file: doc.fileName, knownServices: known }).diagnostics.map(toDiagnostic);
    this.collection.set(doc.uri, out);
    return out;
  }

  /** The core's fixes, as quick fixes for the diagnostics in range (validated again: the text may have moved on). */
  private quickFixes(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!this.isManifest(doc)) return [];
    if (ctx.only && !vscode.CodeActionKind.QuickFix.intersects(ctx.only)) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of core().parseManifest(doc.getText(), { file: doc.fileName }).diagnostics) {
      if (!d.fix) continue;
      const shown = toDiagnostic(d);
      if (!shown.range.intersection(range)) continue;
      const action = new vscode.CodeAction(d.fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      for (const e of d.fix.edits) action.edit.replace(doc.uri, new vscode.Range(e.start.line - 1, e.start.col - 1, e.end.line - 1, e.end.col - 1), e.text);
      action.diagnostics = ctx.diagnostics.filter((x) => x.message === shown.message && x.range.isEqual(shown.range));
      action.isPreferred = true; // a diagnostic carries a fix only when it is the obvious one
      actions.push(action);
    }
    return actions;
  }

  private async complete(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
    if (!this.isManifest(doc)) return [];
    const where = cursorContext(doc.getText(), pos.line, pos.character);
    const { MANIFEST_KEYS } = core();
    if (where.position === 'key') {
      return Object.entries(MANIFEST_KEYS)
        .filter(([, info]) => info.scopes.includes(where.scope))
        .map(([key, info]) => {
          const item = new vscode.CompletionItem(key, vscode.CompletionItemKind.Property);
          item.detail = info.values;
          item.documentation = new vscode.MarkdownString(describe(key, info));
          item.insertText = new vscode.SnippetString(`${key}: $0`);
          if (info.deprecated) item.tags = [vscode.CompletionItemTag.Deprecated];
          item.sortText = `${info.deprecated ? 'z' : 'a'}${key}`;
          return item;
        });
    }
    const values = await this.values.forKey(where.key ?? '', doc);
    return values.map((v) => {
      const item = new vscode.CompletionItem(v.label, v.kind ?? vscode.CompletionItemKind.Value);
      item.detail = v.detail;
      if (v.insert) item.insertText = v.insert;
      return item;
    });
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!this.isManifest(doc)) return undefined;
    const range = doc.getWordRangeAtPosition(pos, /[\w-]+/);
    if (!range) return undefined;
    const word = doc.getText(range);
    const line = doc.lineAt(pos.line).text;
    // Only keys: the word followed by a colon.
    if (line[range.end.character] !== ':') return undefined;
    const info = core().MANIFEST_KEYS[word];
    return info ? new vscode.Hover(new vscode.MarkdownString(describe(word, info)), range) : undefined;
  }

  /** "Buildpack: nodejs (detected)" above each app; click for what every buildpack looked for. */
  private async lenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.isManifest(doc) || doc.uri.scheme !== 'file') return [];
    const lenses: vscode.CodeLens[] = [];
    const dir = path.dirname(doc.fileName);
    for (let i = 0; i < doc.lineCount; i++) {
      const m = /^\s*-\s+name:\s*(\S+)/.exec(doc.lineAt(i).text);
      if (!m) continue;
      const range = new vscode.Range(i, 0, i, 0);
      const appPath = this.appPath(doc, i) ?? dir;
      lenses.push(new vscode.CodeLens(range, { title: `$(cloud-upload) Push ${m[1]}`, command: 'cfpush.push', arguments: [doc.uri] }));
      lenses.push(new vscode.CodeLens(range, { title: await this.verdict(appPath), command: 'cfpush.detect', arguments: [vscode.Uri.file(appPath)] }));
    }
    return lenses;
  }

  private appPath(doc: vscode.TextDocument, nameLine: number): string | undefined {
    for (let i = nameLine; i < Math.min(doc.lineCount, nameLine + 40); i++) {
      const t = doc.lineAt(i).text;
      if (i > nameLine && /^\s*-\s+name:/.test(t)) break;
      const m = /^\s*(?:-\s+)?path:\s*(\S+)/.exec(t);
      if (m) return path.resolve(path.dirname(doc.fileName), m[1]!);
    }
    return undefined;
  }

  verdict(dir: string): Promise<string> {
    let v = this.detectCache.get(dir);
    if (!v) {
      v = core()
        .localInstalledBuildpacks()
        .then((installed) => core().detect(dir, { installed }))
        .then((r) =>
          r.lifecycle === 'docker'
            ? '$(package) Dockerfile: docker lifecycle'
            : r.selected
              ? `$(check) Buildpack: ${r.selected.name}${r.selected.version ? ` ${r.selected.version}` : ''} (detected)`
              : '$(warning) No buildpack detects this app — why?',
        )
        .catch((e: Error) => `$(warning) Detection failed: ${e.message}`);
      this.detectCache.set(dir, v);
    }
    return v;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.collection.dispose();
  }
}

function describe(key: string, info: { description: string; values?: string; deprecated?: string }): string {
  return [
    `**${key}** — ${info.description}`,
    info.values ? `Values: ${info.values}` : undefined,
    info.deprecated ? `⚠ Deprecated: ${info.deprecated}` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
}

export function toDiagnostic(d: ManifestDiagnostic): vscode.Diagnostic {
  // 1-based, end exclusive → 0-based; never an empty range (it would not show).
  const sameLine = d.end.line === d.start.line;
  const endCol = sameLine ? Math.max(d.end.col - 1, d.start.col) : d.end.col - 1;
  const range = new vscode.Range(d.start.line - 1, d.start.col - 1, d.end.line - 1, endCol);
  const prefix = d.app ? (d.app.name ? `${d.app.name}: ` : `app #${d.app.index + 1}: `) : '';
  const diag = new vscode.Diagnostic(
    range,
    prefix + d.message + (d.hint ? `\n${d.hint}` : ''),
    d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diag.source = 'cf manifest';
  return diag;
}
