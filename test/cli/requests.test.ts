// cfpush's requests shaped as the cf CLI's, recorded by a proxy in front of
// the local foundation's API during a push, a rolling push and a restage:
// a User-Agent on every request, uploads with a Content-Length (no chunked
// multipart), no `strategy` for a rolling deployment (CC's default; Korifi's
// strict decoder refuses unknown fields), and waits that slow down after
// their first second.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAST_PHASE_MS, MIN_INTERVAL_AFTER_MS, pollUntil } from '../../src/core/push/poll';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';

interface Recorded {
  at: number;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  body: string;
}

/** A reverse proxy to the API that records every request, its headers and how many body bytes arrived. */
async function recordingProxy(target: number): Promise<{ port: number; log: Recorded[]; close: () => Promise<void> }> {
  const log: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const rec: Recorded = { at: Date.now(), method: req.method!, path: req.url!, headers: req.headers, bytes: 0, body: '' };
    log.push(rec);
    const up = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => {
      rec.bytes += c.length;
      if (rec.body.length < 4096) rec.body += c.toString('latin1');
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, log, close: () => new Promise((r) => server.close(() => r())) };
}

describe('requests shaped as the cf CLI sends them', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    proxy = await recordingProxy(c.apiPort);
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8')) as { username: string; password: string };
    await c.ok(['login', '-a', `http://127.0.0.1:${proxy.port}`, '--name', 'proxied', '-o', 'org', '-s', 'space'], {
      env: { CF_USERNAME: creds.username, CF_PASSWORD: creds.password },
    });
  });
  after(async () => {
    await proxy?.close();
    await c?.cleanup();
  });

  it('push, rolling push, restage: User-Agent, Content-Length, the deployment body, gentle waits', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-req-')), 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: recorded\n  memory: 64M\n');
    await c.ok(['push', '-b', 'nodejs_buildpack'], { cwd: dir, env: { CFPUSH_TARGET: 'proxied' } });
    writeFileSync(join(dir, 'extra.txt'), 'a change\n');
    await c.ok(['push', '--strategy', 'rolling'], { cwd: dir, env: { CFPUSH_TARGET: 'proxied' } });
    await c.ok(['restage', 'recorded'], { env: { CFPUSH_TARGET: 'proxied' } });

    const log = proxy.log;
    assert.ok(log.length > 20, `requests went through the proxy: ${log.length}`);
    for (const r of log) assert.match(String(r.headers['user-agent']), /^cfpush\/\d+\.\d+\.\d+ \(node \d+\.\d+\.\d+; \w+ \w+\)$/, `${r.method} ${r.path}`);

    const uploads = log.filter((r) => r.method === 'POST' && /^\/v3\/packages\/[\w-]+\/upload/.test(r.path));
    assert.equal(uploads.length, 2, 'one package upload per push');
    for (const u of uploads) {
      assert.equal(u.headers['transfer-encoding'], undefined, 'not chunked');
      assert.equal(Number(u.headers['content-length']), u.bytes, 'Content-Length is the size of the body sent');
      assert.match(String(u.headers['content-type']), /^multipart\/form-data; boundary=/);
    }

    // The preview checks the buildpack named with -b against the target; the push that follows does not ask again.
    const buildpackReads = log.filter((r) => r.method === 'GET' && r.path.startsWith('/v3/buildpacks'));
    assert.equal(buildpackReads.length, 1, `one buildpack check: ${buildpackReads.map((r) => r.path).join(' ')}`);

    const deployments = log.filter((r) => r.method === 'POST' && r.path === '/v3/deployments');
    assert.equal(deployments.length, 1);
    const body = JSON.parse(deployments[0]!.body) as Record<string, unknown>;
    assert.equal(body.strategy, undefined, 'rolling is the default: left out');
    assert.deepEqual(Object.keys(body).sort(), ['droplet', 'relationships']);

    // Waits (a build, a deployment: one resource each): after their first second, never faster than MIN_INTERVAL_AFTER_MS.
    const waited = new Map<string, number[]>();
    for (const r of log)
      if (r.method === 'GET' && /^\/v3\/(builds|deployments)\/[\w-]+$/.test(r.path)) waited.set(r.path, [...(waited.get(r.path) ?? []), r.at]);
    assert.ok(waited.size >= 3, `builds and a deployment were waited for: ${[...waited.keys()].join(' ')}`);
    for (const [path, times] of waited) {
      for (let i = 1; i < times.length; i++) {
        if (times[i - 1]! - times[0]! < FAST_PHASE_MS) continue;
        assert.ok(times[i]! - times[i - 1]! >= MIN_INTERVAL_AFTER_MS - 5, `${path}: poll ${i} came ${times[i]! - times[i - 1]!} ms after the one before`);
      }
    }
  });

  it('pollUntil: short intervals in the first second, then at least MIN_INTERVAL_AFTER_MS', async () => {
    const times: number[] = [];
    const t0 = Date.now();
    await pollUntil(
      async () => times.push(Date.now()),
      () => Date.now() - t0 > 2500,
      { what: 'the clock', timeoutMs: 10_000 },
    );
    const gaps = times.slice(1).map((t, i) => [times[i]! - t0, t - times[i]!] as const);
    assert.ok(gaps.filter(([at]) => at < 500).length >= 8, `fast at first: ${JSON.stringify(gaps)}`);
    for (const [at, gap] of gaps) if (at >= FAST_PHASE_MS) assert.ok(gap >= MIN_INTERVAL_AFTER_MS - 5, `${gap} ms after ${at} ms`);
  });
});
