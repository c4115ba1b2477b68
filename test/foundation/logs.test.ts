// Logs: CF source tags (STG, APP/PROC/WEB/<index>, CELL, API, RTR), the
// gorouter access-line format, bounded rings, the log-cache read endpoint,
// the SSE stream, and `cfpush logs` in the cf CLI's format.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cfTimestamp, formatCfLog } from '../../src/core/push/log-stream';
import { accessLine, LogStore, MAX_LINE, PER_SOURCE, PER_SOURCE_BYTES } from '../../src/foundation/logs';
import type { RunningFoundation } from '../../src/foundation/server';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { Api, cleanup, http, nodeApp, startTestFoundation, until } from './helpers';
import { killMarked, okCli, readLines, runCli, snapshotCli, stageAndStart, stats, waitLine } from './supervisor-helpers';

const APP_JS = `
  require('http').createServer((q, s) => { console.log('hello ' + q.url); if (q.url === '/err') console.error('oops\\nsecond line'); s.end('ok'); })
    .listen(process.env.PORT);
  console.log('started ' + process.env.CF_INSTANCE_INDEX);
`;

describe('log store', () => {
  test('rings are bounded by lines and bytes; long lines are cut', () => {
    const logs = new LogStore();
    for (let i = 0; i < PER_SOURCE * 3; i++) logs.emit('a', 'APP/PROC/WEB', '0', `line ${i}`);
    let s = logs.size();
    assert.equal(s.lines, PER_SOURCE);
    const all = logs.read('a', { limit: 1000 });
    assert.equal(Buffer.from(all[0]!.log.payload, 'base64').toString(), `line ${PER_SOURCE * 2}`, 'oldest lines dropped first');
    const big = 'x'.repeat(MAX_LINE * 2);
    for (let i = 0; i < 100; i++) logs.emit('b', 'APP/PROC/WEB', '0', big);
    s = logs.size();
    assert.ok(s.bytes <= PER_SOURCE * 20 + PER_SOURCE_BYTES, `bytes held: ${s.bytes}`);
    const b = logs.read('b', { limit: 1000 });
    assert.ok(b.length <= PER_SOURCE_BYTES / MAX_LINE);
    assert.equal(Buffer.from(b[0]!.log.payload, 'base64').length, MAX_LINE);
  });

  test('read: start_time, end_time, limit, descending; timestamps strictly increase', () => {
    const logs = new LogStore();
    for (let i = 0; i < 10; i++) logs.emit('s', 'CELL', '0', `l${i}`);
    const all = logs.read('s', { limit: 100 });
    const ts = all.map((e) => BigInt(e.timestamp));
    assert.ok(ts.every((t, i) => i === 0 || t > ts[i - 1]!));
    assert.deepEqual(
      logs.read('s', { startNs: ts[5] }).map((e) => e.timestamp),
      all.slice(5).map((e) => e.timestamp),
    );
    assert.equal(logs.read('s', { startNs: ts[2], endNs: ts[4] }).length, 2);
    const desc = logs.read('s', { limit: 3, descending: true });
    assert.deepEqual(
      desc.map((e) => Buffer.from(e.log.payload, 'base64').toString()),
      ['l9', 'l8', 'l7'],
    );
  });

  test("RTR: the router's hook writes gorouter's access-log line", () => {
    const logs = new LogStore();
    const rec = {
      appGuid: 'app-1',
      index: 2,
      host: 'hello.localhost:9080',
      method: 'GET',
      path: '/x?y=1',
      protocol: 'HTTP/1.1',
      status: 200,
      bytesReceived: 0,
      bytesSent: 15,
      userAgent: 'curl/8.0',
      referer: '',
      remoteAddr: '127.0.0.1:50000',
      backendAddr: '127.0.0.1:61000',
      xForwardedFor: '127.0.0.1',
      requestId: 'req-1',
      startMs: Date.UTC(2026, 10, 24, 9, 0, 0, 123),
      durationMs: 3,
    };
    logs.access(rec);
    const [e] = logs.read('app-1');
    assert.equal(e!.tags.source_type, 'RTR');
    assert.equal(e!.instance_id, '2');
    assert.equal(
      Buffer.from(e!.log.payload, 'base64').toString(),
      'hello.localhost:9080 - [2026-11-24T09:00:00.123000000Z] "GET /x?y=1 HTTP/1.1" 200 0 15 "-" "curl/8.0" "127.0.0.1:50000" "127.0.0.1:61000" ' +
        'x_forwarded_for:"127.0.0.1" x_forwarded_proto:"http" vcap_request_id:"req-1" response_time:0.003000 gorouter_time:0.000000 ' +
        'app_id:"app-1" app_index:"2" instance_id:"-" x_cf_routererror:"-"',
    );
    assert.equal(accessLine(rec), Buffer.from(e!.log.payload, 'base64').toString());
    logs.access('app-1', 0, 'preformatted');
    assert.equal(logs.read('app-1', { descending: true, limit: 1 })[0]!.tags.source_type, 'RTR');
  });

  test('pollers: a client polling before the first line counts; a one-off read does not; the first read of a walk counts; made-up ids stay bounded', () => {
    const logs = new LogStore();
    // The cf CLI reads an app's logs from before staging writes anything.
    logs.notePoll('app', 0n);
    logs.notePoll('app', 0n);
    assert.equal(logs.pollerBehind('app', 'STG'), false, 'nothing to be behind on yet');
    logs.emit('app', 'STG', '0', 'Uploaded droplet');
    assert.equal(logs.pollerBehind('app', 'STG'), true, 'staged before the poller read the last line');
    const last = logs.read('app', { descending: true, limit: 1 })[0]!;
    logs.notePoll('app', BigInt(last.timestamp) + 1n);
    assert.equal(logs.pollerBehind('app', 'STG'), false, 'read past the last staging line');
    logs.emit('once', 'STG', '0', 'x');
    logs.notePoll('once', 0n);
    assert.equal(logs.pollerBehind('once', 'STG'), false, 'one read is not polling');
    // ...but a walker's first look for the newest line (descending, limit 1) starts a walk.
    logs.notePoll('once', 0n, { walkerStart: true });
    assert.equal(logs.pollerBehind('once', 'STG'), true, 'a walk starts behind');
    for (let i = 0; i < 5000; i++) logs.notePoll(`made-up-${i}`, 0n);
    assert.ok((logs as unknown as { pollers: Map<string, unknown> }).pollers.size <= 1024);
  });

  test("cf CLI line format: '   <ts> [SRC/i] OUT text', one header per line of a message", () => {
    const ns = BigInt(Date.UTC(2026, 10, 24, 9, 0, 0, 987)) * 1_000_000n;
    assert.equal(cfTimestamp(ns, 0), '2026-11-24T09:00:00.98+0000');
    assert.equal(cfTimestamp(ns, -300), '2026-11-24T04:00:00.98-0500');
    assert.deepEqual(formatCfLog({ timestampNs: ns, sourceType: 'APP/PROC/WEB', instance: '0', text: 'a\nb', stream: 'ERR' }, 0), [
      '   2026-11-24T09:00:00.98+0000 [APP/PROC/WEB/0] ERR a',
      '   2026-11-24T09:00:00.98+0000 [APP/PROC/WEB/0] ERR b',
    ]);
  });
});

