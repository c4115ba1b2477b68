// The php buildpack as CF's: index.php (or composer.json) detects it; the app
// moves into WEBDIR; php-fpm serves it behind httpd (CF's default) or nginx
// on $PORT, as .bp-config/options.json says; the extensions and PHP version
// it asks for are checked against this machine's PHP at staging.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { stage } from '../../src/core/staging/builder';
import { detect } from '../../src/core/staging/detect';
import { launchSpec } from '../../src/core/staging/launcher';
import { packageRoot } from '../../src/core/paths';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { needTool } from '../helpers/toolchain';
import { cleanupTempDirs, pushAndAnswer, stagingFailure, freePort, startProcess, tempDir, waitForHttp } from './helpers';

after(cleanupTempDirs);

const sample = join(packageRoot(), 'examples', 'hello-php');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

function copy(edit: Record<string, string> = {}): string {
  const dir = join(tempDir(), 'php');
  cpSync(sample, dir, { recursive: true });
  for (const [name, body] of Object.entries(edit)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

function havePhp(t: TestContext, server: 'httpd' | 'nginx' = 'httpd'): boolean {
  return (
    needTool(t, 'php', 'php-cli') &&
    needTool(t, 'php-fpm' + hostMinor(), 'php-fpm') &&
    (server === 'httpd' ? needTool(t, 'apache2', 'apache2-bin') : needTool(t, 'nginx', 'nginx'))
  );
}

function hostMinor(): string {
  try {
    return execFileSync('php', ['-r', 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** Runs the droplet's web process (as `uid` when given: httpd will not serve as root) and GETs `path`. */
async function serve(root: string, dropletDir: string, opts: { env?: Record<string, string>; uid?: number; path?: string } = {}) {
  const port = await freePort();
  let spec = launchSpec({ dropletDir, port, instanceIndex: 0, instanceGuid: 'g', vcapApplication: {}, env: opts.env ?? {} });
  if (opts.uid !== undefined) {
    execFileSync('chown', ['-R', `${opts.uid}:${opts.uid}`, root]);
    spec = { ...spec, file: 'setpriv', args: [`--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', spec.file, ...spec.args] };
  }
  const app = startProcess(spec);
  try {
    await waitForHttp(port, app.child, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${app.output()}`));
    const res = await fetch(`http://127.0.0.1:${port}${opts.path ?? '/'}`);
    return { body: await res.text(), server: res.headers.get('server') ?? '', output: app.output() };
  } finally {
    await app.stop();
    if (opts.uid !== undefined) execFileSync('chown', ['-R', `${process.getuid!()}:${process.getgid!()}`, root]);
    // php-fpm leaves the instance's process group (setsid): killing the group must still take it and its workers.
    let left: string[] = [];
    for (let i = 0; i < 60 && (left = fpmOf(dropletDir)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(left, [], 'php-fpm outlived its instance');
  }
}

/** Live php-fpm processes (master or workers) of the instance running from `dropletDir`. */
function fpmOf(dropletDir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie is gone, only not yet reaped
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!/php-fpm/.test(cmd)) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(dropletDir) || env.includes(dropletDir)) out.push(`${pid} ${cmd.trim()}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

describe('php buildpack', () => {
  it('detects index.php and says why the others did not match', async (t) => {
    if (!havePhp(t)) return;
    const r = await detect(sample);
    assert.equal(r.selected?.name, 'php');
    assert.match(r.verdicts.find((v) => v.name === 'nodejs')!.output, /package\.json/);
    assert.match(r.verdicts.find((v) => v.name === 'ruby')!.output, /Gemfile/);
  });

  it('hello-php: moved into htdocs/, php-fpm behind httpd on $PORT, the env reaches PHP', async (t) => {
    if (!havePhp(t)) return;
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const logs: string[] = [];
    const r = await stage({ appDir: sample, cacheDir: join(root, 'cache'), explodedDir: dropletDir, log: (l) => logs.push(l) });
    assert.equal(r.detectedBuildpack, 'php');
    assert.equal(r.startCommand, '$HOME/.bp/bin/start');
    assert.ok(
      logs.some((l) => /Moving the app into htdocs\//.test(l)),
      logs.join('\n'),
    );
    assert.ok(existsSync(join(dropletDir, 'app', 'htdocs', 'index.php')));
    // httpd will not serve as root (nor does CF run apps as root): as a normal user, httpd serves.
    const asUser = await serve(root, dropletDir, { env: { GREETING: 'from the env' }, uid: isRoot ? NOBODY : undefined });
    assert.equal(asUser.body, 'from the env', asUser.output);
    assert.match(asUser.server, /^Apache/);
    assert.match(asUser.output, /"GET \/ HTTP\/1\.1" 200/);
    if (isRoot) {
      // As root, the instance says so and serves with nginx.
      const asRoot = await serve(root, dropletDir);
      assert.equal(asRoot.body, 'hello CF summit');
      assert.match(asRoot.server, /^nginx/);
      assert.match(asRoot.output, /httpd refuses to serve as root .* serves with .*nginx instead/);
    }
  });

  it('WEB_SERVER nginx, a WEBDIR of its own, composer.json with platform requirements only (offline: vendor/autoload.php)', async (t) => {
    if (!havePhp(t, 'nginx') || !needTool(t, 'composer', 'composer')) return;
    const app = join(tempDir(), 'composer-app');
    mkdirSync(join(app, 'public'), { recursive: true });
    mkdirSync(join(app, '.bp-config'), { recursive: true });
    writeFileSync(join(app, '.bp-config', 'options.json'), '{ "WEB_SERVER": "nginx", "WEBDIR": "public" }\n');
    writeFileSync(join(app, 'composer.json'), '{\n  "require": {\n    "php": ">=8.0",\n    "ext-json": "*"\n  }\n}\n');
    writeFileSync(join(app, 'public', 'index.php'), "<?php\nrequire __DIR__ . '/../vendor/autoload.php';\necho 'served by nginx from public/';\n");
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    await stage({ appDir: app, cacheDir: join(root, 'cache'), explodedDir: dropletDir });
    assert.ok(existsSync(join(dropletDir, 'app', 'vendor', 'autoload.php')));
    const res = await serve(root, dropletDir);
    assert.equal(res.body, 'served by nginx from public/', res.output);
    assert.match(res.server, /^nginx/);
  });

  it('bad input: an extension this PHP lacks, another PHP, invalid options.json, an unknown WEB_SERVER; each names the file; nothing half-staged', async (t) => {
    if (!havePhp(t)) return;
    const root = tempDir();
    const mm = hostMinor();
    const ext = copy({ '.bp-config/options.json': '{\n  "PHP_EXTENSIONS": [\n    "json",\n    "cfpushnosuchext"\n  ]\n}\n' });
    const e1 = await stagingFailure(stage({ appDir: ext, cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }));
    assert.match(
      e1.message,
      /\.bp-config\/options\.json:4 \(PHP_EXTENSIONS\) asks for PHP extension 'cfpushnosuchext'; this machine's PHP [\d.]+ does not have it/,
    );
    assert.match(e1.message, new RegExp(`sudo apt-get install php${mm.replace('.', '\\.')}-cfpushnosuchext`));

    const comp = copy({ 'composer.json': '{\n  "require": {\n    "ext-cfpushnosuchext": "*"\n  }\n}\n' });
    const e2 = await stagingFailure(stage({ appDir: comp, cacheDir: join(root, 'c2'), explodedDir: join(root, 'd2') }));
    assert.match(e2.message, /composer\.json:3 \(require ext-cfpushnosuchext\) asks for PHP extension 'cfpushnosuchext'/);

    const ver = copy({ '.bp-config/options.json': '{\n  "PHP_VERSION": "{PHP_99_LATEST}"\n}\n' });
    const e3 = await stagingFailure(stage({ appDir: ver, cacheDir: join(root, 'c3'), explodedDir: join(root, 'd3') }));
    assert.match(e3.message, /\.bp-config\/options\.json:2 asks for PHP \{PHP_99_LATEST\}; this machine has PHP [\d.]+/);
    assert.match(e3.message, new RegExp(`or set PHP_VERSION to ${mm.replace('.', '\\.')}\\.x`));

    const json = copy({ '.bp-config/options.json': '{ "WEB_SERVER": "httpd", }\n' });
    const e4 = await stagingFailure(stage({ appDir: json, cacheDir: join(root, 'c4'), explodedDir: join(root, 'd4') }));
    assert.match(e4.message, /\.bp-config\/options\.json is not valid JSON: Syntax error/);

    const web = copy({ '.bp-config/options.json': '{\n  "WEB_SERVER": "lighttpd"\n}\n' });
    const e5 = await stagingFailure(stage({ appDir: web, cacheDir: join(root, 'c5'), explodedDir: join(root, 'd5') }));
    assert.match(e5.message, /\.bp-config\/options\.json:2: WEB_SERVER is 'lighttpd'; it must be httpd, nginx or none/);
    for (const d of ['d1', 'd2', 'd3', 'd4', 'd5']) assert.equal(existsSync(join(root, d)), false);
  });

  describe('on the local foundation', { timeout: 180_000 }, () => {
    let c: CliEnv | undefined;
    after(async () => {
      await c?.cleanup();
    });

    it('cfpush push of hello-php: staged by the foundation, the route answers', async (t) => {
      if (!havePhp(t) || (isRoot && !needTool(t, 'nginx', 'nginx'))) return;
      c = await cliEnv();
      await c.ok(['foundation', 'start']);
      await pushAndAnswer(c, copy(), 'hello-php');
    });
  });
});
