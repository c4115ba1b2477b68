// followLogs: the one log follower behind staging output, `cfpush logs` and
// the editor's log view. Against the local foundation it uses the SSE stream
// (replay from a time, then live); against a target without the stream (a
// real CF's log-cache answers 404) it polls log-cache reads; with
// keepFollowing it survives the foundation going away and coming back.
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loginWithPassword } from '../../src/core/auth/login';
import { FileTokenStore } from '../../src/core/auth/store';
import { push } from '../../src/core/push';
import { followLogs, type LogLine } from '../../src/core/push/logs';
import type { Session } from '../../src/core/session';
import { openSession, setTarget } from '../../src/core/targets';
import { localFoundation } from '../../src/foundation/access';
import { cleanup, nodeApp, until } from '../foundation/helpers';
import { eventually } from '../helpers/eventually';
import { cliEnv, type CliEnv } from '../helpers/cli';

const quiet = { step() {}, log() {}, warn() {} };
const APP_JS = `require('http').createServer((q, s) => { console.log('hello ' + q.url); s.end('ok'); }).listen(process.env.PORT);\n`;

/** A CC + log-cache in front of the foundation without the stream endpoint, like a real CF's. */
function noStreamProxy(upstream: string): Promise<{ url: string; close(): void }> {
  return new Promise((resolve) => {
    let self = '';
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/stream/')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ errors: [{ code: 10000, title: 'CF-NotFound', detail: 'Unknown request' }] }));
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const up = http.request(`${upstream}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, (u) => {
          const body: Buffer[] = [];
          u.on('data', (c: Buffer) => body.push(c));
          u.on('end', () => {
            // Links point back at this proxy, so every read goes through it.
            const text = Buffer.concat(body).toString('utf8').split(upstream).join(self);
            const headers = { ...u.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(u.statusCode ?? 502, headers);
            res.end(text);
          });
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
    server.listen(0, '127.0.0.1', () => {
      self = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      resolve({ url: self, close: () => server.close() });
    });
  });
}

describe('followLogs', { timeout: 240_000 }, () => {
  let c: CliEnv;
  let s: Session;
  let dir: string;
  let appGuid: string;
  const saved = { ...process.env };
  const hit = (path: string) =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: c.routerPort, path, headers: { host: 'follow.localhost' } }, (r) => {
          r.resume();
          r.on('end', () => (r.statusCode === 200 ? resolve() : reject(new Error(`GET ${path}: ${r.statusCode}`))));
        })
        .on('error', reject);
    });
  const texts = (lines: LogLine[]) => lines.filter((l) => l.sourceType.startsWith('APP')).map((l) => l.text);

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    Object.assign(process.env, c.env);
    s = await openSession({ target: 'local', local: localFoundation });
    dir = nodeApp('follow', APP_JS);
    const [app] = await push(s, { dir, appName: 'follow' }, quiet);
    appGuid = app!.guid;
  });
  after(async () => {
    await c?.run(['foundation', 'stop']);
    process.env = saved;
    await c?.cleanup();
    if (dir) cleanup(dir);
  });

  test('the stream replays from sinceNs, then delivers live lines once each; stop hands over what came before it', async () => {
    const since = BigInt(Date.now()) * 1_000_000n;
    await hit('/before');
    const got: LogLine[] = [];
    const f = await followLogs(s, appGuid, (l) => got.push(l), { sinceNs: since });
    assert.equal(f.mode, 'stream');
    await until(async () => texts(got).includes('hello /before'), 10_000, 'replayed line');
    await hit('/live');
    await until(async () => texts(got).includes('hello /live'), 10_000, 'live line');
    await hit('/last');
    await f.stop();
    assert.ok(texts(got).includes('hello /last'), `a line written before stop() is handed over: ${texts(got)}`);
    await hit('/after-stop');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!texts(got).includes('hello /after-stop'), 'nothing after stop()');
    assert.ok(
      got.every((l, i) => i === 0 || l.timestampNs > got[i - 1]!.timestampNs),
      'each line once, in order',
    );
  });

  test('a target without the stream endpoint is followed by polling log-cache', async () => {
    const info = JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8'));
    const proxy = await noStreamProxy(info.apiUrl);
    try {
      await setTarget({ name: 'nostream', api: proxy.url });
      const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8'));
      await loginWithPassword({ name: 'nostream', api: proxy.url }, creds.username, creds.password, new FileTokenStore());
      const remote = await openSession({ target: 'nostream' });
      const got: LogLine[] = [];
      const f = await followLogs(remote, appGuid, (l) => got.push(l), { intervalMs: 50 });
      assert.equal(f.mode, 'poll');
      await hit('/polled');
      await until(async () => texts(got).includes('hello /polled'), 10_000, 'polled line');
      await f.stop();
    } finally {
      proxy.close();
      await setTarget({ name: 'local' }).catch(() => undefined);
    }
  });

  test('when the foundation stops, the stream ends; with keepFollowing, lines after its restart still arrive', async () => {
    const plain = await followLogs(s, appGuid, () => {}, {});
    const got: LogLine[] = [];
    const kept = await followLogs(s, appGuid, (l) => got.push(l), { keepFollowing: true, intervalMs: 100 });
    assert.equal(kept.mode, 'stream');
    await c.ok(['foundation', 'stop']);
    await Promise.race([plain.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('ended did not resolve')), 10_000))]);
    await c.ok(['foundation', 'start']);
    // The app reconverges after the restart; poke it until a line comes through the follower.
    await eventually('a line after the restart', async () => {
      await hit('/after-restart');
      return texts(got).includes('hello /after-restart') || undefined;
    });
    await kept.stop();
  });
});
