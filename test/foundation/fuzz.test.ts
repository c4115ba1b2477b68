// Malformed requests against a running foundation daemon (its own process, as
// users run it): request targets, heads, headers and bodies from a seeded
// generator, raw over TCP, to the API and the router. Each must get an answer
// (CC's JSON error from the API, gorouter's plain error from the router) or a
// closed connection, never a 5xx and never a dead daemon. FUZZ_SEED=n replays
// a run; FUZZ_COUNT=n changes its size.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { routeSignatures } from '../../src/foundation/api';
import { startDaemon, stopDaemon, type DaemonInfo } from '../../src/foundation/daemon';
import { cliPath, freePort } from '../helpers/cli';
import { cleanup, http, tempDir } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const COUNT = Number(process.env.FUZZ_COUNT ?? 1500);

/** mulberry32: small, fast, and the same sequence for the same seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_TARGETS = [
  '//',
  '///',
  '//[',
  '//:99999',
  'http://[::1/x',
  '/v3/apps/%ff',
  '/v3/apps/%',
  '/v3/apps/%zz/env',
  '*',
  '',
  'x',
  '/..',
  '/../../etc/passwd',
  '/v3/apps?page=-1',
  '/v3/apps?per_page=99999999999999999999',
  '/v3/apps?order_by=%00',
  '/v3/apps?names=' + 'a,'.repeat(5000),
  '/v3/%2e%2e/%2e%2e',
  '/v3/apps/' + 'x'.repeat(8000),
  '/api/v1/stream/%ff',
  '/api/v1/stream/',
  '/api/v1/stream/a/b',
  '/oauth/token?%',
  '/v3/spaces/%c0%af/actions/apply_manifest',
  '/v3/jobs/\u0000',
  '/v3/apps#frag',
  'http://user:pw@host:1/v3/apps',
  'https://127.0.0.1:0/',
  '/v3/apps?label_selector=!!!',
  '/v3/apps?include=space,space,space',
  '/v3/routes?hosts=' + '%'.repeat(50),
  '/x-cfpush/v1/traffic?app=%',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'BREW', 'get', 'G\u00e9T', ''];
const BODIES = [
  '',
  '{',
  '}',
  'null',
  '[]',
  '"x"',
  '1e999999',
  '{"name":',
  '{"name":"a","relationships":{"space":{"data":{"guid":null}}}}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"type":"bits","relationships":{"app":{"data":{"guid":"x"}}}}',
  '['.repeat(100_000) + ']'.repeat(100_000),
  '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
  'applications:\n- name: &a [*a]\n',
  '\u0000\u0001\u0002',
  'x'.repeat(300_000),
  '{"env":{"k":' + '"v"'.repeat(10) + '}}',
  '{"instances":1e308}',
  '{"instances":-1}',
  '{"memory_in_mb":"9999999999999999999999"}',
  '{"resources":[{"path":"../../x","checksum":{"value":"%"}}]}',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function junk(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

/** A path from the route table with its params replaced by something odd. */
function routeTarget(r: () => number): string {
  const sig = pick(r, routeSignatures);
  const path = sig.slice(sig.indexOf(' ') + 1);
  const odd = ['%ff', '..', '%2F', encodeURIComponent(junk(r, 8)), 'x'.repeat(Math.floor(r() * 3000)), '', '00000000-0000-0000-0000-000000000000', '%00'];
  const filled = path.replace(/:\w+/g, () => pick(r, odd));
  const q =
    r() < 0.4 ? `?${pick(r, ['page', 'per_page', 'order_by', 'names', 'guids', 'include', 'start_time', 'types'])}=${encodeURIComponent(junk(r, 4))}` : '';
  return filled + q;
}

interface Case {
  port: 'api' | 'router';
  raw: Buffer;
}

function makeCase(r: () => number, token: string): Case {
  const port = r() < 0.75 ? 'api' : 'router';
  const method = r() < 0.8 ? pick(r, METHODS.slice(0, 6)) : pick(r, METHODS);
  const target = r() < 0.5 ? pick(r, NASTY_TARGETS) : r() < 0.85 ? routeTarget(r) : junk(r, Math.floor(r() * 40));
  const version = r() < 0.9 ? 'HTTP/1.1' : pick(r, ['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'FOO', '']);
  const body = r() < 0.5 ? pick(r, BODIES) : r() < 0.5 ? junk(r, Math.floor(r() * 2000)) : '';
  const headers: string[] = [];
  headers.push(`Host: ${port === 'router' ? pick(r, ['app.localhost', '', 'x'.repeat(300), 'a..localhost', '[::1', 'localhost:99999']) : '127.0.0.1'}`);
  if (r() < 0.7)
    headers.push(`Authorization: ${r() < 0.8 ? `bearer ${token}` : pick(r, ['bearer', 'bearer x.y.z', 'Basic %%%', junk(r, 30).replace(/[\r\n]/g, '')])}`);
  const ct = pick(r, [
    'application/json',
    'multipart/form-data; boundary=',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    'text/plain',
    '',
  ]);
  if (ct) headers.push(`Content-Type: ${ct}`);
  const lenMode = r();
  if (lenMode < 0.6) headers.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  else if (lenMode < 0.7) headers.push(`Content-Length: ${pick(r, ['-1', '99999999999999999999', 'abc', '1, 2', ''])}`);
  else if (lenMode < 0.8) headers.push('Transfer-Encoding: chunked');
  else if (lenMode < 0.85) headers.push(`Content-Length: 3`, `Content-Length: 4`);
  if (r() < 0.1) headers.push(`X-Big: ${'y'.repeat(70_000)}`);
  if (r() < 0.1) headers.push(junk(r, 20).replace(/[\r\n]/g, ''));
  if (r() < 0.05) headers.push('Connection: upgrade', 'Upgrade: websocket');
  const sep = r() < 0.95 ? '\r\n' : '\n';
  const payload = lenMode >= 0.7 && lenMode < 0.8 ? `${body.length.toString(16)}\r\n${body}\r\n${r() < 0.7 ? '0\r\n\r\n' : 'zz\r\n'}` : body;
  return { port, raw: Buffer.from(`${method} ${target} ${version}${sep}${headers.join(sep)}${sep}${sep}${payload}`, 'latin1') };
}

/**
 * Sends raw bytes, reads the first response (or until the server closes, at
 * most 4 s); its status code, or 0 for none. The write side stays open for a
 * second, as a browser's would (node's server drops a half-closed client's
 * pending request), then ends so a server waiting for a promised body sees it
 * will not come.
 */
function exchange(port: number, raw: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      clearTimeout(endTimer);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    };
    const timer = setTimeout(done, 4000);
    const endTimer = setTimeout(() => s.end(), 1000);
    s.on('data', (d: Buffer) => {
      if (size < 64 * 1024) chunks.push(d);
      size += d.length;
      // The first response is enough: later bytes may answer a request we never meant.
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1'))) {
        const text = Buffer.concat(chunks).toString('latin1');
        const len = /content-length: (\d+)/i.exec(text);
        const bodyAt = text.indexOf('\r\n\r\n') + 4;
        if (!len || text.length - bodyAt >= Number(len[1])) done();
      }
    });
    s.on('error', () => done());
    s.on('close', () => done());
    s.write(raw);
  });
}

