// Go and Python as CF's buildpacks run them: the app's bin/ on PATH (a Go
// `command: NAME`), `python` beside `python3`, and the versions an app asks
// for (GOVERSION, go.mod, runtime.txt) checked against this machine's.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stage } from '../../src/core/staging/builder';
import { detect } from '../../src/core/staging/detect';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { extractDroplet } from '../../src/core/staging/droplet';
import { launchSpec } from '../../src/core/staging/launcher';
import { packageRoot } from '../../src/core/paths';
import { cleanupTempDirs, pushAndAnswer, stagingFailure, freePort, startProcess, tempDir, waitForHttp } from './helpers';

after(cleanupTempDirs);

const examples = join(packageRoot(), 'examples');
const hostGo = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } })
  .trim()
  .replace(/^go/, '');
const [pyExe, hostPy] = execFileSync('python3', ['-c', 'import os,sys,platform;print(os.path.realpath(sys.executable), platform.python_version())'], {
  encoding: 'utf8',
})
  .trim()
  .split(' ') as [string, string];

async function serve(dropletDir: string, command: string, env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  const app = startProcess(launchSpec({ dropletDir, port, instanceIndex: 0, instanceGuid: 'g', vcapApplication: {}, command, env }));
  try {
    const res = await waitForHttp(port, app.child);
    return res.body;
  } finally {
    await app.stop();
  }
}

function goApp(goMod: string): string {
  const dir = join(tempDir(), 'app');
  cpSync(join(examples, 'hello-go'), dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), goMod);
  return dir;
}

const PY_APP =
  'import http.server, os, sys\nclass H(http.server.BaseHTTPRequestHandler):\n  def do_GET(self):\n    self.send_response(200); self.end_headers(); self.wfile.write(b"hello CF summit")\nhttp.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()\n';

