// The extension's requests name the editor (issue 17 item 6: `cfpush/0.1.0
// (node …) vscode/1.95.0`). src/vscode/lazy.ts loads dist/core.js once and
// sets the editor part there; that reaches every request only if the
// extension's bundle holds no second copy of the core's HTTP client or
// User-Agent. Checked on what is built (dist/*.js.map), and the User-Agent
// itself in a fresh node process on the shipped dist/core.js. The in-host
// suite (login.ts, "the extension's requests name the editor") records the
// header of the extension's own session through a proxy.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/cli';

const sources = (bundle: string): string[] =>
  (JSON.parse(readFileSync(join(repoRoot, 'dist', `${bundle}.js.map`), 'utf8')) as { sources: string[] }).sources.map((s) => s.replace(/^(\.\.\/)+/, ''));

test("dist/extension.js holds no copy of the core's HTTP client or User-Agent: every request goes through dist/core.js", () => {
  const ext = sources('extension');
  assert.ok(
    ext.some((s) => s === 'src/vscode/lazy.ts'),
    'the extension bundle is built from src/vscode',
  );
  // Small helpers (paths) may be bundled into the extension; nothing that talks to a target.
  const talks = ext.filter((s) => /^src\/core\/(user-agent|http-client|http-get|session|targets)\.ts$|^src\/core\/(cc|auth|push)\//.test(s));
  assert.deepEqual(talks, [], "the extension's bundle holds a copy of the core's client");
  assert.ok(sources('core').includes('src/core/user-agent.ts'));
  assert.ok(sources('core').includes('src/core/http-client.ts'));
});

test('lazy.ts sets the editor part on the core it loads, from vscode.version, before handing the core out', () => {
  const lazy = readFileSync(join(repoRoot, 'src', 'vscode', 'lazy.ts'), 'utf8');
  const load = lazy.indexOf("require('./core.js')");
  const host = lazy.indexOf('loaded.setUserAgentHost(`vscode/${');
  assert.ok(load > 0 && host > load, 'core() requires ./core.js, then calls setUserAgentHost');
  assert.match(lazy.slice(host, host + 200), /\.version\}`\)/);
  assert.ok(lazy.indexOf('return loaded;', host) > host, 'the core is returned after the host is set');
});

test('the shipped core names cfpush, its version and the platform, and the editor once set', () => {
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  // Requests through the core's own client (an exported call that asks a target's root and /login)
  // to a server in the same process, before and after the host is set.
  const probe = `
    const http = require('node:http');
    const core = require(${JSON.stringify(join(repoRoot, 'dist', 'core.js'))});
    const seen = { before: [], after: [] };
    let phase = 'before';
    const server = http.createServer((q, s) => { seen[phase].push(q.headers['user-agent']); s.end('{}'); });
    server.listen(0, '127.0.0.1', async () => {
      const api = 'http://127.0.0.1:' + server.address().port;
      await core.loginPrompts({ name: 'probe', api }).catch(() => undefined);
      core.setUserAgentHost('vscode/1.99.9');
      phase = 'after';
      await core.loginPrompts({ name: 'probe', api }).catch(() => undefined);
      server.close();
      console.log(JSON.stringify(seen));
    });`;
  const seen = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as Record<
    'before' | 'after',
    string[]
  >;
  const base = `cfpush/${version} (node ${process.versions.node}; ${process.arch} ${process.platform})`;
  assert.ok(seen.before.length > 0 && seen.after.length > 0, JSON.stringify(seen));
  for (const ua of seen.before) assert.equal(ua, base);
  for (const ua of seen.after) assert.equal(ua, `${base} vscode/1.99.9`);
});