describe('fuzz: malformed requests against the running daemon', () => {
  let info: DaemonInfo;
  let dir: string;
  let token = '';

  before(async () => {
    dir = tempDir('cfpush-fuzz-');
    info = await startDaemon({ dataDir: dir, apiPort: await freePort(), routerPort: await freePort(), cliPath });
    const creds = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { username: string; password: string };
    const res = await http(`${info.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic Y2Y6', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: creds.username, password: creds.password }).toString(),
    });
    token = res.json.access_token;
  });

  after(async () => {
    await stopDaemon(dir).catch(() => undefined);
    cleanup(dir);
  });

  test('the requests that used to end the daemon are answered, and it serves on', async () => {
    for (const target of ['//', '///', '//[', '//:99999', 'http://[::1/x']) {
      const r = await exchange(info.apiPort, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
      // `//` is the root path with an empty segment (the root document); the others are CC errors.
      assert.ok(r.status > 0 && r.status < 500, `GET ${target}: ${r.text.slice(0, 200)}`);
      assert.match(r.text, r.status === 200 ? /"links":/ : /"errors":\[\{"code":\d+,"title":"CF-/, `GET ${target}`);
    }
    process.kill(info.pid, 0);
    const bad = await exchange(info.apiPort, Buffer.from(`GET /v3/apps/%ff HTTP/1.1\r\nHost: x\r\nAuthorization: bearer ${token}\r\n\r\n`));
    assert.equal(bad.status, 404, bad.text);
    assert.match(bad.text, /App not found/);
    const log = readFileSync(join(dir, 'foundation.log'), 'utf8');
    assert.doesNotMatch(log, /NaNf/, 'a request path was used as a format string');
  });

  test(`${COUNT} seeded malformed requests (seed ${SEED}): each answered without a 5xx, the daemon serves on`, { timeout: 300_000 }, async () => {
    const r = rng(SEED);
    const cases = Array.from({ length: COUNT }, () => makeCase(r, token));
    const failures: string[] = [];
    let answered = 0;
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i]!;
        const res = await exchange(c.port === 'api' ? info.apiPort : info.routerPort, c.raw);
        if (res.status) answered++;
        const head = c.raw.toString('latin1', 0, 160).replace(/[^\x20-\x7e]/g, '.');
        if (res.status >= 500 && !(c.port === 'router' && res.status === 502))
          failures.push(`#${i} ${c.port} ${res.status}: ${head}\n  -> ${res.text.slice(0, 300)}`);
        // The API's own errors are CC's JSON, UAA's endpoints answer OAuth errors (a HEAD answer has no body).
        if (c.port === 'api' && res.status >= 400 && !/^HEAD /.test(head) && !/"errors":\[|"error":"/.test(res.text)) {
          failures.push(`#${i} api ${res.status} without a CF error body: ${head}\n  -> ${res.text.slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers (FUZZ_SEED=${SEED} replays them)`);
    // Most cases are answerable; a connection closed without a word is fine only for bytes that are not HTTP at all.
    assert.ok(answered > COUNT * 0.8, `only ${answered} of ${COUNT} got an HTTP answer`);

    // Still serving: the API (with a token), the login, the router.
    process.kill(info.pid, 0);
    const root = await http(`${info.apiUrl}/`);
    assert.equal(root.status, 200);
    const apps = await http(`${info.apiUrl}/v3/apps`, { headers: { authorization: `bearer ${token}` } });
    assert.equal(apps.status, 200, apps.text);
    const rtr = await http(`${info.routerUrl}/`, { headers: { host: 'nothing-here.localhost' } });
    assert.equal(rtr.status, 404);
    // No polluted prototypes from bodies like {"__proto__": …} inside the daemon: its answers stay well-formed.
    assert.equal(apps.json.pagination.total_results, apps.json.resources.length);
  });
});
