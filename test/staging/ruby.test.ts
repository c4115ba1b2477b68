// The ruby buildpack as CF's: a Gemfile detects it; bundler installs the
// Gemfile's gems (frozen by Gemfile.lock) from vendor/cache or this machine's
// gems, offline; config.ru starts with rackup; the Gemfile's ruby version is
// checked against this machine's; a broken Gemfile.lock fails staging clearly.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stage } from '../../src/core/staging/builder';
import { detect } from '../../src/core/staging/detect';
import { launchSpec } from '../../src/core/staging/launcher';
import { packageRoot } from '../../src/core/paths';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { needTool } from '../helpers/toolchain';
import { cleanupTempDirs, pushAndAnswer, stagingFailure, freePort, startProcess, tempDir, waitForHttp } from './helpers';

after(cleanupTempDirs);

const sample = join(packageRoot(), 'examples', 'hello-ruby');

function copy(edit: Record<string, string> = {}): string {
  const dir = join(tempDir(), 'rb');
  cpSync(sample, dir, { recursive: true });
  for (const [name, body] of Object.entries(edit)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

function haveRuby(t: import('node:test').TestContext): boolean {
  return needTool(t, 'ruby', 'ruby') && needTool(t, 'bundle', 'bundler') && needTool(t, 'rackup', 'ruby-rack');
}

async function serve(dropletDir: string, command?: string, env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  const app = startProcess(launchSpec({ dropletDir, port, instanceIndex: 0, instanceGuid: 'g', vcapApplication: {}, command, env }));
  try {
    const res = await waitForHttp(port, app.child, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${app.output()}`));
    return res.body;
  } finally {
    await app.stop();
  }
}

const hostRuby = (): string => execFileSync('ruby', ['-e', 'print RUBY_VERSION'], { encoding: 'utf8' });

describe('ruby buildpack', () => {
  it('detects a Gemfile and says why the others did not match', async (t) => {
    if (!haveRuby(t)) return;
    const r = await detect(sample);
    assert.equal(r.selected?.name, 'ruby');
    assert.match(r.verdicts.find((v) => v.name === 'nodejs')!.output, /package\.json/);
    assert.match(r.verdicts.find((v) => v.name === 'java')!.output, /MANIFEST\.MF/);
  });

  it('hello-ruby: bundler installs from this machine offline, rackup serves config.ru with the env', async (t) => {
    if (!haveRuby(t)) return;
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const logs: string[] = [];
    const r = await stage({ appDir: sample, cacheDir: join(root, 'cache'), explodedDir: dropletDir, log: (l) => logs.push(l) });
    assert.equal(r.detectedBuildpack, 'ruby');
    assert.equal(r.startCommand, 'bundle exec rackup config.ru -p $PORT');
    assert.ok(
      logs.some((l) => l.includes(`Using ruby ${hostRuby()}`)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /Gemfile:3 asks for ruby >= 3\.0: ruby [\d.]+ matches/.test(l)),
      logs.join('\n'),
    );
    assert.ok(existsSync(join(dropletDir, 'app', '.profile.d')));
    assert.equal(await serve(dropletDir), 'hello CF summit');
    assert.equal(await serve(dropletDir, undefined, { GREETING: 'from the env' }), 'from the env');
  });

  it('gems from vendor/cache install offline into the droplet (a gem this machine does not have), and a Procfile wins', async (t) => {
    if (!haveRuby(t)) return;
    // A gem of our own, built here and cached as `bundle cache` would: nothing can come from the network.
    const gemSrc = join(tempDir(), 'greeting-gem');
    mkdirSync(join(gemSrc, 'lib'), { recursive: true });
    writeFileSync(join(gemSrc, 'lib', 'cfpush_greeting.rb'), "module CfpushGreeting\n  def self.text = 'hello from vendor/cache'\nend\n");
    writeFileSync(
      join(gemSrc, 'cfpush_greeting.gemspec'),
      "Gem::Specification.new do |s|\n  s.name = 'cfpush_greeting'\n  s.version = '0.1.0'\n  s.summary = 'test'\n  s.authors = ['cf-push']\n  s.files = ['lib/cfpush_greeting.rb']\nend\n",
    );
    execFileSync('gem', ['build', 'cfpush_greeting.gemspec'], { cwd: gemSrc, stdio: 'ignore' });
    const app = copy({
      Gemfile: "source 'https://rubygems.org'\ngem 'rack', '~> 2.2'\ngem 'webrick', '~> 1.7'\ngem 'cfpush_greeting'\n",
      'config.ru': "require 'cfpush_greeting'\nrun ->(_env) { [200, {}, [CfpushGreeting.text]] }\n",
      Procfile: 'web: bundle exec rackup config.ru -p $PORT -E production\n',
    });
    mkdirSync(join(app, 'vendor', 'cache'), { recursive: true });
    cpSync(join(gemSrc, 'cfpush_greeting-0.1.0.gem'), join(app, 'vendor', 'cache', 'cfpush_greeting-0.1.0.gem'));
    // The lock as `bundle lock` writes it on the user's machine: the sample's, plus the gem.
    const lock = readFileSync(join(sample, 'Gemfile.lock'), 'utf8')
      .replace('  specs:\n', '  specs:\n    cfpush_greeting (0.1.0)\n')
      .replace('DEPENDENCIES\n', 'DEPENDENCIES\n  cfpush_greeting\n');
    writeFileSync(join(app, 'Gemfile.lock'), lock);
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const logs: string[] = [];
    const r = await stage({
      appDir: app,
      cacheDir: join(root, 'cache'),
      explodedDir: dropletDir,
      log: (l) => logs.push(l),
      env: { http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9' },
    });
    assert.equal(r.startCommand, 'bundle exec rackup config.ru -p $PORT -E production');
    assert.ok(
      logs.some((l) => /Installing cfpush_greeting 0\.1\.0/.test(l)),
      logs.join('\n'),
    );
    const deps = join(dropletDir, 'deps');
    const idx = readdirSync(deps)[0]!;
    assert.ok(existsSync(join(deps, idx, 'gems', 'gems', 'cfpush_greeting-0.1.0')), 'the gem is in the droplet, not on this machine');
    assert.equal(await serve(dropletDir), 'hello from vendor/cache');
    // Re-staging finds the gem installed in the cache.
    const again: string[] = [];
    await stage({ appDir: app, cacheDir: join(root, 'cache'), explodedDir: join(root, 'd2'), log: (l) => again.push(l) });
    assert.ok(
      again.some((l) => /Using cfpush_greeting 0\.1\.0/.test(l)),
      again.join('\n'),
    );
  });

  it('bad input: a Gemfile asking for another ruby, a broken Gemfile.lock, a gem nowhere to be found; nothing half-staged', async (t) => {
    if (!haveRuby(t)) return;
    const root = tempDir();
    const v = hostRuby();
    const newer = copy({ Gemfile: "source 'https://rubygems.org'\n\nruby '9.9.0'\ngem 'rack', '~> 2.2'\ngem 'webrick'\n" });
    const e1 = await stagingFailure(stage({ appDir: newer, cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }));
    assert.match(e1.message, new RegExp(`Gemfile:3 asks for ruby 9\\.9\\.0; this machine has ruby ${v.replace(/\./g, '\\.')}`));
    assert.match(e1.message, /Install Ruby 9\.9\.0 .*or change the Gemfile's ruby line/);

    const conflicted = copy({ 'Gemfile.lock': '<<<<<<< HEAD\nGEM\n  specs:\n=======\n>>>>>>> branch\n' });
    const e2 = await stagingFailure(stage({ appDir: conflicted, cacheDir: join(root, 'c2'), explodedDir: join(root, 'd2') }));
    assert.match(e2.message, /Gemfile\.lock has merge conflict markers/);

    const garbage = copy({ 'Gemfile.lock': 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.22\n   ((( not a lockfile\n' });
    const e3 = await stagingFailure(stage({ appDir: garbage, cacheDir: join(root, 'c3'), explodedDir: join(root, 'd3') }));
    assert.match(e3.message, /bundle install failed on the Gemfile and Gemfile\.lock/);
    assert.match(e3.message, /Gemfile\.lock may be broken or out of date with the Gemfile: run bundle lock/);

    // A gem neither cached nor installed, and no reachable source (a proxy that refuses): what to vendor.
    const missing = copy({ Gemfile: "source 'https://rubygems.org'\ngem 'rack', '~> 2.2'\ngem 'webrick'\ngem 'cfpush-no-such-gem'\n" });
    rmSync(join(missing, 'Gemfile.lock'));
    const e4 = await stagingFailure(
      stage({
        appDir: missing,
        cacheDir: join(root, 'c4'),
        explodedDir: join(root, 'd4'),
        env: { http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' },
      }),
    );
    assert.match(e4.message, /cfpush-no-such-gem is not in vendor\/cache or installed on this machine/);
    assert.match(e4.message, /Run bundle cache on your machine/);
    for (const d of ['d1', 'd2', 'd3', 'd4']) assert.equal(existsSync(join(root, d)), false);
  });

  describe('on the local foundation', { timeout: 180_000 }, () => {
    let c: CliEnv | undefined;
    after(async () => {
      await c?.cleanup();
    });

    it('cfpush push of hello-ruby: staged by the foundation, the route answers', async (t) => {
      if (!haveRuby(t)) return;
      c = await cliEnv();
      await c.ok(['foundation', 'start']);
      await pushAndAnswer(c, copy(), 'hello-ruby');
    });
  });
});
