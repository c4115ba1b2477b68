// Droplet tgz: layout, GNU tar + node-tar compatibility of the segmented
// gzip stream, segment reuse, and refusal of entries escaping the target.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tar from 'tar';
import { extractDroplet, packDroplet, readStagingInfo } from '../../src/core/staging/droplet';
import { CfPushError } from '../../src/core/errors';
import { cleanupTempDirs, tempDir, writeFiles } from './helpers';

after(cleanupTempDirs);

/** An exploded droplet with a big (cached) file, a hardlink, a symlink and an empty dir. */
function makeExploded(root: string): string {
  const dir = join(root, 'exploded');
  writeFiles(dir, {
    'app/server.js': 'console.log("hi")\n',
    'app/.profile.d/000_multi-supply.sh': 'export PATH=$DEPS_DIR/0/bin:$PATH\n',
    'deps/0/config.yml': 'name: x\n',
    'staging_info.yml': '{"detected_buildpack":"x","start_command":"node server.js"}\n',
  });
  mkdirSync(join(dir, 'deps/0/bin'), { recursive: true });
  writeFileSync(join(dir, 'deps/0/bin/big'), randomBytes(3 << 20), { mode: 0o755 });
  linkSync(join(dir, 'app/server.js'), join(dir, 'app/server-link.js'));
  symlinkSync('server.js', join(dir, 'app/alias.js'));
  for (const d of ['tmp', 'logs', 'profile.d']) mkdirSync(join(dir, d));
  return dir;
}

