// Issue 18: syntax errors that do not hide the rest, "did you mean", empty
// buildpacks, and the fix data editors turn into quick fixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManifestDiagnostic } from '../../src/core/manifest';
import { editDistance, suggestKey } from '../../src/core/manifest/fixes';
import { FILE, errors, only, parse, span, warnings } from './helpers';

const app = (body: string): string => `applications:\n- name: a\n${body}`;

/** The text after applying a diagnostic's fix (edits applied from the end). */
function applyFix(text: string, d: ManifestDiagnostic): string {
  assert.ok(d.fix, `no fix on: ${d.message}`);
  const lines = text.split('\n');
  const offset = (p: { line: number; col: number }): number => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.col - 1;
  let out = text;
  for (const e of [...d.fix.edits].sort((a, b) => offset(b.start) - offset(a.start))) {
    out = out.slice(0, offset(e.start)) + e.text + out.slice(offset(e.end));
  }
  return out;
}

test('a bad indent is one syntax error, on the over-indented line, saying what to do', () => {
  const text = app('  memory: 256M\n   instances: 2\n');
  const ds = errors(text);
  assert.equal(ds.length, 1, ds.map((d) => d.message).join('\n'));
  assert.equal(
    ds[0]!.message,
    `Unable to push app because manifest ${FILE} is not valid yaml. Line 4 is indented more than the line above it, so YAML reads it as part of the value on line 3.`,
  );
  assert.equal(ds[0]!.hint, 'Start line 4 at column 3, like the key on line 3, or join the two lines if they are one value.');
  assert.deepEqual(span(ds[0]!), [4, 4, 4, 16]);
});

test('a syntax error does not hide the problems elsewhere in the manifest', () => {
  const text = `applications:
- name: one
  memory: 256
  instanses: 2
- name: two
  memory: 1G: 2G
- name: three
  buildpacks: []
  health-check-type: tcp
`;
  const ds = parse(text).diagnostics;
  assert.deepEqual(
    ds.map((d) => [d.start.line, d.severity, d.message.replace(FILE, 'FILE')]),
    [
      [3, 'error', 'Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB'],
      [4, 'warning', "Unknown key 'instanses' is ignored by Cloud Controller. Did you mean 'instances'?"],
      [6, 'error', 'Unable to push app because manifest FILE is not valid yaml. Nested mappings are not allowed in compact mappings'],
      [8, 'warning', ds[3]!.message],
      [9, 'error', 'Process "web": Health check type must be "port", "process", or "http"'],
    ],
  );
  assert.equal(parse(text).manifest, undefined);
});

