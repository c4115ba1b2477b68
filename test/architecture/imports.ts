// The layering rules as code: which folder may import which, no cycles among
// the modules that load at run time, and no Cloud Controller path built
// outside src/core/cc (and the foundation's own API). Pure: it works on a map
// of file → source text, so a test can plant a violation and see it caught.
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

export interface Violation {
  rule: 'layer' | 'cycle' | 'cc-path';
  file: string;
  detail: string;
}

/** Layers and what each must not import (by path prefix under the repository root). */
const FORBIDDEN: { from: string; to: string[]; why: string }[] = [
  { from: 'src/core/', to: ['src/foundation/', 'src/vscode/', 'src/cli/', 'vscode'], why: 'core knows nothing of the foundation, the editor or the terminal' },
  { from: 'src/foundation/', to: ['src/vscode/', 'src/cli/', 'vscode'], why: 'the foundation is a target, not an adapter' },
  { from: 'src/cli/', to: ['src/vscode/', 'vscode'], why: 'the CLI does not load the editor' },
  { from: 'src/vscode/', to: ['src/foundation/', 'src/cli/'], why: 'the extension reaches the foundation through core (src/bundle.ts), like any target' },
];

/** Where CC paths may be written: the named requests and the foundation's API. */
const CC_PATH_ALLOWED = ['src/core/cc/', 'src/foundation/'];

interface Import {
  to: string;
  /** Erased at run time (`import type`, or only type specifiers). */
  typeOnly: boolean;
}

function importsOf(file: string, text: string, files: ReadonlySet<string>): Import[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) {
      out.push({ to: spec, typeOnly });
      return;
    }
    const base = normalize(join(dirname(file), spec));
    const hit = [`${base}.ts`, join(base, 'index.ts'), base].find((c) => files.has(c));
    out.push({ to: hit ?? base, typeOnly });
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const c = st.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(st.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      add(st.moduleSpecifier.text, st.isTypeOnly);
    }
  }
  return out;
}

/** String and template literals that start a CC v3 path. */
function ccPaths(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n)) && /^\/v3\//.test(n.text)) found.push(n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Every violation in `sources` (paths relative to the repository root, e.g. "src/core/push/push.ts"). */
export function checkArchitecture(sources: ReadonlyMap<string, string>): Violation[] {
  const files = new Set(sources.keys());
  const graph = new Map<string, string[]>();
  const violations: Violation[] = [];
  for (const [file, text] of sources) {
    const imports = importsOf(file, text, files);
    for (const rule of FORBIDDEN.filter((r) => file.startsWith(r.from))) {
      for (const imp of imports) {
        const bad = rule.to.find((t) => imp.to === t || imp.to.startsWith(t));
        if (bad) violations.push({ rule: 'layer', file, detail: `imports ${imp.to}: ${rule.why}` });
      }
    }
    graph.set(
      file,
      imports.filter((i) => !i.typeOnly && files.has(i.to)).map((i) => i.to),
    );
    if (!CC_PATH_ALLOWED.some((p) => file.startsWith(p))) {
      for (const p of ccPaths(file, text))
        violations.push({ rule: 'cc-path', file, detail: `builds the CC path '${p}': name the request in src/core/cc/requests instead` });
    }
  }
  for (const cycle of cycles(graph)) violations.push({ rule: 'cycle', file: cycle[0]!, detail: `import cycle: ${cycle.join(' → ')}` });
  return violations;
}

/** Each strongly connected component of more than one module (or a module importing itself), as a path. */
function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative-enough for a few hundred modules.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push([...comp.reverse(), comp[0]!]);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}
