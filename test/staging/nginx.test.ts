// The nginx buildpack as CF's: nginx.conf at the top detects it; the config
// is a template ({{port}}, {{env "NAME"}}, {{module "NAME"}}, {{nameservers}})
// rendered when each instance starts; buildpack.yml's version is checked
// against this machine's nginx; a config that does not listen on {{port}} or
// that `nginx -t` refuses fails staging with what to do.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stage } from '../../src/core/staging/builder';
import { detect } from '../../src/core/staging/detect';
import { launchSpec } from '../../src/core/staging/launcher';
import { packageRoot } from '../../src/core/paths';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { needTool } from '../helpers/toolchain';
import { http, until } from '../foundation/helpers';
import { cleanupTempDirs, stagingFailure, freePort, startProcess, tempDir, waitForHttp } from './helpers';

after(cleanupTempDirs);

const sample = join(packageRoot(), 'examples', 'hello-nginx');

function copy(edit: Record<string, string> = {}): string {
  const dir = join(tempDir(), 'site');
  cpSync(sample, dir, { recursive: true });
  for (const [name, body] of Object.entries(edit)) writeFileSync(join(dir, name), body);
  return dir;
}

describe('nginx buildpack', () => {
  it('detects nginx.conf and says why the others did not match', async (t) => {
    if (!needTool(t, 'nginx', 'nginx')) return;
    const r = await detect(sample);
    assert.equal(r.selected?.name, 'nginx');
    assert.equal(r.selected?.output, 'nginx');
    assert.match(r.verdicts.find((v) => v.name === 'nodejs')!.output, /package\.json/);
    assert.match(r.verdicts.find((v) => v.name === 'staticfile')!.output, /Staticfile/);
  });

  it('hello-nginx: stages, two instances run from one droplet on their own ports, env and mime types apply', async (t) => {
    if (!needTool(t, 'nginx', 'nginx')) return;
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const logs: string[] = [];
    const r = await stage({ appDir: sample, cacheDir: join(root, 'cache'), explodedDir: dropletDir, log: (l) => logs.push(l) });
    assert.equal(r.detectedBuildpack, 'nginx');
    assert.equal(r.startCommand, 'varify ./nginx.conf');
    assert.ok(
      logs.some((l) => /Requested nginx version: stable => \d+\.\d+\.\d+/.test(l)),
      logs.join('\n'),
    );
    const running = [];
    try {
      for (const i of [0, 1]) {
        const port = await freePort();
        const app = startProcess(
          launchSpec({ dropletDir, port, instanceIndex: i, instanceGuid: `guid-${i}`, vcapApplication: {}, env: { GREETING: `from ${i}` } }),
        );
        running.push(app);
        const res = await waitForHttp(port, app.child).catch((e: Error) => assert.fail(`${e.message}\n${app.output()}`));
        assert.equal(res.body, 'hello CF summit', app.output());
        const full = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(full.headers.get('x-greeting'), `from ${i}`);
        assert.match(full.headers.get('content-type') ?? '', /^text\/html/);
        // The access log goes through a pipe to the instance's stdout: it may trail the response.
        for (let n = 0; n < 250 && !/NginxLog "GET \/ HTTP\/1\.1" 200/.test(app.output()); n++) await new Promise((r) => setTimeout(r, 20));
        assert.match(app.output(), /NginxLog "GET \/ HTTP\/1\.1" 200/);
      }
      // The template itself is untouched, and nothing is written into the (shared) app folder:
      // each instance rendered its own copy in its own folder under the droplet's tmp/.
      assert.match(readFileSync(join(dropletDir, 'app', 'nginx.conf'), 'utf8'), /listen \{\{port\}\};/);
      assert.deepEqual(readdirSync(join(dropletDir, 'app')).sort(), readdirSync(sample).concat('.profile.d').sort());
      assert.deepEqual(readdirSync(join(dropletDir, 'tmp')).sort(), ['varify-nginx-guid-0', 'varify-nginx-guid-1']);
    } finally {
      for (const a of running) await a.stop();
    }
  });

  it('buildpack.yml: a newer version than the host fails with both; another line warns; a non-version says the forms', async (t) => {
    if (!needTool(t, 'nginx', 'nginx')) return;
    const root = tempDir();
    const e = await stagingFailure(
      stage({ appDir: copy({ 'buildpack.yml': 'nginx:\n  version: 1.99.x\n' }), cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }),
    );
    assert.match(e.message, /buildpack\.yml:2 asks for nginx 1\.99\.x; this machine has nginx \d+\.\d+\.\d+/);
    assert.equal(existsSync(join(root, 'd1')), false, 'nothing half-staged');
    const logs: string[] = [];
    await stage({
      appDir: copy({ 'buildpack.yml': 'nginx:\n  version: 1.0.x\n' }),
      cacheDir: join(root, 'c2'),
      explodedDir: join(root, 'd2'),
      log: (l) => logs.push(l),
    });
    assert.ok(
      logs.some((l) => /asks for nginx 1\.0\.x; running this machine's nginx/.test(l)),
      logs.join('\n'),
    );
    const bad = await stagingFailure(
      stage({ appDir: copy({ 'buildpack.yml': 'nginx:\n  version: latest\n' }), cacheDir: join(root, 'c3'), explodedDir: join(root, 'd3') }),
    );
    assert.match(bad.message, /nginx version 'latest' is not a version: use mainline, stable, 1\.22\.x or 1\.22\.1/);
  });

  it('an nginx.conf that does not listen on {{port}}, one nginx -t refuses, an unknown template action: each a clear error', async (t) => {
    if (!needTool(t, 'nginx', 'nginx')) return;
    const root = tempDir();
    const conf = readFileSync(join(sample, 'nginx.conf'), 'utf8');
    const noPort = await stagingFailure(
      stage({ appDir: copy({ 'nginx.conf': conf.replace('listen {{port}};', 'listen 8080;') }), cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }),
    );
    assert.match(noPort.message, /nginx\.conf does not listen on \{\{port\}\}/);
    assert.match(noPort.message, /Add 'listen \{\{port\}\};' to the server block/);
    const syntax = await stagingFailure(
      stage({ appDir: copy({ 'nginx.conf': conf.replace('sendfile on;', 'sendfile sometimes;') }), cacheDir: join(root, 'c2'), explodedDir: join(root, 'd2') }),
    );
    assert.match(syntax.message, /invalid value "sometimes"/);
    assert.match(syntax.message, /nginx\.conf has errors/);
    const unknown = await stagingFailure(
      stage({
        appDir: copy({ 'nginx.conf': conf.replace('charset utf-8;', 'charset {{.Charset}};') }),
        cacheDir: join(root, 'c3'),
        explodedDir: join(root, 'd3'),
      }),
    );
    assert.match(unknown.message, /nginx\.conf:9: unknown template action \{\{\.Charset\}\}/);
    for (const d of ['d1', 'd2', 'd3']) assert.equal(existsSync(join(root, d)), false);
  });

  describe('on the local foundation', { timeout: 180_000 }, () => {
    let c: CliEnv | undefined;
    after(async () => {
      await c?.cleanup();
    });

    it('cfpush push of hello-nginx: staged by the foundation, two instances, the route answers', async (t) => {
      if (!needTool(t, 'nginx', 'nginx')) return;
      c = await cliEnv();
      await c.ok(['foundation', 'start']);
      const dir = copy({ 'manifest.yml': '---\napplications:\n- name: hello-nginx\n  memory: 64M\n  instances: 2\n  env:\n    GREETING: from the manifest\n' });
      const r = await c.run(['push'], { cwd: dir });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const routerPort = c.routerPort;
      const res = await until(
        async () => {
          const x = await http(`http://127.0.0.1:${routerPort}/`, { headers: { host: 'hello-nginx.localhost' } });
          return x.text === 'hello CF summit' && x;
        },
        30_000,
        'hello-nginx answering through the router',
      );
      assert.equal(res.headers['x-greeting'], 'from the manifest');
    });
  });
});
