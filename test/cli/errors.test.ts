// Bad input never crashes: each error says what, where and what to do next.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aliasBomb } from '../helpers/bombs';
import { cliEnv, type CliEnv } from '../helpers/cli';

describe('bad input', { timeout: 300_000 }, () => {
  let c: CliEnv;
  let dir: string;
  before(async () => {
    c = await cliEnv();
    dir = mkdtempSync(join(tmpdir(), 'cfpush-bad-'));
  });
  after(async () => c?.cleanup());

  const app = (name: string, files: Record<string, string>) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
    return d;
  };

  it('a folder no buildpack detects: names every buildpack tried and what it looked for', async () => {
    const d = app('nothing', { 'README.txt': 'no code here\n' });
    const det = await c.run(['detect', d]);
    assert.equal(det.code, 1);
    for (const bp of ['staticfile', 'java', 'ruby', 'dotnet-core', 'nodejs', 'go', 'python', 'php', 'nginx', 'r', 'hwc', 'binary'])
      assert.match(det.stdout, new RegExp(bp));
    assert.match(det.stdout, /package\.json/);
    assert.match(det.stdout, /go\.mod/);
    assert.match(det.stdout, /Staticfile/);
    assert.match(det.stdout, /requirements\.txt/);
    assert.match(det.stdout, /nginx\.conf/);

    const st = await c.run(['stage', d, '-o', join(dir, 'x.tgz')]);
    assert.equal(st.code, 1);
    assert.match(st.stderr, /None of the buildpacks detected a compatible application/);
    assert.match(st.stderr, /nodejs[^\n]*package\.json/);
  });

  it('a manifest with a YAML error: file:line:col', async () => {
    const d = app('badyaml', { 'manifest.yml': 'applications:\n- name: x\n  env: [unclosed\n', 'package.json': '{}' });
    const r = await c.run(['push'], { cwd: d });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${join(d, 'manifest.yml').replace(/[/.]/g, '\\$&')}:\\d+:\\d+: `));
    assert.match(r.stderr, /not valid yaml/i);
  });

  it('an unknown ((var)): named, with its location', async () => {
    const d = app('badvar', { 'manifest.yml': 'applications:\n- name: ((appname))\n  memory: ((mem))\n', 'package.json': '{}' });
    const r = await c.run(['push', '--var', 'mem=64M'], { cwd: d });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /manifest\.yml:2:\d+: .*Expected to find variables: appname/);
  });

  it('alias-bomb, deep and oversize manifests: push and push --preview name the limit, where, and what to do', async () => {
    const cases: [string, string, RegExp][] = [
      ['bomb', aliasBomb(9), /expands its aliases \(\*name\) to more than 50000 nodes/],
      ['deep', `applications:\n- name: a\n  env:\n    X: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /more than 64 levels deep/],
      ['huge', `applications:\n- name: a\n  env:\n    X: "${'x'.repeat(1100 * 1024)}"\n`, /limited to 1 MiB/],
      ['longname', `applications:\n- name: ${'n'.repeat(100 * 1024)}\n`, /Name is too long \(maximum is 255 characters/],
    ];
    for (const [name, yaml, pattern] of cases) {
      const d = app(`limit-${name}`, { 'manifest.yml': yaml, 'package.json': '{}' });
      for (const args of [['push'], ['push', '--preview']]) {
        const r = await c.run(args, { cwd: d });
        assert.equal(r.code, 1, `${name} ${args.join(' ')}`);
        assert.match(r.stderr, new RegExp(`${join(d, 'manifest.yml').replace(/[/.]/g, '\\$&')}:\\d+:\\d+: `), name);
        assert.match(r.stderr, pattern, name);
        assert.ok(r.stderr.trim().split('\n').length >= 2, `${name}: a hint follows the error:\n${r.stderr}`);
        assert.ok(r.stderr.length < 4000, `${name}: the message does not repeat the input (${r.stderr.length} chars)`);
        assert.doesNotMatch(r.stderr, /not running/, 'refused before talking to any target');
      }
    }
    const named = await c.run(['push', 'x'.repeat(100 * 1024)], { cwd: app('argname', { 'package.json': '{}' }) });
    assert.equal(named.code, 1);
    assert.match(named.stderr, /Name is too long \(maximum is 255 characters, this one has 102400\)/);
  });

  it('push with no foundation running says how to start it', async () => {
    const d = app('fine', { 'package.json': '{"scripts":{"start":"node s.js"}}', 's.js': '' });
    const r = await c.run(['push'], { cwd: d });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The local foundation is not running/);
    assert.match(r.stderr, /cfpush foundation start/);
  });

  for (const which of ['api', 'router'] as const) {
    it(`${which} port already in use: says which port and which flag`, async () => {
      const blocker: Server = createServer();
      const port = which === 'api' ? c.apiPort : c.routerPort;
      await new Promise<void>((res) => blocker.listen(port, '127.0.0.1', res));
      try {
        const r = await c.run(['foundation', 'start']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, new RegExp(`${port}`));
        assert.match(r.stderr, new RegExp(`--${which}-port`));
        const st = await c.run(['foundation', 'status']);
        assert.match(st.stdout, /not running/, 'a failed start leaves nothing running');
      } finally {
        blocker.close();
      }
    });
  }

  it('an unknown command and a bad flag are usage errors', async () => {
    const r = await c.run(['pusj']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /'pusj' is not a registered command/);
    const f = await c.run(['push', '--bogus']);
    assert.equal(f.code, 1);
    assert.match(f.stderr, /Incorrect usage/);
    assert.match(f.stderr, /Usage: cfpush push/);
  });
});

