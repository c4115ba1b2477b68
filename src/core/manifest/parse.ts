// parseManifest: pure and synchronous (editors call it per keystroke; the
// local foundation calls it for apply_manifest). Never throws.
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { AppManifest, Manifest, ManifestDiagnostic } from './types';
import { buildTree, entry, rangeOf, type Range, type YMap, type YNode } from './tree';
import { syntaxProblems } from './syntax';
import { renameFix, suggestKey } from './fixes';
import { Sink, normKey } from './checks';
import { APP_KEYS, ROUTE_COMPONENT_KEYS, deprecatedKeyWarning, validateApp } from './app';
import { missingVarsMessage } from './vars';
import { manifestVersions } from './render';
import { LIMIT_CODES, MAX_MANIFEST_BYTES, TOO_DEEP_HINT, TOO_LARGE_HINT, tooDeepMessage, tooLargeMessage } from './limits';

export interface ParseManifestOptions {
  /** Shown in messages and used to resolve `path` (unless `dir` is given). */
  file: string;
  /** Base for relative `path` values; defaults to the manifest's folder. */
  dir?: string;
  /**
   * ((var)) values. Undefined = none known (an editor): placeholders are kept
   * and not reported. Given (even `{}`) = every variable must be found.
   */
  vars?: Record<string, unknown>;
  /** `push APP`: renames a single app, or selects one app out of several. */
  appName?: string;
  /** The targeted space's service instance names (an editor that read them): a `services:` name not among them is warned about. */
  knownServices?: string[];
}

export interface ParseManifestResult {
  manifest?: Manifest;
  diagnostics: ManifestDiagnostic[];
}

import { YAML_PREFIX } from './syntax';

