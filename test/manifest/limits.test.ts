// Manifests that try to take the parser down (issue 13 point 2): alias bombs,
// runaway nesting, oversize files, names and env values no process can take.
// Each is refused with a message naming the limit and a hint, the tree stops
// growing at the limit (so memory stays bounded), and fuzzed manifests never
// show the YAML library's internals or an error without a next step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManifestError } from '../../src/core/manifest';
import { MAX_ALIAS_NODES, MAX_DEPTH, MAX_ENV_VAR_BYTES, MAX_MANIFEST_BYTES, MAX_NAME_LENGTH } from '../../src/core/manifest/limits';
import { aliasBomb } from '../helpers/bombs';
import { FILE, errors, ok, parse } from './helpers';

/** Heap growth while `fn` runs, in MB, after a GC when one is exposed. */
function heapGrowthMb(fn: () => void): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  fn();
  const after = process.memoryUsage().heapUsed;
  return (after - before) / 1e6;
}

test('the 315-byte alias bomb is refused at the alias limit, naming it, with heap growth under 64 MB', () => {
  const text = aliasBomb(9);
  assert.ok(text.length < 400, `${text.length} bytes`);
  let ds: ReturnType<typeof errors> = [];
  const mb = heapGrowthMb(() => {
    ds = errors(text);
  });
  assert.equal(ds.length, 1, ds.map((d) => d.message).join('\n'));
  assert.equal(ds[0]!.code, 'ManifestAliasLimit');
  assert.match(ds[0]!.message, new RegExp(`more than ${MAX_ALIAS_NODES} nodes`));
  assert.match(ds[0]!.hint ?? '', /anchor/);
  assert.ok(mb < 64, `heap grew ${mb.toFixed(1)} MB`);
});

test('a bomb of sixteen levels fails the same way (the tree never grows past the limit)', () => {
  const ds = errors(aliasBomb(16, 16));
  assert.equal(ds[0]!.code, 'ManifestAliasLimit');
  // Through merge keys too.
  let merged = 'd0: &d0 {k: v}\n';
  for (let i = 1; i < 30; i++) merged += `d${i}: &d${i}\n  a: *d${i - 1}\n  b: *d${i - 1}\n`;
  assert.equal(errors(`${merged}applications:\n- name: m\n  <<: *d29\n`)[0]!.code, 'ManifestAliasLimit');
});

test('ordinary anchors stay well inside the limit: 300 apps sharing one defaults block', () => {
  let text = 'defaults: &defaults\n  memory: 64M\n  instances: 1\n  env: {A: "1", B: "2", C: "3"}\n  buildpacks: [nodejs_buildpack]\napplications:\n';
  for (let i = 0; i < 300; i++) text += `- name: app-${i}\n  <<: *defaults\n`;
  const m = ok(text);
  assert.equal(m.apps.length, 300);
  assert.equal(m.apps[299]!.env?.C, '3');
});

test('nesting past the depth limit, in flow and in block style, and far past it (where the YAML library itself gives out)', () => {
  for (const n of [MAX_DEPTH + 5, 2_000, 50_000]) {
    const ds = errors(`applications:\n- name: a\n  env:\n    X: ${'['.repeat(n)}${']'.repeat(n)}\n`);
    assert.equal(ds.length >= 1, true);
    assert.equal(ds[0]!.code, 'ManifestTooDeep', `${n}: ${ds[0]!.message}`);
    assert.match(ds[0]!.message, new RegExp(`more than ${MAX_DEPTH} levels`));
    assert.doesNotMatch(ds[0]!.message, /call stack/);
  }
  let block = 'applications:\n- name: a\n  services:\n';
  for (let i = 0; i < 100; i++) block += `${' '.repeat(4 + 2 * i)}k${i}:\n`;
  assert.equal(errors(block)[0]!.code, 'ManifestTooDeep');
  // An alias cycle is reported, not followed forever.
  const cycle = errors('applications: &a\n- name: a\n  env: {X: *a}\n');
  assert.ok(cycle.length >= 1, 'a cycle is not a manifest');
});