describe('logs of a running app', { timeout: 120_000 }, () => {
  let f: RunningFoundation;
  let api: Api;
  let appGuid: string;
  let dir: string;

  before(async () => {
    f = await startTestFoundation();
    api = await Api.connect(f);
    dir = nodeApp('talker', APP_JS);
    const { app, web } = await stageAndStart(api, 'talker', dir, '  command: node server.js\n  instances: 2\n');
    appGuid = app.guid;
    await until(async () => (await stats(api, web.guid)).every((s) => s.state === 'RUNNING'), 30_000, 'RUNNING');
  });
  after(async () => {
    await f?.close();
    killMarked(f.dataDir);
    cleanup(f.dataDir);
    cleanup(dir);
  });

  test('STG, CELL and APP/PROC/WEB/<index> lines, stdout as OUT and stderr as ERR', async () => {
    await waitLine(api, appGuid, (l) => l.text === 'started 1', 10_000, 'instance 1 output');
    await http(`${f.routerUrl}/err`, { headers: { host: 'talker.localhost' } });
    await waitLine(api, appGuid, (l) => l.text === 'second line', 10_000, 'stderr');
    const lines = await readLines(api, appGuid);
    assert.ok(lines.some((l) => l.source === 'STG' && l.instance === '0' && /Downloading app package/.test(l.text)));
    for (const i of ['0', '1']) {
      assert.ok(
        lines.some((l) => l.source === 'APP/PROC/WEB' && l.instance === i && l.stream === 'OUT' && l.text === `started ${i}`),
        `instance ${i}`,
      );
      assert.ok(lines.some((l) => l.source === 'CELL' && l.instance === i && /creating container for instance/.test(l.text)));
    }
    const err = lines.filter((l) => l.stream === 'ERR' && l.source === 'APP/PROC/WEB');
    assert.deepEqual(
      err.map((l) => l.text),
      ['oops', 'second line'],
    );
  });

  test('RTR access lines for requests through the router', async () => {
    const r = await http(`${f.routerUrl}/rtr-check`, { headers: { host: 'talker.localhost', 'user-agent': 'logs-test' } });
    assert.equal(r.status, 200);
    const line = await waitLine(api, appGuid, (l) => l.source === 'RTR' && l.text.includes('/rtr-check'), 10_000, 'RTR line');
    assert.match(
      line.text,
      /^talker\.localhost - \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z\] "GET \/rtr-check HTTP\/1\.1" 200 \d+ \d+ "-" "logs-test" "127\.0\.0\.1(:\d+)?" "127\.0\.0\.1:\d+" x_forwarded_for:"[^"]*" x_forwarded_proto:"http" vcap_request_id:"[0-9a-f-]{36}" response_time:\d+\.\d+ .*app_id:"[0-9a-f-]{36}" app_index:"[01]"/,
    );
    assert.match(line.instance, /^[01]$/);
  });

  test('recent endpoint: log-cache shape, start_time paging, 401 without a token', async () => {
    const r = await api.get(`/api/v1/read/${appGuid}?envelope_types=LOG&limit=2`);
    assert.equal(r.status, 200);
    const batch = r.json.envelopes.batch;
    assert.equal(batch.length, 2);
    for (const e of batch) {
      assert.equal(e.source_id, appGuid);
      assert.match(e.timestamp, /^\d{19}$/);
      assert.ok(['OUT', 'ERR'].includes(e.log.type));
      assert.equal(typeof e.tags.source_type, 'string');
    }
    const next = await api.get(`/api/v1/read/${appGuid}?envelope_types=LOG&limit=2&start_time=${BigInt(batch[1].timestamp) + 1n}`);
    assert.ok(BigInt(next.json.envelopes.batch[0].timestamp) > BigInt(batch[1].timestamp));
    assert.equal((await http(`${f.apiUrl}/api/v1/read/${appGuid}`)).status, 401);
  });

  test('streaming endpoint: server-sent events of new lines (and a replay from start_time)', async () => {
    assert.equal((await http(`${f.apiUrl}/api/v1/stream/${appGuid}`)).status, 401);
    assert.equal(
      (await http(`${f.apiUrl}/api/v1/stream/${appGuid}`, { headers: { authorization: 'bearer nope' } })).json.errors[0].title,
      'CF-InvalidAuthToken',
    );
    const since = (await readLines(api, appGuid)).at(-1)!.ns;
    const got: any[] = [];
    let buf = '';
    let connected!: () => void;
    const isConnected = new Promise<void>((r) => (connected = r));
    const req = request(`${f.apiUrl}/api/v1/stream/${appGuid}?start_time=${since}`, { headers: { authorization: `bearer ${api.token}` } });
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (ev === ': connected') connected();
        if (ev.startsWith('data: ')) got.push(...JSON.parse(ev.slice(6)).batch);
      }
    });
    try {
      await isConnected;
      assert.equal(BigInt(got[0].timestamp), since, 'replayed from start_time');
      await http(`${f.routerUrl}/streamed`, { headers: { host: 'talker.localhost' } });
      await until(async () => got.some((e) => Buffer.from(e.log.payload, 'base64').toString() === 'hello /streamed'), 10_000, 'streamed line');
      const e = got.find((x) => Buffer.from(x.log.payload, 'base64').toString() === 'hello /streamed');
      assert.equal(e.tags.source_type, 'APP/PROC/WEB');
      const ts = got.map((x) => BigInt(x.timestamp));
      assert.ok(
        ts.every((t, i) => i === 0 || t > ts[i - 1]!),
        'no line twice, in order',
      );
    } finally {
      req.destroy();
    }
  });
});