function pyApp(files: Record<string, string> = {}): string {
  const dir = join(tempDir(), 'py');
  cpSync(join(examples, 'hello-node'), dir, { recursive: true, filter: (s) => !s.endsWith('package.json') && !s.endsWith('.js') });
  writeFileSync(join(dir, 'requirements.txt'), '# no dependencies\n');
  writeFileSync(join(dir, 'server.py'), PY_APP);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

describe('go as CF runs it', () => {
  it('`command: hello-go` (the binary by name) starts: bin/ is on PATH through .profile.d/go.sh', async () => {
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const logs: string[] = [];
    await stage({ appDir: join(examples, 'hello-go'), cacheDir: join(root, 'cache'), explodedDir: dropletDir, log: (l) => logs.push(l) });
    assert.ok(existsSync(join(dropletDir, 'app', '.profile.d', 'go.sh')));
    assert.ok(
      logs.some((l) => l.includes(`Using go ${hostGo}`)),
      logs.join('\n'),
    );
    assert.equal(await serve(dropletDir, 'hello-go'), 'hello CF summit');
  });

  it('go.mod asking for a newer Go than this machine has: both versions, the line, what to do; nothing left behind', async () => {
    const root = tempDir();
    const app = goApp('module example.com/hello-go\n\ngo 1.99\n');
    const e = await stagingFailure(stage({ appDir: app, cacheDir: join(root, 'cache'), explodedDir: join(root, 'd') }));
    assert.match(e.message, new RegExp(`go\\.mod:3 \\(go 1\\.99\\) asks for go 1\\.99; this machine has go ${hostGo.replace(/\./g, '\\.')}`));
    assert.match(e.message, /Install Go 1\.99 or newer/);
    assert.doesNotMatch(e.message, /go mod vendor/, 'not a vendoring problem');
    assert.equal(existsSync(join(root, 'd')), false);
  });

  it('a toolchain line wins over the go line; GOVERSION wins over both', async () => {
    const root = tempDir();
    const app = goApp('module example.com/hello-go\n\ngo 1.19\n\ntoolchain go1.98.3\n');
    const e = await stagingFailure(stage({ appDir: app, cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }));
    assert.match(e.message, /go\.mod:5 \(toolchain go1\.98\.3\) asks for go 1\.98\.3; this machine has go /);
    const e2 = await stagingFailure(stage({ appDir: app, cacheDir: join(root, 'c2'), explodedDir: join(root, 'd2'), env: { GOVERSION: 'go1.97.x' } }));
    assert.match(e2.message, /GOVERSION=go1\.97\.x asks for go 1\.97\.x; this machine has go /);
    // An older request builds with the host's Go and says so.
    const logs: string[] = [];
    const old = goApp('module example.com/hello-go\n\ngo 1.16\n');
    await stage({ appDir: old, cacheDir: join(root, 'c3'), explodedDir: join(root, 'd3'), log: (l) => logs.push(l) });
    assert.ok(
      logs.some((l) => new RegExp(`go\\.mod:3 \\(go 1\\.16\\) asks for go 1\\.16; building with this machine's go ${hostGo.replace(/\./g, '\\.')}`).test(l)),
      logs.join('\n'),
    );
  });

  it('a compile error shows the compiler output and no vendoring hint; a missing module gets one', async () => {
    const root = tempDir();
    const app = goApp('module example.com/hello-go\n\ngo 1.19\n');
    writeFileSync(join(app, 'broken.go'), 'package main\n\nfunc broken() { undefinedThing() }\n');
    const e = await stagingFailure(stage({ appDir: app, cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }));
    assert.match(e.message, /undefined: undefinedThing/);
    assert.match(e.message, /go build failed with go /);
    assert.doesNotMatch(e.message, /go mod vendor/);
    const mod = goApp('module example.com/hello-go\n\ngo 1.19\n\nrequire example.com/not-here v1.0.0\n');
    writeFileSync(join(mod, 'dep.go'), 'package main\n\nimport _ "example.com/not-here"\n');
    const e2 = await stagingFailure(stage({ appDir: mod, cacheDir: join(root, 'c2'), explodedDir: join(root, 'd2') }));
    assert.match(e2.message, /go mod vendor/);
  });

  it("the binary names its sources in /home/vcap/app, where CF runs it (a debugger's breakpoints bind), not in the staging folder: main, sub- and vendored packages", async () => {
    const root = tempDir();
    const app = goApp('module example.com/hello-go\n\ngo 1.19\n\nrequire example.org/dep v0.0.0\n');
    const noinline = (pkg: string, s: string) => `package ${pkg}\n\n//go:noinline\nfunc Hi() string { return "${s}" }\n`;
    mkdirSync(join(app, 'lib'));
    writeFileSync(join(app, 'lib', 'lib.go'), noinline('lib', 'lib'));
    mkdirSync(join(app, 'vendor', 'example.org', 'dep'), { recursive: true });
    writeFileSync(join(app, 'vendor', 'example.org', 'dep', 'dep.go'), noinline('dep', 'dep'));
    writeFileSync(join(app, 'vendor', 'modules.txt'), '# example.org/dep v0.0.0\n## explicit; go 1.19\nexample.org/dep\n');
    writeFileSync(join(app, 'hi.go'), 'package main\n\nimport (\n\t"example.com/hello-go/lib"\n\t"example.org/dep"\n)\n\nvar hi = lib.Hi() + dep.Hi()\n');
    const dropletDir = join(root, 'droplet');
    await stage({ appDir: app, cacheDir: join(root, 'cache'), explodedDir: dropletDir });
    // objdump names each function's file, as the line table (what delve reads) has it.
    const dump = execFileSync('go', ['tool', 'objdump', '-s', '^main\\.main$|\\.Hi$', join(dropletDir, 'app', 'bin', 'hello-go')], { encoding: 'utf8' });
    const files = new Map([...dump.matchAll(/^TEXT (\S+)\(SB\) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(
      Object.fromEntries(files),
      {
        'main.main': '/home/vcap/app/main.go',
        'example.com/hello-go/lib.Hi': '/home/vcap/app/lib/lib.go',
        'example.org/dep.Hi': '/home/vcap/app/vendor/example.org/dep/dep.go',
      },
      dump
        .split('\n')
        .filter((l) => l.startsWith('TEXT'))
        .join('\n'),
    );
    assert.equal(await serve(dropletDir, './bin/hello-go'), 'hello CF summit');
  });
});

describe('python as CF runs it', () => {
  it('a Procfile saying `python server.py` runs where the machine has only python3', async () => {
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const app = pyApp({ Procfile: 'web: python server.py\n' });
    // Debian's python3 lives in /usr/bin beside no `python` (pyenv's folder has one, which would hide the point).
    const r = await stage({ appDir: app, cacheDir: join(root, 'cache'), outputDroplet: join(root, 'app.tgz'), env: { PATH: '/usr/bin:/bin' } });
    // Through the tgz, as the foundation gets it: extraction refuses links that lead outside the droplet.
    await extractDroplet(join(root, 'app.tgz'), dropletDir);
    assert.equal(r.detectedBuildpack, 'python');
    assert.equal(r.startCommand, 'python server.py');
    const idx = readdirSync(join(dropletDir, 'deps'))[0]!;
    // A wrapper script, not a link: droplets hold no link that leads outside them.
    assert.ok(lstatSync(join(dropletDir, 'deps', idx, 'bin', 'python')).isFile());
    // PATH without any `python`: only the droplet's deps bin provides it.
    assert.equal(await serve(dropletDir, 'python server.py', { PATH: '/bin' }), 'hello CF summit');
  });

  it('runtime.txt: a newer Python than the host fails with both versions; an older one runs with a warning; a malformed one says the form', async () => {
    const root = tempDir();
    const e = await stagingFailure(stage({ appDir: pyApp({ 'runtime.txt': 'python-3.99.1\n' }), cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }));
    assert.match(e.message, new RegExp(`runtime\\.txt:1 asks for python 3\\.99\\.1; this machine has python ${hostPy.replace(/\./g, '\\.')} \\(${pyExe}\\)`));
    assert.match(e.message, /Install Python 3\.99\.1/);
    assert.equal(existsSync(join(root, 'd1')), false);
    const logs: string[] = [];
    await stage({ appDir: pyApp({ 'runtime.txt': 'python-3.6.x\n' }), cacheDir: join(root, 'c2'), explodedDir: join(root, 'd2'), log: (l) => logs.push(l) });
    assert.ok(
      logs.some((l) => l.includes(`runtime.txt:1 asks for python 3.6; running with this machine's python ${hostPy}`)),
      logs.join('\n'),
    );
    const same = hostPy.split('.').slice(0, 2).join('.');
    const quiet: string[] = [];
    await stage({
      appDir: pyApp({ 'runtime.txt': `python-${same}.x\n` }),
      cacheDir: join(root, 'c3'),
      explodedDir: join(root, 'd3'),
      log: (l) => quiet.push(l),
    });
    assert.ok(!quiet.some((l) => /WARNING/.test(l)), quiet.join('\n'));
    const bad = await stagingFailure(stage({ appDir: pyApp({ 'runtime.txt': 'ruby-3.2\n' }), cacheDir: join(root, 'c4'), explodedDir: join(root, 'd4') }));
    assert.match(bad.message, /runtime\.txt:1 says 'ruby-3\.2'; CF's form is python-3\.11\.2/);
  });

  it('hello-python: detected by requirements.txt, its Procfile runs `python server.py`, the env reaches it', async () => {
    const root = tempDir();
    const dropletDir = join(root, 'droplet');
    const sample = join(examples, 'hello-python');
    const d = await detect(sample);
    assert.equal(d.selected?.name, 'python');
    assert.match(d.verdicts.find((v) => v.name === 'nodejs')!.output, /package\.json/);
    const r = await stage({ appDir: sample, cacheDir: join(root, 'cache'), explodedDir: dropletDir });
    assert.equal(r.startCommand, 'python server.py');
    assert.equal(await serve(dropletDir, r.startCommand), 'hello CF summit');
    assert.equal(await serve(dropletDir, r.startCommand, { GREETING: 'from the env' }), 'from the env');
  });

  describe('on the local foundation', { timeout: 180_000 }, () => {
    let c: CliEnv | undefined;
    after(async () => {
      await c?.cleanup();
    });

    it('cfpush push of hello-python: staged by the foundation, the route answers', async () => {
      c = await cliEnv();
      await c.ok(['foundation', 'start']);
      const dir = join(tempDir(), 'hello-python');
      cpSync(join(examples, 'hello-python'), dir, { recursive: true });
      await pushAndAnswer(c, dir, 'hello-python');
    });
  });
});