export function parseManifest(text: string, opts: ParseManifestOptions): ParseManifestResult {
  const sink = new Sink(opts.file);
  const lc = new LineCounter();
  // Cheap upper bound first (UTF-8 takes at most 3 bytes per UTF-16 unit), the exact count only near the limit.
  const bytes = text.length * 3 > MAX_MANIFEST_BYTES ? Buffer.byteLength(text) : text.length;
  if (bytes > MAX_MANIFEST_BYTES) {
    sink.error(tooLargeMessage(opts.file, bytes), { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } }, undefined, {
      hint: TOO_LARGE_HINT,
      code: LIMIT_CODES.size,
    });
    return { diagnostics: sink.diagnostics };
  }
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, merge: true, uniqueKeys: false });

  // Syntax errors do not stop the checks: the yaml library recovers a document, and
  // what it holds outside the damaged lines is checked too, so every problem shows at once.
  const syntax = new Sink(opts.file);
  const damaged: [number, number][] = [];
  if (doc.errors.length) {
    if (doc.errors.some((e) => /Maximum call stack size exceeded/.test(e.message))) {
      // The YAML library's own recursion gave out: far past our depth limit.
      const e = doc.errors.find((x) => /Maximum call stack size exceeded/.test(x.message))!;
      sink.error(tooDeepMessage(opts.file), rangeOf(lc, e.pos[0], Math.max(e.pos[1], e.pos[0])), undefined, {
        hint: TOO_DEEP_HINT,
        code: LIMIT_CODES.depth,
      });
      return { diagnostics: sink.diagnostics };
    }
    for (const problem of syntaxProblems(text, doc, lc, opts.file)) {
      syntax.error(problem.message, problem.range, undefined, { hint: problem.hint });
      damaged.push(problem.lines);
    }
  }
  const onlySyntax = (): ParseManifestResult => ({ diagnostics: syntax.diagnostics });

  const tree = buildTree(text, doc, lc, opts.file, opts.vars);
  if (tree.diagnostics.some((d) => d.code)) return { diagnostics: [...syntax.diagnostics, ...tree.diagnostics] }; // a limit: the tree is partial
  sink.diagnostics.push(...tree.diagnostics);
  // A recovered document is only worth checking if it still has its apps.
  if (damaged.length && !hasApps(tree.root)) return onlySyntax();
  const missing = tree.varUses.filter((u) => !u.found);
  if (opts.vars && missing.length) {
    const names = [...new Set(missing.map((u) => u.name))].sort();
    sink.error(missingVarsMessage(missing.map((u) => u.name)), missing[0]!.range, undefined, {
      hint: `Give ${names.length > 1 ? 'them' : 'it'} a value with --var ${names[0]}=VALUE or in a --vars-file.`,
    });
  }
  const root = tree.root;
  const docRange: Range = rangeOf(lc, 0, text.length);

  if (!root || root.kind !== 'map') {
    if (!root || (root.kind === 'scalar' && (root.value === null || root.value === ''))) {
      sink.error("Cannot parse manifest with no 'applications' field.", docRange);
    } else {
      sink.error(`${YAML_PREFIX(opts.file)} The manifest must be a map with an 'applications' list.`, root.range);
    }
    return { diagnostics: sink.diagnostics };
  }

  checkTopLevel(root, sink);

  const version = entry(root, 'version');
  if (version && String((version.value.kind === 'scalar' && version.value.value) ?? '') !== '1') {
    sink.error('Unsupported manifest schema version. Currently supported versions: [1].', version.value.range);
  }

  const appsEntry = entry(root, 'applications');
  if (!appsEntry) {
    const typo = root.entries.find((e) => suggestKey(e.key, ['applications'], 'top'));
    if (typo) {
      sink.error(`Cannot parse manifest with no 'applications' field. Did you mean 'applications' instead of '${typo.key}'?`, typo.keyRange, undefined, {
        fix: renameFix(typo.keyRange, 'applications'),
      });
    } else sink.error("Cannot parse manifest with no 'applications' field.", root.entries[0]?.keyRange ?? docRange);
    return { diagnostics: sink.diagnostics };
  }
  const appsNode = appsEntry.value;
  if (appsNode.kind === 'scalar' && appsNode.value === null) {
    sink.error('Manifest must have at least one application.', appsEntry.keyRange);
    return { diagnostics: sink.diagnostics };
  }
  if (appsNode.kind === 'map') {
    // cf v6's map form (app name -> settings): valid YAML, an old structure.
    const first = appsNode.entries[0]?.key ?? 'my-app';
    sink.error(
      "'applications' is a map of app names to settings, the form of old manifests; manifests now list the apps, each with a name.",
      appsNode.range,
      undefined,
      { hint: `Write it as:\napplications:\n- name: ${first}\n  memory: 256M   # ${first}'s settings, indented under its name` },
    );
    return { diagnostics: sink.diagnostics };
  }
  if (appsNode.kind !== 'seq') {
    sink.error(`${YAML_PREFIX(opts.file)} 'applications' must be a list of applications.`, appsNode.range);
    return { diagnostics: sink.diagnostics };
  }
  if (!appsNode.items.length) {
    sink.error('Manifest must have at least one application.', appsNode.range);
    return { diagnostics: sink.diagnostics };
  }

  const file = resolve(opts.file);
  const baseDir = resolve(opts.dir ?? dirname(file));
  const appSinks = appsNode.items.map((item, i) => {
    const s = new Sink(opts.file);
    return { app: validateApp(item, i, baseDir, s, opts.knownServices), sink: s, range: item.range };
  });

  let selected = appSinks;
  if (opts.appName !== undefined) {
    if (appSinks.length === 1) {
      // CLI HandleAppNameOverride: a single app takes the given name.
      const only = appSinks[0]!;
      if (only.app) {
        only.app.name = opts.appName;
        only.app.raw.name = opts.appName;
      }
      for (const d of only.sink.diagnostics) {
        if (d.app) d.app.name = opts.appName;
      }
      only.sink.diagnostics.splice(0, only.sink.diagnostics.length, ...only.sink.diagnostics.filter((d) => d.message !== 'Name must not be empty'));
    } else {
      selected = appSinks.filter((a) => a.app?.name === opts.appName);
      if (!selected.length) {
        sink.error(`Could not find app named '${opts.appName}' in manifest`, appsEntry.keyRange);
        return { diagnostics: [...syntax.diagnostics, ...sink.diagnostics, ...appSinks.flatMap((a) => a.sink.diagnostics)] };
      }
    }
  }
  for (const a of selected) sink.diagnostics.push(...a.sink.diagnostics);

  // Checks on the damaged lines only repeat the syntax error in other words.
  const intact = (d: ManifestDiagnostic): boolean => !damaged.some(([from, to]) => d.start.line >= from && d.start.line <= to);
  const diagnostics = sortDiagnostics([...syntax.diagnostics, ...sink.diagnostics.filter(intact)]);
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const apps = selected.map((a) => a.app).filter((a): a is AppManifest => !!a);
  const manifest: Manifest = { file, apps, diagnostics };
  if (version) manifestVersions.set(manifest, version.value.kind === 'scalar' ? version.value.value : 1);
  return { manifest, diagnostics };
}

function hasApps(root: YNode | undefined): boolean {
  const apps = root?.kind === 'map' ? entry(root, 'applications')?.value : undefined;
  return apps?.kind === 'seq' && apps.items.length > 0;
}

/** Document order, so the first error is the first one in the file. */
function sortDiagnostics(ds: ManifestDiagnostic[]): ManifestDiagnostic[] {
  return [...ds].sort((a, b) => a.start.line - b.start.line || a.start.col - b.start.col);
}

/** Top-level keys other than `applications`/`version`: old global attributes. */
function checkTopLevel(root: YMap, sink: Sink): void {
  for (const e of root.entries) {
    if (e.key === 'applications' || e.key === 'version') continue;
    const n = normKey(e.key);
    const dep = deprecatedKeyWarning(e.key);
    if (dep) sink.warn(dep, e.keyRange);
    else if (APP_KEYS.has(n) && !ROUTE_COMPONENT_KEYS.has(n)) {
      sink.warn(
        `Deprecation warning: Global (top-level) attribute '${e.key}' is no longer supported and is ignored. Set it on each application, sharing values with YAML anchors (<<: *defaults).`,
        e.keyRange,
      );
    }
  }
}