test('checks are skipped where the syntax error garbles the document, and when nothing usable is left', () => {
  // The tab makes `memory` a top-level key: no "global attribute" warning on top of the syntax error.
  const tab = parse(app('\tmemory: 1G\n  colour: x\n')).diagnostics;
  assert.equal(tab.length, 1, tab.map((d) => d.message).join('\n'));
  assert.match(tab[0]!.message, /Tabs are not allowed as indentation$/);
  assert.equal(tab[0]!.hint, 'Indent with spaces only.');
  // Nothing but the syntax error when the apps list itself is gone.
  const broken = parse('applications: [\n').diagnostics;
  assert.equal(broken.length, 1);
  assert.doesNotMatch(broken[0]!.message, /applications' field|at least one/);
});

test('an unclosed quote is reported where it opens', () => {
  const ds = errors(app('  command: "run it\n  memory: 1G\n'));
  assert.equal(ds.length, 1);
  assert.match(ds[0]!.message, /The quote opened here is never closed/);
  assert.deepEqual(span(ds[0]!), [3, 12, 3, 13]);
  assert.match(ds[0]!.hint!, /closing " where the value ends on line 3/);
});

test('did you mean: close misspellings of keys valid in that scope, with a rename fix', () => {
  const text = app('  instanses: 2\n  memroy: 1G\n  healthcheck-type: http\n  colour: blue\n  processes:\n  - type: worker\n    comand: run\n');
  const ws = warnings(text);
  const inst = only(ws, "Unknown key 'instanses' is ignored by Cloud Controller. Did you mean 'instances'?");
  assert.deepEqual(inst.fix, { title: "Change to 'instances'", edits: [{ start: { line: 3, col: 3 }, end: { line: 3, col: 12 }, text: 'instances' }] });
  assert.equal(applyFix(text, inst), text.replace('instanses', 'instances'));
  only(ws, "Unknown key 'memroy' is ignored by Cloud Controller. Did you mean 'memory'?");
  only(ws, "Unknown key 'healthcheck-type' is ignored by Cloud Controller. Did you mean 'health-check-type'?");
  // Nothing close: no guess, no fix.
  assert.equal(only(ws, "Unknown key 'colour' is ignored by Cloud Controller").fix, undefined);
  const cmd = only(ws, "Unknown process key 'comand' is ignored. Did you mean 'command'?");
  assert.equal(cmd.fix!.edits[0]!.text, 'command');
  // A key already present is not suggested again; the top level says it too.
  assert.equal(only(warnings(app('  memory: 1G\n  memroy: 2G\n')), "Unknown key 'memroy' is ignored by Cloud Controller").fix, undefined);
  const top = only(
    errors('aplications:\n- name: a\n'),
    "Cannot parse manifest with no 'applications' field. Did you mean 'applications' instead of 'aplications'?",
  );
  assert.equal(applyFix('aplications:\n- name: a\n', top), 'applications:\n- name: a\n');
});

test('edit distance and the suggestion limits', () => {
  assert.equal(editDistance('memroy', 'memory'), 1);
  assert.equal(editDistance('instanses', 'instances'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(suggestKey('Memory', ['memory'], 'app'), 'memory');
  assert.equal(suggestKey('rout', ['routes'], 'app'), undefined); // 2 edits on a short key is a guess
  assert.equal(suggestKey('dist_quota', ['disk_quota'], 'app'), 'disk_quota');
  assert.equal(suggestKey('ab', ['ac', 'ad'], 'app'), undefined); // a tie is a guess too
});

test('buildpacks: [] is flagged, saying what Cloud Controller does with it and what to write instead', () => {
  const d = only(
    warnings(app('  buildpacks: []\n')),
    "Buildpacks is an empty list, so Cloud Controller clears the app's buildpacks and auto-detects one when staging. List the buildpacks to use under it, or remove the key to keep the app's current buildpacks.",
  );
  assert.deepEqual(span(d), [3, 15, 3, 17]);
  assert.deepEqual(d.app, { index: 0, name: 'a' });
  // A warning: the push still goes ahead, with an empty list (auto-detect).
  assert.deepEqual(parse(app('  buildpacks: []\n')).manifest!.apps[0]!.buildpacks, []);
  assert.deepEqual(warnings(app('  buildpacks:\n')), []);
  assert.deepEqual(warnings(app('  buildpacks: [go_buildpack]\n')), []);
});

test('unit fixes: a bare number of megabytes, a space before the unit', () => {
  const text = app('  memory: 256\n  disk_quota: 1 GB\n  log-rate-limit-per-second: 1 k\n  processes:\n  - type: worker\n    memory: 512\n');
  const ds = errors(text);
  const mem = ds.find((d) => d.start.line === 3)!;
  assert.deepEqual(mem.fix, { title: 'Change to 256M', edits: [{ start: { line: 3, col: 11 }, end: { line: 3, col: 14 }, text: '256M' }] });
  assert.equal(mem.hint, 'Write 256M for 256 megabytes: a bare number has no unit.');
  const disk = ds.find((d) => d.start.line === 4)!;
  assert.equal(disk.fix!.edits[0]!.text, '1G');
  assert.equal(disk.hint, 'Write 1G: the unit must follow the number without a space.');
  assert.equal(ds.find((d) => d.start.line === 5)!.fix!.edits[0]!.text, '1K');
  assert.equal(ds.find((d) => d.start.line === 8)!.fix!.edits[0]!.text, '512M');
  let fixed = text;
  for (const d of [...ds].reverse()) fixed = applyFix(fixed, d);
  assert.deepEqual(errors(fixed), []);
  // No obvious reading, no fix: an unknown unit, zero, a bare log rate (bytes? a typo?).
  assert.equal(errors(app('  memory: 1X\n'))[0]!.fix, undefined);
  assert.equal(errors(app('  memory: 0\n'))[0]!.fix, undefined);
  assert.equal(errors(app('  log-rate-limit-per-second: 1024\n'))[0]!.fix, undefined);
  assert.equal(errors(app('  memory: lots\n'))[0]!.fix, undefined);
});

test('deprecated buildpack: becomes a buildpacks list with the same buildpack', () => {
  const dep = "Deprecation warning: Use of 'buildpack' attribute in manifest is deprecated in favor of 'buildpacks'.";
  const text = app('  buildpack: nodejs_buildpack\n  memory: 1G\n');
  const d = only(warnings(text), dep);
  assert.equal(d.fix!.title, "Change to 'buildpacks:' listing nodejs_buildpack");
  const fixed = applyFix(text, d);
  assert.equal(fixed, app('  buildpacks:\n  - nodejs_buildpack\n  memory: 1G\n'));
  assert.deepEqual(warnings(fixed), []);
  assert.deepEqual(parse(fixed).manifest!.apps[0]!.buildpacks, ['nodejs_buildpack']);
  // First key of the list item, a URL that needs no quotes, and a flow map.
  const first = 'applications:\n- buildpack: https://github.com/x/y.git#v1\n  name: a\n';
  assert.equal(applyFix(first, only(warnings(first), dep)), 'applications:\n- buildpacks:\n  - https://github.com/x/y.git#v1\n  name: a\n');
  const flow = 'applications:\n- {name: a, buildpack: go_buildpack}\n';
  const flowFixed = applyFix(flow, only(warnings(flow), dep));
  assert.equal(flowFixed, 'applications:\n- {name: a, buildpacks: [go_buildpack]}\n');
  assert.deepEqual(parse(flowFixed).manifest!.apps[0]!.buildpacks, ['go_buildpack']);
  // No mechanical fix: default (auto-detect), next to buildpacks:, or from an alias.
  assert.equal(only(warnings(app('  buildpack: default\n')), dep).fix, undefined);
  assert.equal(only(parse(app('  buildpack: a\n  buildpacks: [b]\n')).diagnostics, dep).fix, undefined);
  assert.equal(only(warnings('x: &bp go\napplications:\n- name: a\n  buildpack: *bp\n'), dep).fix, undefined);
});
