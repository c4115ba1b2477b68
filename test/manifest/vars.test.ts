// ((vars)): whole and partial values, precedence, missing ones located.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, missingVarsMessage } from '../../src/core/manifest';
import { errors, ok, only, parse, span } from './helpers';

const TEXT = `applications:
- name: ((app))
  instances: ((count))
  memory: ((mem))
  routes:
  - route: ((host)).example.com
  env:
    LIST: ((list))
`;

test('whole values keep their type, partial values are spliced in as text', () => {
  const a = ok(TEXT, { vars: { app: 'shop', count: 3, mem: '1G', host: 'shop-dev', list: [1, 2] } }).apps[0]!;
  assert.equal(a.name, 'shop');
  assert.equal(a.instances, 3);
  assert.equal(a.raw.instances, 3);
  assert.equal(a.memoryMb, 1024);
  assert.deepEqual(a.routes, [{ route: 'shop-dev.example.com' }]);
  assert.deepEqual(a.raw.env, { LIST: [1, 2] });
  assert.deepEqual(a.env, { LIST: '[1,2]' });
});

test('missing variables: BOSH wording, sorted, at the first use', () => {
  const ds = errors(TEXT, { vars: { app: 'shop', count: 1 } });
  const d = only(ds, 'Expected to find variables: host, list, mem');
  // `mem` on line 4 is the first missing one; the range is the `((mem))` text itself.
  assert.deepEqual(span(d), [4, 11, 4, 18]);
  // Values with unresolved vars are not checked again (no "Memory is not a number").
  assert.equal(ds.length, 1);
});

test('missing variable inside a longer value is located exactly', () => {
  const d = only(errors('applications:\n- name: a\n  routes:\n  - route: "api.((domain))"\n', { vars: {} }), 'Expected to find variables: domain');
  assert.deepEqual(span(d), [4, 17, 4, 27]);
});

test('without vars (editor mode) placeholders are not errors', () => {
  const r = parse(TEXT);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(r.manifest!.apps[0]!.name, '((app))');
});

test('interpolate and the message helper', () => {
  const range = { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } };
  assert.equal(interpolate('a-((x))-b', range, { x: 1 }).value, 'a-1-b');
  assert.equal(interpolate('((x))', range, { x: false }).value, false);
  assert.equal(interpolate('plain', range, {}).value, 'plain');
  assert.equal(interpolate('((y))', range, {}).unresolved, true);
  assert.equal(missingVarsMessage(['b', 'a', 'b']), 'Expected to find variables: a, b');
});
