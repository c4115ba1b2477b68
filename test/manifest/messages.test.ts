// CF's messages, each at the exact range of the offending text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../src/core/manifest';
import { FILE, errors, only, parse, span, warnings } from './helpers';

const app = (body: string): string => `applications:\n- name: a\n${body}`;

test('YAML syntax error: CLI wording, parser reason, exact position', () => {
  const ds = errors('applications:\n- name: a\n  routes: [\n');
  assert.equal(ds.length, 1);
  assert.match(
    ds[0]!.message,
    /^Unable to push app because manifest \/work\/app\/manifest\.yml is not valid yaml\. Flow sequence in block collection must be sufficiently indented and end with a \]$/,
  );
  assert.deepEqual(span(ds[0]!), [4, 1, 4, 2]);
  assert.equal(parse('a: [\n').manifest, undefined);
});

test('YAML syntax error in the middle of a line', () => {
  const ds = errors('applications:\n- name: a\n  memory: 1G: 2G\n');
  assert.equal(ds.length, 1);
  assert.equal(ds[0]!.message, `Unable to push app because manifest ${FILE} is not valid yaml. Nested mappings are not allowed in compact mappings`);
  assert.deepEqual(span(ds[0]!), [3, 11, 3, 12]);
  assert.equal(ds[0]!.app, undefined);
});

test("cf v6's map form of 'applications' (valid YAML, an old structure): says so and shows the list form with the app's name", () => {
  const d = only(
    errors('applications:\n  web:\n    memory: 256M\n'),
    "'applications' is a map of app names to settings, the form of old manifests; manifests now list the apps, each with a name.",
  );
  assert.doesNotMatch(d.message, /not valid yaml/);
  assert.match(d.hint!, /^Write it as:\napplications:\n- name: web\n {2}memory: 256M/);
  assert.deepEqual(span(d).slice(0, 2), [2, 3]);
});

test('duplicate keys are an error at the second key', () => {
  const d = only(
    errors('applications:\n- name: a\n  memory: 1G\n  memory: 2G\n'),
    `Unable to push app because manifest ${FILE} is not valid yaml. mapping key "memory" already defined at line 3`,
  );
  assert.deepEqual(span(d), [4, 3, 4, 9]);
});

test('no applications field, empty list, null list', () => {
  assert.deepEqual(span(only(errors('version: 1\n'), "Cannot parse manifest with no 'applications' field.")), [1, 1, 1, 8]);
  only(errors(''), "Cannot parse manifest with no 'applications' field.");
  assert.deepEqual(span(only(errors('applications: []\n'), 'Manifest must have at least one application.')), [1, 15, 1, 17]);
  only(errors('applications:\n'), 'Manifest must have at least one application.');
});

test('unsupported version', () => {
  const d = only(errors('version: 2\napplications:\n- name: a\n'), 'Unsupported manifest schema version. Currently supported versions: [1].');
  assert.deepEqual(span(d), [1, 10, 1, 11]);
});

test('name must not be empty', () => {
  const d = only(errors('applications:\n- memory: 1G\n'), 'Name must not be empty');
  assert.deepEqual(span(d), [2, 3, 2, 9]);
  assert.deepEqual(d.app, { index: 0 });
  only(errors('applications:\n- name: ""\n'), 'Name must not be empty');
});

test('buildpack with buildpacks', () => {
  const d = only(errors(app('  buildpacks: [a]\n  buildpack: b\n')), 'Buildpack and Buildpacks fields cannot be used together.');
  assert.deepEqual(span(d), [4, 3, 4, 12]);
  assert.deepEqual(d.app, { index: 0, name: 'a' });
});

