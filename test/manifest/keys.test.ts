// Every supported key maps to the right AppManifest field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../src/core/manifest';
import { FILE, ok, warnings, only } from './helpers';

const FULL = `---
applications:
- name: web-app
  path: ./build
  buildpacks:
  - nodejs_buildpack
  - https://github.com/cf/extra.git
  stack: cflinuxfs4
  command: node server.js
  instances: 3
  memory: 512M
  disk_quota: 1G
  env:
    GREETING: hello
    COUNT: 3
    RATIO: 1.50
    ENABLED: true
    EMPTY:
  routes:
  - route: web.example.com
  - route: tcp.example.com:1024
    protocol: tcp
  - route: api.example.com/v1
    protocol: http2
  no-route: false
  health-check-type: http
  health-check-http-endpoint: /health
  timeout: 120
  services:
  - db
  - name: cache
    binding_name: c
    parameters: {a: 1}
  processes:
  - type: worker
    command: node worker.js
    instances: 2
    memory: 256M
    disk_quota: 512M
    health-check-type: process
    timeout: 30
  metadata:
    labels: {team: a}
    annotations: {note: b}
`;

test('all keys are read into the AppManifest', () => {
  const m = ok(FULL);
  assert.equal(m.file, FILE);
  assert.equal(m.apps.length, 1);
  const a = m.apps[0]!;
  assert.equal(a.name, 'web-app');
  assert.equal(a.path, '/work/app/build');
  assert.deepEqual(a.buildpacks, ['nodejs_buildpack', 'https://github.com/cf/extra.git']);
  assert.equal(a.stack, 'cflinuxfs4');
  assert.equal(a.command, 'node server.js');
  assert.equal(a.instances, 3);
  assert.equal(a.memoryMb, 512);
  assert.equal(a.diskMb, 1024);
  // CC stringifies env values (`to_s`); the text is kept as written.
  assert.deepEqual(a.env, { GREETING: 'hello', COUNT: '3', RATIO: '1.50', ENABLED: 'true', EMPTY: '' });
  assert.deepEqual(a.routes, [
    { route: 'web.example.com' },
    { route: 'tcp.example.com:1024', protocol: 'tcp' },
    { route: 'api.example.com/v1', protocol: 'http2' },
  ]);
  assert.equal(a.noRoute, false);
  assert.equal(a.randomRoute, undefined);
  assert.equal(a.healthCheckType, 'http');
  assert.equal(a.healthCheckHttpEndpoint, '/health');
  assert.equal(a.timeout, 120);
  assert.deepEqual(a.services, ['db', 'cache']);
  assert.deepEqual(a.processes, [
    { type: 'worker', command: 'node worker.js', instances: 2, memoryMb: 256, diskMb: 512, healthCheckType: 'process', timeout: 30 },
  ]);
  assert.deepEqual((a.raw.metadata as { labels: unknown }).labels, { team: 'a' });
  assert.equal(a.raw.path, './build');
});

test('path defaults to the manifest folder, or dir when given', () => {
  assert.equal(ok('applications:\n- name: a\n').apps[0]!.path, '/work/app');
  const r = parseManifest('applications:\n- name: a\n  path: x\n', { file: 'manifest.yml', dir: '/srv/base' });
  assert.equal(r.manifest!.apps[0]!.path, '/srv/base/x');
});

test('docker image and username', () => {
  const a = ok('applications:\n- name: d\n  docker:\n    image: repo/img:1\n    username: bob\n').apps[0]!;
  assert.deepEqual(a.docker, { image: 'repo/img:1', username: 'bob' });
  assert.equal(a.buildpacks, undefined);
});

test('random-route and default-route', () => {
  assert.equal(ok('applications:\n- name: a\n  random-route: true\n').apps[0]!.randomRoute, true);
  assert.equal(ok('applications:\n- name: a\n  default-route: true\n').apps[0]!.defaultRoute, true);
  assert.equal(ok('applications:\n- name: a\n  no-route: true\n').apps[0]!.noRoute, true);
});

test('buildpacks: [], null and default mean auto-detect', () => {
  assert.deepEqual(ok('applications:\n- name: a\n  buildpacks: []\n').apps[0]!.buildpacks, []);
  assert.deepEqual(ok('applications:\n- name: a\n  buildpacks:\n').apps[0]!.buildpacks, []);
  assert.deepEqual(ok('applications:\n- name: a\n  buildpacks: [default]\n').apps[0]!.buildpacks, []);
});

test("deprecated buildpack still works, with CF's deprecation warning", () => {
  const text = 'applications:\n- name: a\n  buildpack: ruby_buildpack\n';
  assert.deepEqual(ok(text).apps[0]!.buildpacks, ['ruby_buildpack']);
  const w = only(warnings(text), "Deprecation warning: Use of 'buildpack' attribute in manifest is deprecated in favor of 'buildpacks'.");
  assert.deepEqual([w.start.line, w.start.col, w.end.line, w.end.col], [3, 3, 3, 12]);
  assert.deepEqual(ok('applications:\n- name: a\n  buildpack: default\n').apps[0]!.buildpacks, []);
});

test('underscored and hyphenated spellings are the same key (CC converts hyphens)', () => {
  const a = ok('applications:\n- name: a\n  disk-quota: 2G\n  health_check_type: port\n  random_route: true\n').apps[0]!;
  assert.equal(a.diskMb, 2048);
  assert.equal(a.healthCheckType, 'port');
  assert.equal(a.randomRoute, true);
});

test("health-check-type none is CC's old name for process", () => {
  assert.equal(ok('applications:\n- name: a\n  health-check-type: none\n').apps[0]!.healthCheckType, 'process');
});

test('numbers given as strings are accepted like CC (ActiveModel numericality)', () => {
  const a = ok('applications:\n- name: a\n  instances: "2"\n  timeout: "60"\n').apps[0]!;
  assert.equal(a.instances, 2);
  assert.equal(a.timeout, 60);
});

test('a numeric name is read as text, as go-yaml does for string fields', () => {
  assert.equal(ok('applications:\n- name: 1234\n').apps[0]!.name, '1234');
});

test('YAML anchors and merge keys work (the CLI resolves them before CC)', () => {
  const text = `defaults: &defaults
  memory: 256M
  instances: 2
applications:
- name: a
  <<: *defaults
  instances: 4
- name: b
  <<: *defaults
`;
  const m = ok(text);
  assert.deepEqual(
    m.apps.map((a) => [a.name, a.memoryMb, a.instances]),
    [
      ['a', 256, 4],
      ['b', 256, 2],
    ],
  );
  assert.equal(m.apps[0]!.raw.memory, '256M');
});
