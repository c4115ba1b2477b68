// Resolving -b keys: built-in names, folders, zips (safely), git and http URLs.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { builtinBuildpacks, findBuiltin, resolveBuildpack } from '../../src/core/staging/buildpacks';
import { detect } from '../../src/core/staging/detect';
import { CfPushError } from '../../src/core/errors';
import { cleanupTempDirs, makeBuildpack, tempDir, writeFiles } from './helpers';

after(cleanupTempDirs);

/** Builds a zip with python's zipfile, which (unlike yazl) lets us write hostile entries. */
function pyZip(out: string, entries: { name: string; body: string; mode?: number; symlink?: boolean }[]): string {
  const script = `
import json, sys, zipfile
entries = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for e in entries:
        info = zipfile.ZipInfo(e['name'])
        mode = e.get('mode', 0o644)
        info.external_attr = ((0o120000 if e.get('symlink') else 0o100000) | mode) << 16
        info.create_system = 3
        z.writestr(info, e['body'])
`;
  execFileSync('python3', ['-c', script, out, JSON.stringify(entries)]);
  return out;
}

const detectScript = { name: 'zbp/bin/detect', body: '#!/usr/bin/env bash\n[ -f "$1/zip.marker" ] && echo zipped\n', mode: 0o755 };

describe('buildpacks', () => {
  it('lists the built-ins in priority order with versions and hints', () => {
    const b = builtinBuildpacks();
    assert.deepEqual(
      b.map((x) => x.name),
      ['staticfile', 'java', 'ruby', 'dotnet-core', 'nodejs', 'go', 'python', 'php', 'nginx', 'r', 'hwc', 'binary'],
    );
    assert.deepEqual(
      b.map((x) => x.order),
      b.map((_, i) => i),
    );
    for (const x of b) {
      assert.equal(x.version, '1.0.0');
      assert.ok(x.detectHint, `${x.name} has a detect hint`);
      for (const s of ['detect', 'release']) assert.ok(existsSync(join(x.dir, 'bin', s)), `${x.name} bin/${s}`);
    }
  });

  it('accepts nodejs, nodejs_buildpack, nodejs-buildpack, NodeJS; unknown names list the built-ins', async () => {
    for (const k of ['nodejs', 'nodejs_buildpack', 'nodejs-buildpack', 'NodeJS']) assert.equal(findBuiltin(k)?.name, 'nodejs', k);
    const r = await resolveBuildpack('go_buildpack');
    assert.equal(r.name, 'go');
    assert.equal(r.key, 'go_buildpack');
    await assert.rejects(
      resolveBuildpack('cobol_buildpack'),
      (e: unknown) =>
        e instanceof CfPushError &&
        /cobol_buildpack/.test(e.message) &&
        /staticfile, java, ruby, dotnet-core, nodejs, go, python, php, nginx, r, hwc, binary/.test(e.hint ?? ''),
    );
  });

  it('resolves a local folder', async () => {
    const root = tempDir();
    const dir = makeBuildpack(root, 'mine', { scripts: { detect: 'exit 0' }, version: '4.5.6' });
    const r = await resolveBuildpack(dir);
    assert.equal(r.dir, dir);
    assert.equal(r.version, '4.5.6');
    assert.equal(r.builtin, false);
    await assert.rejects(resolveBuildpack(writeFiles(join(root, 'nobin'), { README: '' })), /does not contain a bin\/ folder/);
  });

  it('extracts a zip (nested folder, exec bits) once per content hash', async () => {
    const root = tempDir();
    const cache = join(root, 'cache');
    const zip = pyZip(join(root, 'bp.zip'), [detectScript, { name: 'zbp/VERSION', body: '7.0.0\n' }]);
    const r = await resolveBuildpack(zip, { cacheDir: cache });
    assert.equal(r.version, '7.0.0');
    const app = writeFiles(join(root, 'app'), { 'zip.marker': '' });
    const report = await detect(app, { buildpacks: [zip], cacheDir: cache });
    assert.equal(report.selected?.output, 'zipped');
    const again = await resolveBuildpack(zip, { cacheDir: cache });
    assert.equal(again.dir, r.dir);
    assert.equal(readdirSync(cache).length, 1);
  });

  it('rejects zip entries escaping the target: "..", absolute, symlinks out', async () => {
    const root = tempDir();
    const cache = join(root, 'cache');
    const cases = [
      [{ name: '../escaped.txt', body: 'x' }],
      [{ name: '/tmp/absolute-escape.txt', body: 'x' }],
      [detectScript, { name: 'zbp/bin/evil', body: '/etc/passwd', symlink: true, mode: 0o777 }],
      [detectScript, { name: 'zbp/bin/evil2', body: '../../../..', symlink: true, mode: 0o777 }],
    ];
    for (const [i, entries] of cases.entries()) {
      const zip = pyZip(join(root, `evil${i}.zip`), entries);
      await assert.rejects(
        resolveBuildpack(zip, { cacheDir: cache }),
        (e: unknown) => e instanceof CfPushError && /Refusing to extract/.test(e.message),
        `case ${i}`,
      );
    }
    assert.equal(existsSync(join(root, 'escaped.txt')), false);
    assert.equal(existsSync(join(cache, '..', 'escaped.txt')), false);
    assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], [], 'nothing left in the cache');
  });

  it('clones a git URL (with #branch) and downloads an http zip', async () => {
    const root = tempDir();
    const repo = makeBuildpack(root, 'gitbp', { scripts: { detect: 'echo from-git' }, version: '1.1.1' });
    const git = (...a: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-C', repo, ...a], { stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'bp');
    git('branch', 'v2');
    const cache = join(root, 'cache');
    const r = await resolveBuildpack(`file://${repo}#v2`, { cacheDir: cache });
    assert.equal(r.version, '1.1.1');
    assert.equal(readFileSync(join(r.dir, 'bin', 'detect'), 'utf8').includes('from-git'), true);

    const zip = pyZip(join(root, 'http.zip'), [detectScript, { name: 'zbp/VERSION', body: '8.0.0\n' }]);
    const server = createServer((req, res) => {
      if (req.url === '/bp.zip') res.end(readFileSync(zip));
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const port = (server.address() as { port: number }).port;
      const z = await resolveBuildpack(`http://127.0.0.1:${port}/bp.zip`, { cacheDir: cache });
      assert.equal(z.version, '8.0.0');
      await assert.rejects(resolveBuildpack(`http://127.0.0.1:${port}/missing.zip`, { cacheDir: cache }), /HTTP 404/);
    } finally {
      server.close();
    }
  });
});