test('docker with buildpacks, docker with path', () => {
  const d = only(errors(app('  buildpacks: [a]\n  docker: {image: x/y}\n')), 'Cannot specify both buildpack(s) and docker keys');
  assert.deepEqual(span(d), [4, 3, 4, 9]);
  only(errors(app('  path: .\n  docker: {image: x/y}\n')), 'Cannot specify both path and docker keys');
  only(errors(app('  lifecycle: buildpack\n  docker: {image: x/y}\n')), 'Docker cannot be configured for a buildpack lifecycle app.');
  only(errors(app('  lifecycle: docker\n  buildpacks: [x]\n')), 'Buildpacks cannot be configured for a docker lifecycle app.');
  only(errors(app('  docker: {username: u}\n')), 'Docker image must not be empty');
});

test('disk_quota and disk-quota together', () => {
  const d = only(errors(app('  disk_quota: 1G\n  disk-quota: 2G\n')), "'disk_quota' and 'disk-quota' cannot be used together.");
  assert.deepEqual(span(d), [4, 3, 4, 13]);
});

test('env must be a map', () => {
  const d = only(errors(app('  env: [A]\n')), 'Env must be an object of keys and values');
  assert.deepEqual(span(d), [3, 8, 3, 11]);
  only(errors(app('  env: hello\n')), 'Env must be an object of keys and values');
  only(errors(app('  env:\n    VCAP_X: 1\n')), 'Env cannot start with VCAP_');
  only(errors(app('  env:\n    PORT: 1\n')), 'Env cannot set PORT');
});

test('routes: malformed URL, bad protocol, not a list, options', () => {
  const d = only(errors(app('  routes:\n  - route: not-a-url\n')), "The route 'not-a-url' is not a properly formed URL");
  assert.deepEqual(span(d), [4, 12, 4, 21]);
  only(errors(app('  routes:\n  - route: a.b.com?x=1\n')), "The route 'a.b.com?x=1' is not a properly formed URL");
  only(errors(app('  routes:\n  - route: user@a.b.com\n')), "The route 'user@a.b.com' is not a properly formed URL");
  only(errors(app('  routes:\n  - route: a.com:99999\n')), "The route 'a.com:99999' is not a properly formed URL");
  const p = only(errors(app('  routes:\n  - route: a.example.com\n    protocol: http3\n')), "Route protocol must be 'http1', 'http2' or 'tcp'.");
  assert.deepEqual(span(p), [5, 15, 5, 20]);
  only(errors(app('  routes: a.example.com\n')), 'Routes must be a list of route objects');
  only(errors(app('  routes:\n  - a.example.com\n')), 'Routes must be a list of route objects');
  only(errors(app('  routes:\n  - route: ""\n')), 'Routes must be a list of route objects');
  only(errors(app('  routes:\n  - route: a.example.com\n    options: 1\n')), "Route 'a.example.com': options must be an object");
  only(
    errors(app('  routes:\n  - route: a.example.com\n    options: {x: 1}\n')),
    "Route 'a.example.com' contains invalid route option 'x'. Valid keys: 'loadbalancing, hash_header, hash_balance'",
  );
  only(
    errors(app('  routes:\n  - route: a.example.com\n    options: {loadbalancing: random}\n')),
    "Cannot use loadbalancing value 'random' for Route 'a.example.com'; Valid values are: 'round-robin, least-connection, hash'",
  );
  assert.deepEqual(errors(app('  routes:\n  - route: "*.apps.example.com/p/q"\n  - route: https://x.example.com\n')), []);
});

test('random-route with default-route; booleans', () => {
  const d = only(errors(app('  random-route: true\n  default-route: true\n')), 'Random-route and default-route may not be used together');
  assert.deepEqual(span(d), [4, 18, 4, 22]);
  only(errors(app('  no-route: yes please\n')), 'No-route must be a boolean');
  only(errors(app('  random-route: 1\n')), 'Random-route must be a boolean');
  only(errors(app('  default-route: "true"\n')), 'Default-route must be a boolean');
});