describe('API errors reach the user', { timeout: 300_000 }, () => {
  let c: CliEnv;
  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
  });
  after(async () => c?.cleanup());

  const LOG_HINT = /The staging log above shows the failing buildpack step/;
  // The builder's exit codes (223 compile, 224 release, 225 supply) become CC's error ids, here and on the foundation.
  const failing: [exit: number, id: string, message: string, bps: Record<string, Record<string, string>>, next: RegExp][] = [
    [223, 'BuildpackCompileFailed', 'Failed to compile droplet', { only: { compile: 'echo "compile broke on purpose" >&2\nexit 1' } }, LOG_HINT],
    [
      224,
      'BuildpackReleaseFailed',
      'Failed to build droplet release',
      { only: { release: 'echo "release broke on purpose" >&2\nexit 1' } },
      /The buildpack's bin\/release failed; set a start command with `command:` or a Procfile\./,
    ],
    // A buildpack before the last one runs bin/supply; the last one compiles.
    [225, 'StagingError', 'Failed to run all supply scripts', { first: { supply: 'echo "supply broke on purpose" >&2\nexit 1' }, last: {} }, LOG_HINT],
  ];
  for (const [exit, id, message, bps, next] of failing) {
    it(`a buildpack's failing ${exit === 223 ? 'compile' : exit === 224 ? 'release' : 'supply'} reads alike staged here and on the foundation: CC's error id (${id}, exit ${exit}), then the message`, async () => {
      const root = mkdtempSync(join(tmpdir(), `cfpush-failbp-${exit}-`));
      const flags: string[] = [];
      for (const [name, scripts] of Object.entries(bps)) {
        const bp = join(root, `${name}-bp`);
        mkdirSync(join(bp, 'bin'), { recursive: true });
        const all = { detect: 'exit 0', supply: 'exit 0', compile: 'exit 0', release: 'echo "---"', ...scripts };
        for (const [script, body] of Object.entries(all)) writeFileSync(join(bp, 'bin', script), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        flags.push('-b', bp);
      }
      const d = join(root, 'failing');
      mkdirSync(d);
      writeFileSync(join(d, 'index.txt'), 'x');
      const local = await c.run(['stage', d, ...flags, '-o', join(root, 'x.tgz')]);
      const remote = await c.run(['push', 'failing', ...flags, '-m', '64M'], { cwd: d });
      for (const [where, r] of [
        ['stage', local],
        ['push', remote],
      ] as const) {
        assert.equal(r.code, 1, where);
        assert.match(r.stderr, new RegExp(`Staging failing failed: ${id} - ${message}`), `${where}:\n${r.stdout}\n${r.stderr}`);
        assert.match(r.stderr, next, `${where}: the next step`);
        assert.match(r.stdout + r.stderr, /broke on purpose/, `${where}: the buildpack's own output is shown`);
      }
      await c.run(['delete', 'failing']);
    });
  }

  it("with CF's title, code and detail, plus what to do next", async () => {
    const d = mkdtempSync(join(tmpdir(), 'cfpush-nodrop-'));
    writeFileSync(join(d, 'package.json'), '{"scripts":{"start":"node s.js"}}');
    writeFileSync(join(d, 's.js'), '');
    await c.ok(['push', 'nodrop', '--no-start'], { cwd: d });
    const r = await c.run(['start', 'nodrop']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Assign a droplet before starting this app\./, 'detail');
    assert.match(r.stderr, /CF-UnprocessableEntity/, 'title');
    assert.match(r.stderr, /code 10008/, 'code');
    assert.match(r.stderr, /cfpush push nodrop/, 'what to do next');

    const nf = await c.run(['restage', 'nosuchapp']);
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /App 'nosuchapp' not found in space 'space'/);
    assert.match(nf.stderr, /cfpush apps/);
  });

  it('a buildpack the target lacks is refused before the upload (it used to fail at staging), with the ones it has', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cfpush-stgfail-'));
    writeFileSync(join(d, 'package.json'), '{"scripts":{"start":"node s.js"}}');
    writeFileSync(join(d, 'Procfile'), 'web: node s.js\n');
    const r = await c.run(['push', 'stgfail', '-b', 'no_such_buildpack'], { cwd: d });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Buildpack 'no_such_buildpack' does not exist on local\.\nIts buildpacks: staticfile_buildpack, /);
    assert.doesNotMatch(r.stdout, /Uploading/);
  });

  it('a manifest services: entry the space lacks is refused before anything changes, naming the instances it has and how to create one', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cfpush-nosvc-'));
    writeFileSync(join(d, 'package.json'), '{"scripts":{"start":"node s.js"}}');
    writeFileSync(join(d, 'manifest.yml'), 'applications:\n- name: nosvc\n  services: [no-such-db]\n');
    const r = await c.run(['push'], { cwd: d });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Service instance 'no-such-db' \(services: of app nosvc\) does not exist in space 'space' on local\./);
    assert.match(r.stderr, /cfpush create-service OFFERING PLAN no-such-db/);
    assert.doesNotMatch(r.stdout, /Uploading/);
    assert.doesNotMatch((await c.run(['apps'])).stdout, /nosvc/, 'nothing was created');
  });
});
