// collectResources: .cfignore, always-ignored files, modes, sha1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CfPushError } from '../../src/core/errors';
import { ALWAYS_IGNORED, collectResources, packageChecksum } from '../../src/core/bits';
import { makeTree, tmpDir } from './helpers';

test('always-ignored files are left out; .cfignore uses gitignore syntax', async () => {
  const dir = makeTree({
    'index.js': 'console.log(1)\n',
    'manifest.yml': 'applications: []\n',
    'manifest.yaml': '',
    '.cfignore': '# comment\n*.log\n!keep.log\ntmp/\n/only-root.txt\nnode_modules\n',
    '.gitignore': 'x\n',
    '.DS_Store': 'x',
    '.git/HEAD': 'ref\n',
    '.hg/x': '',
    '.svn/x': '',
    '_darcs/x': '',
    'sub/.DS_Store': 'x',
    'sub/.git/config': '',
    'sub/manifest.yml': 'nested manifests are ignored too\n',
    'debug.log': 'x',
    'keep.log': 'kept',
    'sub/deep.log': 'x',
    'tmp/a.txt': 'x',
    'sub/tmp/b.txt': 'x',
    'only-root.txt': 'x',
    'sub/only-root.txt': 'kept',
    'node_modules/m/index.js': 'x',
    'sub/lib.js': 'y',
    'empty/': '',
  });
  const paths = (await collectResources(dir)).map((r) => `${r.kind}:${r.path}`);
  assert.deepEqual(paths, ['dir:empty', 'file:index.js', 'file:keep.log', 'dir:sub', 'file:sub/lib.js', 'file:sub/only-root.txt']);
  assert.deepEqual([...ALWAYS_IGNORED], ['.cfignore', '.DS_Store', '.git', '.gitignore', '.hg', '.svn', '_darcs', 'manifest.yml', 'manifest.yaml']);
});

test('sha1 and sizes match sha1sum; modes are octal strings (dirs 755)', async () => {
  const big = 'abcdefghij'.repeat(200_000); // 2 MB, several stream chunks
  const dir = makeTree({ 'a.txt': 'hello\n', 'run.sh': ['#!/bin/sh\necho hi\n', 0o755], 'big.bin': big, 'empty.txt': '', 'd/e/f.txt': ['x', 0o600] });
  const rs = await collectResources(dir);
  for (const r of rs.filter((x) => x.kind === 'file')) {
    const expected = execFileSync('sha1sum', [r.absPath], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(r.checksum.value, expected, r.path);
    assert.equal(r.absPath, join(dir, r.path));
  }
  const by = Object.fromEntries(rs.map((r) => [r.path, r]));
  assert.equal(by['a.txt']!.checksum.value, 'f572d396fae9206628714fb2ce00f72e94f2258f');
  assert.equal(by['empty.txt']!.checksum.value, 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(by['big.bin']!.size_in_bytes, 2_000_000);
  assert.equal(by['a.txt']!.mode, '644');
  assert.equal(by['run.sh']!.mode, '755');
  assert.equal(by['d/e/f.txt']!.mode, '600');
  assert.equal(by['d']!.mode, '755');
  assert.equal(by['d/e']!.kind, 'dir');
});

test('symlinks are kept as links', async () => {
  const dir = makeTree({ 'real.txt': 'r' });
  symlinkSync('real.txt', join(dir, 'link.txt'));
  const link = (await collectResources(dir)).find((r) => r.path === 'link.txt')!;
  assert.equal(link.kind, 'symlink');
  assert.equal(link.linkTarget, 'real.txt');
  assert.equal(link.checksum.value, '');
});

test('an empty app folder is an error in CLI wording', async () => {
  const dir = makeTree({ 'manifest.yml': 'applications: []\n' });
  await assert.rejects(collectResources(dir), (e: unknown) => e instanceof CfPushError && e.message === `No app files found in '${dir}'`);
  await assert.rejects(collectResources(join(tmpDir(), 'missing')), CfPushError);
  await assert.rejects(collectResources(join(makeTree({ 'a.zip': 'x' }), 'a.zip')), /is not a folder/);
});

test('packageChecksum is stable and changes with content or mode', async () => {
  const dir = makeTree({ 'a.txt': 'one', 'b.txt': 'two' });
  const first = packageChecksum(await collectResources(dir));
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(packageChecksum((await collectResources(dir)).reverse()), first);
  const changed = makeTree({ 'a.txt': 'one', 'b.txt': 'TWO' });
  assert.notEqual(packageChecksum(await collectResources(changed)), first);
  const mode = makeTree({ 'a.txt': 'one', 'b.txt': ['two', 0o755] });
  assert.notEqual(packageChecksum(await collectResources(mode)), first);
});
