// `cfpush traffic APP [--watch] [--json]` against a real local foundation
// started by the CLI: counts per instance, route moves after `cfpush swap`,
// the table for humans, and --watch printing every second until SIGINT.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEnv, cliPath, type CliEnv } from '../helpers/cli';

const SERVER = `require('http').createServer((q, s) => {
  if (q.url === '/fail') { s.statusCode = 503; return s.end('down'); }
  s.end(process.env.NAME || 'app');
}).listen(process.env.PORT);
`;

function get(port: number, host: string, path = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function secondOver(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1030 - (Date.now() % 1000)));
}

function appDir(name: string, instances: number): string {
  const dir = mkdtempSync(join(tmpdir(), `cfpush-traffic-${name}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, scripts: { start: 'node server.js' } }));
  writeFileSync(join(dir, 'server.js'), SERVER);
  writeFileSync(join(dir, 'manifest.yml'), `applications:\n- name: ${name}\n  memory: 64M\n  instances: ${instances}\n  env:\n    NAME: ${name}\n`);
  return dir;
}

describe('cfpush traffic', { timeout: 600_000 }, () => {
  let c: CliEnv;

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    await c.ok(['push'], { cwd: appDir('web', 2) });
    await c.ok(['push'], { cwd: appDir('web2', 1) });
  });
  after(async () => c?.cleanup());

  it('--json: requests and errors per instance over the last minute, and route moves', async () => {
    for (let i = 0; i < 30; i++) assert.equal(await get(c.routerPort, 'web.localhost'), 200);
    for (let i = 0; i < 4; i++) assert.equal(await get(c.routerPort, 'web.localhost', '/fail'), 503);
    await secondOver();
    const out = JSON.parse((await c.ok(['traffic', 'web', '--json'])).stdout);
    assert.equal(out.available, true);
    assert.equal(out.source, 'router');
    assert.equal(out.seconds, 60);
    assert.equal(out.apps.length, 1);
    const web = out.apps[0];
    assert.equal(web.name, 'web');
    assert.equal(web.requests, 34);
    assert.equal(web.errors_5xx, 4);
    assert.equal(web.errors_4xx, 0);
    assert.deepEqual(
      web.instances.map((i: any) => [i.index, i.requests]),
      [
        [0, 17],
        [1, 17],
      ],
    );
    assert.equal(web.series.requests.length, 60);
    assert.equal(typeof web.rps, 'number');
    // The push mapped web.localhost to web within the minute: a route move.
    assert.ok(
      out.markers.some((m: any) => m.url === 'web.localhost' && m.added.some((a: any) => a.name === 'web')),
      JSON.stringify(out.markers),
    );
  });

  it('after `cfpush swap`, the moves show for both apps and traffic lands on the other app', async () => {
    await c.ok(['swap', 'web', 'web2']);
    for (let i = 0; i < 10; i++) assert.equal(await get(c.routerPort, 'web.localhost'), 200);
    await secondOver();
    const out = JSON.parse((await c.ok(['traffic', 'web', 'web2', '--json', '--seconds', '30'])).stdout);
    assert.equal(out.seconds, 30);
    const [web, web2] = ['web', 'web2'].map((n) => out.apps.find((a: any) => a.name === n));
    assert.equal(web2.requests, 10);
    assert.deepEqual(
      web2.instances.map((i: any) => i.index),
      [0],
    );
    assert.equal(web.errors_4xx, 0);
    const moves = out.markers.filter((m: any) => m.url === 'web.localhost');
    assert.ok(
      moves.some((m: any) => m.added.some((a: any) => a.name === 'web2')),
      JSON.stringify(moves),
    );
    assert.ok(
      moves.some((m: any) => m.removed.some((a: any) => a.name === 'web')),
      JSON.stringify(moves),
    );
  });

  it('prints a table for humans', async () => {
    const r = await c.ok(['traffic', 'web2']);
    assert.match(r.stdout, /^Traffic of web2 \(router counters, last 60 s, until \d\d:\d\d:\d\d\)/);
    assert.match(r.stdout, /app\s+instance\s+req\/s \(last 5 s\)\s+req\/s \(60 s\)\s+requests\s+5xx\s+4xx/);
    assert.match(r.stdout, /web2\s+#0\s+[\d.]+\s+[\d.]+\s+10\s+0\s+0/);
    assert.match(r.stdout, /Route moves:\n[\s\S]*web\.localhost\s+\+web2/);
  });

  it('--watch --json prints one document a second until Ctrl-C', async () => {
    const child = spawn(process.execPath, [cliPath, 'traffic', 'web2', '--watch', '--json'], { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    while (out.split('\n').filter(Boolean).length < 3 && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0);
    const docs = out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.ok(docs.length >= 3, `${docs.length} documents`);
    assert.ok(docs.every((d) => d.available && d.apps[0].name === 'web2'));
    assert.ok(docs[2].to > docs[0].to, 'each document covers a later second');
  });

  it('an unknown app is an error with a hint', async () => {
    const r = await c.run(['traffic', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /App 'nope' not found/);
  });
});
