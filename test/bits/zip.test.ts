// zipResources → extractZip round trip, and unsafe zips rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { ZipFile } from 'yazl';
import { CfPushError } from '../../src/core/errors';
import { collectResources, extractZip, zipResources } from '../../src/core/bits';
import { makeTree, tmpDir } from './helpers';

test('round trip keeps contents, folders, modes and in-tree symlinks', async () => {
  const src = makeTree({
    'bin/run': ['#!/bin/sh\necho ok\n', 0o755],
    'lib/a.js': 'a',
    'lib/deep/b.js': ['b', 0o640],
    'empty/': '',
    'manifest.yml': 'skip me',
  });
  symlinkSync('lib/a.js', join(src, 'alias.js'));
  const zip = join(tmpDir(), 'package.zip');
  await zipResources(await collectResources(src), zip);
  const out = join(tmpDir(), 'out');
  const r = await extractZip(zip, out);
  assert.deepEqual(r, { files: 3, dirs: 4, symlinks: 1, bytes: 28 });
  // Independent check of the stored unix modes with Info-ZIP's zipinfo.
  const listing = execFileSync('unzip', ['-Z', zip], { encoding: 'utf8' });
  assert.match(listing, /^-rwxr-xr-x .* unx .* bin\/run$/m);
  assert.match(listing, /^-rw-r----- .* unx .* lib\/deep\/b\.js$/m);
  assert.match(listing, /^drwxr-xr-x .* unx .* empty\/$/m);
  assert.match(listing, /^lrwxrwxrwx .* unx .* alias\.js$/m);
  assert.equal(readFileSync(join(out, 'bin/run'), 'utf8'), '#!/bin/sh\necho ok\n');
  assert.equal(statSync(join(out, 'bin/run')).mode & 0o777, 0o755);
  assert.equal(statSync(join(out, 'lib/a.js')).mode & 0o777, 0o644);
  assert.equal(statSync(join(out, 'lib/deep/b.js')).mode & 0o777, 0o640);
  assert.ok(statSync(join(out, 'empty')).isDirectory());
  assert.ok(lstatSync(join(out, 'alias.js')).isSymbolicLink());
  assert.equal(readlinkSync(join(out, 'alias.js')), 'lib/a.js');
  assert.ok(!existsSync(join(out, 'manifest.yml')));
});

test('zip to a stream; identical bits give an identical zip', async () => {
  const src = makeTree({ 'a.txt': 'a', 'b/c.txt': 'c' });
  const rs = await collectResources(src);
  const collect = async (): Promise<Buffer> => {
    const s = new PassThrough();
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    await zipResources(rs, s);
    return Buffer.concat(chunks);
  };
  const one = await collect();
  assert.equal(one.subarray(0, 4).toString('hex'), '504b0304');
  assert.ok(one.equals(await collect()));
});

/** A zip whose entry names are rewritten after yazl (which refuses unsafe names) built it. */
async function craftedZip(entries: { name: string; placeholder: string; data: string; mode?: number }[]): Promise<string> {
  const zip = new ZipFile();
  for (const e of entries) zip.addBuffer(Buffer.from(e.data), e.placeholder, { mode: e.mode ?? 0o100644, compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  for (const e of entries) {
    assert.equal(e.name.length, e.placeholder.length);
    // Names are not covered by the CRC: swap them in both headers.
    const from = Buffer.from(e.placeholder);
    let at = buf.indexOf(from);
    while (at !== -1) {
      Buffer.from(e.name).copy(buf, at);
      at = buf.indexOf(from, at + 1);
    }
  }
  const file = join(tmpDir(), 'evil.zip');
  writeFileSync(file, buf);
  return file;
}

async function assertRejected(zip: string, pattern: RegExp): Promise<string> {
  const dest = join(tmpDir(), 'dest');
  await assert.rejects(extractZip(zip, dest), (e: unknown) => {
    assert.ok(e instanceof CfPushError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
  return dest;
}

test('entries with .. are rejected and nothing lands outside', async () => {
  const zip = await craftedZip([{ name: '../escaped.txt', placeholder: 'xx/escaped.txt', data: 'pwned' }]);
  const dest = await assertRejected(zip, /Refusing to extract .*\.\.\/escaped\.txt/);
  assert.ok(!existsSync(join(dest, '..', 'escaped.txt')));
});

test('absolute entry names are rejected', async () => {
  const zip = await craftedZip([{ name: '/tmp/cfpush-abs.txt', placeholder: 'xtmp/cfpush-abs.txt', data: 'pwned' }]);
  await assertRejected(zip, /Refusing to extract .*\/tmp\/cfpush-abs\.txt/);
  assert.ok(!existsSync('/tmp/cfpush-abs.txt'));
});

test('symlinks pointing outside are rejected (relative and absolute)', async () => {
  const rel = await craftedZip([{ name: 'link', placeholder: 'link', data: '../../etc', mode: 0o120777 }]);
  await assertRejected(rel, /Refusing to extract 'link' from .*: it is a symlink to '\.\.\/\.\.\/etc', outside /);
  const abs = await craftedZip([{ name: 'link', placeholder: 'link', data: '/etc/passwd', mode: 0o120777 }]);
  await assertRejected(abs, /it is a symlink to '\/etc\/passwd', outside/);
});

test('writing through a symlinked folder is rejected', async () => {
  const zip = await craftedZip([
    { name: 'sub/keep', placeholder: 'sub/keep', data: 'x' },
    { name: 'ln', placeholder: 'ln', data: 'sub', mode: 0o120777 },
    { name: 'ln/evil', placeholder: 'ln/evil', data: 'x' },
  ]);
  await assertRejected(zip, /Refusing to extract 'ln\/evil' .*through a symlink/);
});

test('maxBytes stops zip bombs; a non-zip is a clear error', async () => {
  const src = makeTree({ 'a.txt': 'x'.repeat(1000) });
  const zip = join(tmpDir(), 'p.zip');
  await zipResources(await collectResources(src), zip);
  await assert.rejects(extractZip(zip, join(tmpDir(), 'd'), { maxBytes: 999 }), /unpacks to more than 999 bytes/);
  const notZip = join(tmpDir(), 'x.zip');
  writeFileSync(notZip, 'hello');
  await assert.rejects(extractZip(notZip, join(tmpDir(), 'd')), (e: unknown) => e instanceof CfPushError && /Cannot read zip/.test(e.message));
});