function digestTree(dir: string, rel = '.'): string[] {
  const out: string[] = [];
  for (const n of readdirSync(join(dir, rel)).sort()) {
    const r = `${rel}/${n}`;
    const st = statSync(join(dir, r), { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(`${r}/`, ...digestTree(dir, r));
    else
      out.push(
        `${r} ${
          st
            ? createHash('sha256')
                .update(readFileSync(join(dir, r)))
                .digest('hex')
                .slice(0, 12)
            : 'dangling'
        } ${st ? (st.mode & 0o111 ? 'x' : '-') : ''}`,
      );
  }
  return out;
}

describe('droplet pack/extract', () => {
  it('packs ./app ./deps ... as one gzip stream GNU tar and node-tar both extract', async () => {
    const root = tempDir();
    const src = makeExploded(root);
    const out = join(root, 'd.tgz');
    const segs = join(root, 'segs');
    const { checksum } = await packDroplet(src, out, { segmentCacheDir: segs });
    assert.equal(checksum, createHash('sha256').update(readFileSync(out)).digest('hex'));
    const list = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).trim().split('\n');
    // The large files' members come first (their hash state is reused: droplet.ts); order is not part of the format.
    for (const e of ['./', './app/', './app/server.js', './deps/0/bin/big', './tmp/', './logs/', './profile.d/', './staging_info.yml'])
      assert.ok(list.includes(e), e);
    assert.equal(execFileSync('gzip', ['-t', out]).length, 0);

    const gnu = join(root, 'gnu');
    mkdirSync(gnu);
    execFileSync('tar', ['-xzf', out, '-C', gnu]);
    const viaNode = join(root, 'node');
    await extractDroplet(out, viaNode);
    assert.deepEqual(digestTree(gnu), digestTree(src));
    assert.deepEqual(digestTree(viaNode), digestTree(src));
    assert.equal(statSync(join(viaNode, 'app/server-link.js')).ino, statSync(join(viaNode, 'app/server.js')).ino, 'hardlink kept');
    assert.deepEqual(await readStagingInfo(viaNode), { detected_buildpack: 'x', start_command: 'node server.js' });
  });

  it('reuses the cached member of an unchanged large file and repacks changed small files', async () => {
    const root = tempDir();
    const src = makeExploded(root);
    const segs = join(root, 'segs');
    const a = await packDroplet(src, join(root, 'a.tgz'), { segmentCacheDir: segs, pruneSegments: true });
    const cached = readdirSync(segs).filter((n) => n.endsWith('.gz'));
    assert.equal(cached.length, 1, 'one member for the one big file');
    const before = statSync(join(segs, cached[0]!)).ino;
    const b = await packDroplet(src, join(root, 'b.tgz'), { segmentCacheDir: segs, pruneSegments: true });
    assert.equal(b.checksum, a.checksum, 'same tree, same bytes');
    assert.equal(statSync(join(segs, cached[0]!)).ino, before, 'member not rewritten');

    writeFileSync(join(src, 'app/server.js'), 'console.log("changed")\n');
    const c = await packDroplet(src, join(root, 'c.tgz'), { segmentCacheDir: segs, pruneSegments: true });
    assert.notEqual(c.checksum, a.checksum);
    const x = join(root, 'x');
    mkdirSync(x);
    execFileSync('tar', ['-xzf', join(root, 'c.tgz'), '-C', x]);
    assert.equal(readFileSync(join(x, 'app/server.js'), 'utf8'), 'console.log("changed")\n');

    // A different big file: new member, the old one pruned.
    writeFileSync(join(src, 'deps/0/bin/big'), randomBytes(2 << 20));
    await packDroplet(src, join(root, 'd.tgz'), { segmentCacheDir: segs, pruneSegments: true });
    const now = readdirSync(segs).filter((n) => n.endsWith('.gz'));
    assert.equal(now.length, 1);
    assert.notEqual(now[0], cached[0]);
  });

  async function evilTgz(root: string, build: (dir: string) => Promise<void> | void, paths: string[], opts: { preservePaths?: boolean; cwd?: string } = {}) {
    const dir = join(root, 'evil-src');
    mkdirSync(dir, { recursive: true });
    await build(dir);
    const file = join(root, 'evil.tgz');
    await tar.c({ gzip: true, file, cwd: opts.cwd ?? dir, preservePaths: opts.preservePaths ?? false }, paths);
    return file;
  }

  async function assertRejected(file: string, target: string, pattern: RegExp) {
    await assert.rejects(extractDroplet(file, target), (e: unknown) => e instanceof CfPushError && pattern.test(e.message));
    assert.equal(existsSync(target), false, 'nothing extracted');
    const parent = join(target, '..');
    assert.deepEqual(
      readdirSync(parent).filter((n) => n.includes('.extract-')),
      [],
      'no temp dir left',
    );
  }

  it('rejects "..", absolute paths and links pointing outside', async () => {
    const root = tempDir();
    const dotdot = await evilTgz(
      root,
      (d) => {
        mkdirSync(join(d, 'sub'));
        writeFileSync(join(d, 'x'), 'x');
      },
      ['../x'],
      { preservePaths: true, cwd: join(root, 'evil-src', 'sub') },
    );
    await assertRejected(dotdot, join(root, 't1'), /outside the droplet folder/);

    const abs = join(root, 'abs.tgz');
    writeFileSync(join(root, 'abs-file'), 'x');
    await tar.c({ gzip: true, file: abs, preservePaths: true, cwd: '/' }, [join(root, 'abs-file')]);
    await assertRejected(abs, join(root, 't2'), /outside the droplet folder/);

    const linkRoot = tempDir();
    const link = await evilTgz(linkRoot, (d) => symlinkSync('/etc', join(d, 'etc-link')), ['./etc-link']);
    await assertRejected(link, join(linkRoot, 't3'), /points outside/);

    const rel = tempDir();
    const relLink = await evilTgz(
      rel,
      (d) => {
        mkdirSync(join(d, 'a'));
        symlinkSync('../../..', join(d, 'a', 'up'));
      },
      ['./a'],
    );
    await assertRejected(relLink, join(rel, 't4'), /points outside/);
  });

  it('accepts symlinks that stay inside', async () => {
    const root = tempDir();
    const src = makeExploded(root);
    const out = join(root, 'ok.tgz');
    await packDroplet(src, out, { segmentCacheDir: join(root, 's') });
    const dest = join(root, 'dest');
    await extractDroplet(out, dest);
    assert.equal(readFileSync(join(dest, 'app/alias.js'), 'utf8'), 'console.log("hi")\n');
  });
});