test('a manifest over the byte limit is refused before parsing, naming the limit', () => {
  const big = `applications:\n- name: a\n  env:\n    X: "${'x'.repeat(MAX_MANIFEST_BYTES)}"\n`;
  const ds = errors(big);
  assert.equal(ds.length, 1);
  assert.equal(ds[0]!.code, 'ManifestTooLarge');
  assert.match(ds[0]!.message, new RegExp(`limited to 1 MiB \\(${MAX_MANIFEST_BYTES} bytes\\)`));
  assert.deepEqual([ds[0]!.start.line, ds[0]!.start.col], [1, 1]);
  // Multi-byte text counts in bytes, as it is sent.
  assert.equal(errors(`applications:\n- name: a\n  env:\n    X: "${'é'.repeat(MAX_MANIFEST_BYTES / 2 + 10)}"\n`)[0]!.code, 'ManifestTooLarge');
});

test('names over 255 characters and env values no process could be started with', () => {
  const long = 'n'.repeat(100 * 1024);
  const ds = errors(`applications:\n- name: ${long}\n`);
  assert.equal(ds.length, 1);
  assert.equal(ds[0]!.message, `Name is too long (maximum is ${MAX_NAME_LENGTH} characters, this one has ${long.length})`);
  assert.ok((ds[0]!.app?.name ?? '').length < 50, 'the app prefix does not repeat the whole name');
  ok(`applications:\n- name: ${'n'.repeat(MAX_NAME_LENGTH)}\n`);

  const env = errors(`applications:\n- name: a\n  env:\n    BIG: "${'v'.repeat(MAX_ENV_VAR_BYTES)}"\n`);
  assert.equal(env.length, 1);
  assert.match(env[0]!.message, /^Env variable 'BIG' is \d+ bytes; a process cannot be started with a variable over 128 KiB$/);
  // Only aliases or ((vars)) can make the whole env larger than the manifest.
  let many = `big: &big "${'v'.repeat(120 * 1024)}"\napplications:\n- name: a\n  env:\n`;
  for (let i = 0; i < 9; i++) many += `    V${i}: *big\n`;
  assert.match(errors(many)[0]!.message, /^Env variables add up to \d+ bytes; an app's variables are limited to 1 MiB in all$/);
});

test("a second YAML document is named as such, without the library's advice", () => {
  const ds = errors('applications:\n- name: a\n---\napplications:\n- name: b\n');
  assert.equal(ds.length, 1);
  assert.match(ds[0]!.message, /more than one YAML document/);
  assert.doesNotMatch(ds[0]!.message, /parseAllDocuments/);
  assert.match(ds[0]!.hint ?? '', /---/);
});

test('fuzzed manifests: parsing never throws, no library internals, every refusal carries a next step', () => {
  const seeds = [
    'applications:\n- name: a\n  memory: 64M\n  routes:\n  - route: a.localhost\n  env: {A: "1"}\n  processes:\n  - type: worker\n    command: run\n',
    'defaults: &d\n  memory: 1G\napplications:\n- name: b\n  <<: *d\n  services: [db]\n',
  ];
  const pieces = [
    '[',
    ']',
    '{',
    '}',
    ':',
    '- ',
    '&a ',
    '*a',
    '<<: ',
    '\n',
    '  ',
    '"',
    "'",
    '#',
    '---\n',
    '%YAML 1.2\n',
    '!!str ',
    '? ',
    '|',
    '>',
    '\t',
    '((v))',
    '\u0000',
    '\uFEFF',
    '@',
  ];
  let seed = 1337;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let refused = 0;
  for (let i = 0; i < 1500; i++) {
    let text = seeds[rand(seeds.length)]!;
    for (let k = 0, edits = 1 + rand(4); k < edits; k++) {
      const at = rand(text.length + 1);
      const op = rand(3);
      if (op === 0) text = text.slice(0, at) + pieces[rand(pieces.length)] + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(6));
      else text = text.slice(0, at) + text.slice(at).replace(/[a-z]/, String.fromCharCode(33 + rand(90)));
    }
    const r = parse(text);
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    if (!errs.length) continue;
    refused++;
    for (const d of errs) {
      assert.doesNotMatch(d.message, /call stack|parseAllDocuments|undefined|\[object Object\]|TypeError/, `${JSON.stringify(text)} → ${d.message}`);
      assert.ok(d.start.line >= 1 && d.start.col >= 1);
    }
    const err = new ManifestError(FILE, r.diagnostics);
    assert.ok(err.hint && err.hint.length > 10, `no hint for ${JSON.stringify(text)} → ${err.message}`);
  }
  assert.ok(refused > 300, `only ${refused} of 1500 fuzzed manifests were refused: the fuzzer is too gentle`);
});