describe('cfpush logs', { timeout: 180_000 }, () => {
  let c: CliEnv;
  let dir: string;
  let cli: string;
  before(async () => {
    cli = await snapshotCli();
    c = await cliEnv();
    c.env.TZ = 'UTC';
    await okCli(cli, c.env, ['foundation', 'start'], c.home);
    dir = nodeApp('clilogs', APP_JS);
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: clilogs\n  memory: 64M\n  command: node server.js\n');
    await okCli(cli, c.env, ['push'], dir);
  });
  after(async () => {
    if (c) await runCli(cli, c.env, ['foundation', 'stop'], c.home);
    if (c) killMarked(join(c.home, 'foundation'));
    await c?.cleanup();
    if (cli) cleanup(join(cli, '..', '..'));
    cleanup(dir);
  });

  test('--recent prints the header and cf-formatted lines', async () => {
    await http(`http://127.0.0.1:${c.routerPort}/recent`, { headers: { host: 'clilogs.localhost' } });
    const r = await until(
      async () => {
        const out = await okCli(cli, c.env, ['logs', 'clilogs', '--recent'], c.home);
        return out.stdout.includes('hello /recent') ? out : undefined;
      },
      10_000,
      'recent line',
    );
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^Retrieving logs for app clilogs in org \S+ \/ space \S+ as \S+\.\.\.$/);
    assert.equal(lines[1], '');
    const ts = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\+0000`;
    assert.ok(
      lines.some((l) => new RegExp(`^   ${ts} \\[APP/PROC/WEB/0\\] OUT hello /recent$`).test(l)),
      r.stdout,
    );
    assert.ok(lines.some((l) => new RegExp(`^   ${ts} \\[STG/0\\] OUT `).test(l)));
    assert.ok(lines.some((l) => new RegExp(`^   ${ts} \\[CELL/0\\] OUT Container became healthy$`).test(l)));
    assert.ok(lines.some((l) => new RegExp(`^   ${ts} \\[RTR/0\\] OUT clilogs\\.localhost - \\[`).test(l)));
  });

  test('without --recent it streams new lines until interrupted', async () => {
    const child = spawn(process.execPath, [cli, 'logs', 'clilogs'], { env: c.env, cwd: c.home, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await until(async () => out.includes('Retrieving logs for app clilogs'), 15_000, 'header');
      // The stream is live once the header is out; keep poking until a line arrives.
      await until(
        async () => {
          await http(`http://127.0.0.1:${c.routerPort}/live`, { headers: { host: 'clilogs.localhost' } });
          return /\[APP\/PROC\/WEB\/0\] OUT hello \/live\n/.test(out);
        },
        15_000,
        `live line in:\n${out}`,
        300,
      );
      assert.ok(!out.includes('hello /recent'), 'only new lines are streamed');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0);
  });
});