test('health-check-type and endpoint', () => {
  const d = only(errors(app('  health-check-type: tcp\n')), 'Process "web": Health check type must be "port", "process", or "http"');
  assert.deepEqual(span(d), [3, 22, 3, 25]);
  only(errors(app('  health-check-http-endpoint: health\n')), 'Process "web": Health check http endpoint must be a valid URI path');
  only(
    errors(app('  health-check-type: port\n  health-check-http-endpoint: /h\n')),
    'Process "web": Health check type must be "http" to set a health check HTTP endpoint',
  );
});

test('units: CC messages', () => {
  const unit = only(errors(app('  memory: 1024\n')), 'Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB');
  assert.deepEqual(span(unit), [3, 11, 3, 15]);
  only(errors(app('  memory: 1X\n')), 'Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB');
  only(errors(app('  memory: lots\n')), 'Process "web": Memory is not a number');
  only(errors(app('  memory: 0M\n')), 'Process "web": Memory must be greater than 0MB');
  only(errors(app('  memory: 512K\n')), 'Process "web": Memory must be greater than 0MB');
  only(errors(app('  memory: -1G\n')), 'Process "web": Memory must be greater than 0MB');
  only(errors(app('  disk_quota: 1 GB\n')), 'Process "web": Disk quota must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB');
  only(errors(app('  log-rate-limit-per-second: fast\n')), 'Process "web": Log rate limit per second is not a number');
  assert.deepEqual(errors(app('  log-rate-limit-per-second: -1\n')), []);
});

test('instances, timeout, command', () => {
  only(errors(app('  instances: -1\n')), 'Process "web": Instances must be greater than or equal to 0');
  only(errors(app('  instances: 2000001\n')), 'Process "web": Instances must be less than or equal to 2000000');
  only(errors(app('  instances: 1.5\n')), 'Process "web": Instances must be an integer');
  only(errors(app('  instances: many\n')), 'Process "web": Instances is not a number');
  only(errors(app('  timeout: 0\n')), 'Process "web": Timeout must be greater than or equal to 1');
  only(errors(app('  health-check-invocation-timeout: x\n')), 'Process "web": Health check invocation timeout is not a number');
  only(errors(app('  command: ""\n')), 'Process "web": Command must be between 1 and 4096 characters');
  only(errors(app(`  command: ${'x'.repeat(4097)}\n`)), 'Process "web": Command must be between 1 and 4096 characters');
});

test('processes: type required, unique, per-process checks', () => {
  const t = only(errors(app('  processes:\n  - command: x\n  - type: worker\n')), 'All Processes must specify a type');
  assert.deepEqual(span(t), [4, 5, 4, 12]);
  const dup = only(errors(app('  processes:\n  - type: worker\n  - type: worker\n')), 'Process "worker" may only be present once');
  assert.deepEqual(span(dup), [5, 11, 5, 17]);
  only(errors(app('  processes: {type: web}\n')), 'Processes must be an array of process configurations');
  const mem = only(
    errors(app('  processes:\n  - type: worker\n    memory: 12\n')),
    'Process "worker": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB',
  );
  assert.deepEqual(span(mem), [5, 13, 5, 15]);
  only(errors(app('  processes:\n  - type: worker\n    health-check-type: tcp\n')), 'Process "worker": Health check type must be "port", "process", or "http"');
});

test('services, buildpacks, metadata shapes', () => {
  only(errors(app('  services: db\n')), 'Services must be a list of service instance names');
  only(errors(app('  buildpacks: go\n')), 'Buildpacks must be an array');
  only(errors(app('  buildpacks: [1]\n')), 'Buildpacks can only contain strings');
  only(errors(app('  metadata: [x]\n')), 'Metadata must be an object');
  only(errors(app('  sidecars: {}\n')), 'Sidecars must be an array of sidecar configurations');
});

