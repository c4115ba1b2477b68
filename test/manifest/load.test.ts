// loadManifest: lookup, vars files and --var, errors as located CfPushErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CfPushError, formatError } from '../../src/core/errors';
import { ManifestError, loadManifest } from '../../src/core/manifest';

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfpush-manifest-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function rejects(p: Promise<unknown>): Promise<CfPushError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CfPushError, String(err));
    return err;
  }
  assert.fail('expected a rejection');
}

test('no manifest: one app named after the folder, pushed from the folder', async () => {
  const dir = tmp({ 'index.js': '' });
  const m = await loadManifest({ dir });
  assert.equal(m.file, undefined);
  assert.deepEqual(
    m.apps.map((a) => [a.name, a.path]),
    [[basename(dir), dir]],
  );
  assert.equal((await loadManifest({ dir, appName: 'named' })).apps[0]!.name, 'named');
});

test('manifest.yml wins over manifest.yaml; manifest.yaml is the fallback', async () => {
  const both = tmp({ 'manifest.yml': 'applications:\n- name: yml\n', 'manifest.yaml': 'applications:\n- name: yaml\n' });
  const m = await loadManifest({ dir: both });
  assert.equal(m.apps[0]!.name, 'yml');
  assert.equal(m.file, join(both, 'manifest.yml'));
  const yaml = tmp({ 'manifest.yaml': 'applications:\n- name: yaml\n' });
  assert.equal((await loadManifest({ dir: yaml })).apps[0]!.name, 'yaml');
});

test('-f: a file anywhere (paths relative to it), or a folder holding one', async () => {
  const dir = tmp({ 'deploy/prod.yml': 'applications:\n- name: p\n  path: ../app\n', 'app/x': '', 'other/manifest.yml': 'applications:\n- name: o\n' });
  const m = await loadManifest({ dir, file: join(dir, 'deploy/prod.yml') });
  assert.equal(m.apps[0]!.path, join(dir, 'app'));
  assert.equal((await loadManifest({ dir, file: join(dir, 'other') })).apps[0]!.name, 'o');
  const e = await rejects(loadManifest({ dir, file: join(dir, 'nope.yml') }));
  assert.equal(e.message, `Incorrect Usage: The specified path '${join(dir, 'nope.yml')}' does not exist.`);
});

test('vars precedence: later --vars-file wins, --var wins over files', async () => {
  const dir = tmp({
    'manifest.yml': 'applications:\n- name: ((a))\n  instances: ((b))\n  env: {C: ((c))}\n',
    'v1.yml': 'a: one\nb: 1\nc: one\n',
    'v2.yml': 'b: 2\nc: two\n',
  });
  const m = await loadManifest({ dir, varsFiles: [join(dir, 'v1.yml'), join(dir, 'v2.yml')], vars: { c: 'flag' } });
  const a = m.apps[0]!;
  assert.deepEqual([a.name, a.instances, a.env], ['one', 2, { C: 'flag' }]);
});

test('invalid vars file: CLI wording', async () => {
  const dir = tmp({ 'manifest.yml': 'applications:\n- name: a\n', 'bad.yml': 'a: [\n' });
  const e = await rejects(loadManifest({ dir, varsFiles: [join(dir, 'bad.yml')] }));
  assert.match(e.message, /^The option --vars-file expects a valid YAML file\. /);
});

test('missing variables: ManifestError located at the first use, with all diagnostics', async () => {
  const dir = tmp({ 'manifest.yml': 'applications:\n- name: a\n  memory: ((mem))\n  routes:\n  - route: ((host)).x.com\n' });
  const e = await rejects(loadManifest({ dir }));
  assert.ok(e instanceof ManifestError);
  assert.equal(e.message, 'Expected to find variables: host, mem');
  assert.deepEqual(e.location, { file: join(dir, 'manifest.yml'), line: 3, col: 11 });
  assert.equal(e.diagnostics.length, 1);
  assert.equal(
    formatError(e),
    `${join(dir, 'manifest.yml')}:3:11: Expected to find variables: host, mem\nGive them a value with --var host=VALUE or in a --vars-file.`,
  );
});

test('YAML errors and validation errors throw with the first location and every error', async () => {
  const dir = tmp({ 'manifest.yml': 'applications:\n- name: a\n  memory: 1Q\n- name: b\n  instances: -1\n' });
  const e = (await rejects(loadManifest({ dir }))) as ManifestError;
  const file = join(dir, 'manifest.yml');
  assert.deepEqual(e.location, { file, line: 3, col: 11 });
  assert.equal(
    e.message,
    [
      'For application \'a\': Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB',
      `${file}:5:14: For application 'b': Process "web": Instances must be greater than or equal to 0`,
    ].join('\n'),
  );
  assert.equal(e.diagnostics.length, 2);

  const bad = tmp({ 'manifest.yml': 'applications:\n  - name: a\n   memory: 1G\n' });
  const y = await rejects(loadManifest({ dir: bad }));
  assert.match(y.message, new RegExp(`^Unable to push app because manifest ${join(bad, 'manifest.yml')} is not valid yaml\\.`));
  assert.equal(y.location?.line, 3);
});

test('appName selects an app; unknown app in CF wording', async () => {
  const dir = tmp({ 'manifest.yml': 'applications:\n- name: a\n- name: b\n' });
  assert.deepEqual(
    (await loadManifest({ dir, appName: 'b' })).apps.map((a) => a.name),
    ['b'],
  );
  const e = await rejects(loadManifest({ dir, appName: 'zz' }));
  assert.equal(e.message, "Could not find app named 'zz' in manifest");
});

test('a path that does not exist: CLI wording at the path value', async () => {
  const dir = tmp({ 'manifest.yml': 'applications:\n- name: a\n  path: missing\n' });
  const e = (await rejects(loadManifest({ dir }))) as ManifestError;
  assert.equal(e.message, "For application 'a': File not found locally, make sure the file exists at given path missing");
  assert.deepEqual(e.location, { file: join(dir, 'manifest.yml'), line: 3, col: 9 });
});

test('warnings are returned on the manifest', async () => {
  const dir = tmp({ 'manifest.yml': 'applications:\n- name: a\n  host: h\n' });
  const m = await loadManifest({ dir });
  assert.equal(m.diagnostics?.length, 1);
  assert.equal(m.diagnostics?.[0]?.severity, 'warning');
});
