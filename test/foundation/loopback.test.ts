// App instances on the local foundation listen on loopback only (issue 13
// point 9): a Node.js app's `listen(PORT)` and Python's `http.server` (every
// interface, as apps are written for CF) end up on 127.0.0.1, read from the
// kernel's socket table; the router still reaches them. A program the
// preloads cannot reach (python -S skips sitecustomize, like a static binary)
// keeps every interface and its log says so and how to fix it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listeningOnAllInterfaces } from '../../src/foundation/loopback';
import type { RunningFoundation } from '../../src/foundation/server';
import { Api, cleanup, http, nodeApp, push, startTestFoundation, tempDir, until } from './helpers';

/** Local addresses that listen on `port`, from /proc/net/tcp{,6} (hex, as the kernel writes them). */
function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'latin1').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c[3] === '0A' && c[1]?.endsWith(`:${hex}`)) out.push(c[1].split(':')[0]!);
    }
  }
  return out;
}

const LOOPBACK4 = '0100007F';
const LOOPBACK_MAPPED6 = '0000000000000000FFFF00000100007F';

describe('instances listen on loopback', { timeout: 180_000 }, () => {
  let f: RunningFoundation;
  let api: Api;
  const dirs: string[] = [];

  before(async () => {
    f = await startTestFoundation();
    api = await Api.connect(f);
  });
  after(async () => {
    await f?.close();
    if (f) cleanup(f.dataDir);
    for (const d of dirs) cleanup(d);
  });

  async function instancePort(appGuid: string): Promise<number> {
    const web = (await api.get(`/v3/apps/${appGuid}/processes`)).json.resources.find((p: any) => p.type === 'web');
    const stats = (await api.get(`/v3/processes/${web.guid}/stats`)).json.resources;
    return stats[0].instance_ports[0].internal;
  }

  async function cellLines(appGuid: string): Promise<string[]> {
    const r = await api.get(`/api/v1/read/${appGuid}?start_time=0&envelope_types=LOG&limit=1000`);
    return (r.json.envelopes.batch as any[]).map((e) => Buffer.from(e.log.payload, 'base64').toString());
  }

  test('a Node.js app that calls listen(PORT) listens on 127.0.0.1 only, and answers through the router', async () => {
    const dir = nodeApp('lb-node', `require('http').createServer((q, s) => s.end('node-ok')).listen(process.env.PORT);`);
    dirs.push(dir);
    const { app } = await push(api, 'lb-node', dir, '  command: node server.js\n');
    const port = await instancePort(app.guid);
    assert.deepEqual(listeners(port), [LOOPBACK4], 'the kernel shows the instance on 127.0.0.1 only');
    assert.equal(await listeningOnAllInterfaces(port), false);
    const r = await http(`${f.routerUrl}/`, { headers: { host: 'lb-node.localhost' } });
    assert.equal(r.text, 'node-ok');
    assert.ok(!(await cellLines(app.guid)).some((l) => /every network interface/.test(l)));
  });

  test("Python's http.server (binds '') listens on loopback only", async () => {
    const dir = tempDir('cfpush-app-lb-py-');
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), 'py-ok');
    const { app } = await push(api, 'lb-py', dir, '  buildpacks: [binary]\n  command: python3 -m http.server $PORT\n');
    const port = await instancePort(app.guid);
    const seen = listeners(port);
    assert.ok(seen.length > 0 && seen.every((a) => a === LOOPBACK4 || a === LOOPBACK_MAPPED6), `listening on ${seen.join(', ')}`);
    const r = await http(`${f.routerUrl}/index.html`, { headers: { host: 'lb-py.localhost' } });
    assert.equal(r.text, 'py-ok');
  });

  test('a program the preloads miss keeps every interface, and its log says how to fix it', async () => {
    const dir = tempDir('cfpush-app-lb-raw-');
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), 'raw');
    const { app } = await push(api, 'lb-raw', dir, '  buildpacks: [binary]\n  command: python3 -S -m http.server $PORT\n');
    const port = await instancePort(app.guid);
    assert.equal(await listeningOnAllInterfaces(port), true);
    const line = await until(async () => (await cellLines(app.guid)).find((l) => /every network interface/.test(l)), 5000, 'the warning');
    assert.match(line, /CF_INSTANCE_IP/);
  });
});
