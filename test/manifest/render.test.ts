// YAML for apply_manifest, plus the editor exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { MANIFEST_KEYS, manifestJsonSchema, renderManifestForApi } from '../../src/core/manifest';
import { ok } from './helpers';

test('render: vars applied, path removed, version only when present, env as strings', () => {
  const m = ok('version: 1\napplications:\n- name: ((n))\n  path: ./dist\n  memory: 1G\n  env: {A: 1.0}\n- name: b\n', { vars: { n: 'a' } });
  const text = renderManifestForApi(m);
  assert.deepEqual(parseYaml(text), {
    version: 1,
    applications: [{ name: 'a', memory: '1G', env: { A: '1.0' } }, { name: 'b' }],
  });
  const noVersion = ok('applications:\n- name: a\n');
  assert.deepEqual(parseYaml(renderManifestForApi(noVersion)), { applications: [{ name: 'a' }] });
});

test('render a subset of apps, by name or object', () => {
  const m = ok('applications:\n- name: a\n- name: b\n- name: c\n');
  assert.deepEqual(parseYaml(renderManifestForApi(m, ['c'])).applications, [{ name: 'c' }]);
  assert.deepEqual(parseYaml(renderManifestForApi(m, [m.apps[1]!])).applications, [{ name: 'b' }]);
});

test('render resolves anchors (CC rejects aliases)', () => {
  const m = ok('x: &d {memory: 1G}\napplications:\n- name: a\n  <<: *d\n- name: b\n  <<: *d\n');
  const text = renderManifestForApi(m);
  assert.doesNotMatch(text, /[&*]/);
  assert.deepEqual(parseYaml(text).applications, [
    { name: 'a', memory: '1G' },
    { name: 'b', memory: '1G' },
  ]);
});

test('MANIFEST_KEYS documents every key with a meaning', () => {
  for (const k of [
    'name',
    'path',
    'buildpacks',
    'buildpack',
    'stack',
    'command',
    'instances',
    'memory',
    'disk_quota',
    'disk-quota',
    'env',
    'routes',
    'random-route',
    'default-route',
    'no-route',
    'health-check-type',
    'health-check-http-endpoint',
    'timeout',
    'docker',
    'services',
    'processes',
    'metadata',
    'host',
    'hosts',
    'domain',
    'domains',
    'no-hostname',
    'inherit',
  ]) {
    assert.ok(MANIFEST_KEYS[k]?.description, k);
  }
  assert.match(MANIFEST_KEYS['health-check-type']!.values!, /"port" \| "process" \| "http"/);
  assert.ok(MANIFEST_KEYS.host!.deprecated);
});

test('JSON schema is draft-07 and covers app keys', () => {
  assert.equal(manifestJsonSchema.$schema, 'http://json-schema.org/draft-07/schema#');
  const props = manifestJsonSchema.properties.applications.items.properties;
  for (const k of ['name', 'memory', 'routes', 'processes', 'docker', 'health-check-type']) assert.ok(k in props, k);
  const re = new RegExp(props.memory.pattern);
  assert.ok(re.test('512M') && re.test('1gb') && re.test('((mem))'));
  assert.ok(!re.test('1024'));
  JSON.parse(JSON.stringify(manifestJsonSchema)); // plain JSON, writable to a file
});