test('removed keys warn and point to routes; unknown keys warn', () => {
  const ws = warnings(app('  host: h\n  domains: [a.com]\n  no-hostname: true\n  colour: blue\n'));
  const host = only(
    ws,
    "Deprecation warning: Route component attribute 'host' is deprecated and no longer supported. Please use 'routes' instead (routes: [{route: host.domain}]).",
  );
  assert.deepEqual(span(host), [3, 3, 3, 7]);
  only(
    ws,
    "Deprecation warning: Route component attribute 'domains' is deprecated and no longer supported. Please use 'routes' instead (routes: [{route: host.domain}]).",
  );
  only(
    ws,
    "Deprecation warning: Route component attribute 'no-hostname' is deprecated and no longer supported. Please use 'routes' instead (routes: [{route: host.domain}]).",
  );
  const unk = only(ws, "Unknown key 'colour' is ignored by Cloud Controller");
  assert.deepEqual(span(unk), [6, 3, 6, 9]);
  // Warnings do not block a push.
  assert.ok(parse(app('  host: h\n')).manifest);
});

test('top-level globals and inherit warn', () => {
  const ws = warnings('inherit: base.yml\nmemory: 1G\ndomain: a.com\napplications:\n- name: a\n');
  only(ws, "Deprecation warning: 'inherit' is no longer supported. Please use YAML anchors and aliases (<<: *defaults) instead.");
  const g = only(
    ws,
    "Deprecation warning: Global (top-level) attribute 'memory' is no longer supported and is ignored. Set it on each application, sharing values with YAML anchors (<<: *defaults).",
  );
  assert.deepEqual(span(g), [2, 1, 2, 7]);
  only(
    ws,
    "Deprecation warning: Route component attribute 'domain' is deprecated and no longer supported. Please use 'routes' instead (routes: [{route: host.domain}]).",
  );
});

test('several apps, several errors each, each attributed to its app', () => {
  const text = `applications:
- name: one
  memory: 1Q
  instances: -2
- name: two
  health-check-type: tcp
  random-route: true
  default-route: true
- memory: 1G
`;
  const ds = errors(text);
  assert.deepEqual(
    ds.map((d) => [d.app, d.message, d.start.line]),
    [
      [{ index: 0, name: 'one' }, 'Process "web": Memory must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB', 3],
      [{ index: 0, name: 'one' }, 'Process "web": Instances must be greater than or equal to 0', 4],
      [{ index: 1, name: 'two' }, 'Process "web": Health check type must be "port", "process", or "http"', 6],
      [{ index: 1, name: 'two' }, 'Random-route and default-route may not be used together', 8],
      [{ index: 2 }, 'Name must not be empty', 9],
    ],
  );
  assert.equal(parse(text).manifest, undefined);
});

test('appName renames a single app, selects one of several, or fails in CF wording', () => {
  assert.equal(parse('applications:\n- name: a\n', { appName: 'b' }).manifest!.apps[0]!.name, 'b');
  assert.equal(parse('applications:\n- memory: 1G\n', { appName: 'b' }).manifest!.apps[0]!.raw.name, 'b');
  const two = 'applications:\n- name: a\n  memory: 1Q\n- name: b\n';
  const m = parse(two, { appName: 'b' });
  assert.deepEqual(
    m.manifest!.apps.map((x) => x.name),
    ['b'],
  );
  const d = only(errors(two, { appName: 'c' }), "Could not find app named 'c' in manifest");
  assert.deepEqual(span(d), [1, 1, 1, 13]);
});

test("services: names the targeted space lacks are warned about at the name, when an editor knows the space's instances", () => {
  const text = app('  services:\n  - db\n  - name: cache\n  - missing\n');
  const ds = parseManifest(text, { file: FILE, knownServices: ['db', 'cache'] }).diagnostics;
  assert.equal(ds.length, 1, JSON.stringify(ds));
  assert.equal(ds[0]!.severity, 'warning');
  assert.equal(ds[0]!.message, "Service instance 'missing' does not exist in the targeted space");
  assert.match(ds[0]!.hint!, /^Its instances: db, cache\. Create it/);
  assert.deepEqual(span(ds[0]!), [6, 5, 6, 12]);
  assert.deepEqual(parseManifest(text, { file: FILE }).diagnostics, [], 'without the space known, nothing is claimed');
});
