// Input meant to hurt the foundation, sent to a running daemon (its own
// process, so its memory is its own): alias-bomb, deep and oversize
// manifests (issue 13 point 2), zip and tgz bombs (5), setuid modes (7), and
// the smaller points of 10 (symlinks, empty uploads, droplets that are not
// droplets, names no database column holds). Each is refused with CC's error
// and what to do, the daemon's peak resident memory grows by less than
// RSS_BOUND_MB while refusing it, and it serves on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ZipFile } from 'yazl';
import { startDaemon, stopDaemon, type DaemonInfo } from '../../src/foundation/daemon';
import { aliasBomb, writeTgzBomb, writeZipBomb } from '../helpers/bombs';
import { cliPath, freePort } from '../helpers/cli';
import { Api, cleanup, http, multipart, nodeApp, tempDir, until } from './helpers';
import { daemonApi } from './supervisor-helpers';

/** What refusing one bomb may add to the daemon's peak resident set. */
const RSS_BOUND_MB = 100;

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

/** Resets the peak (VmHWM) to the current resident set. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

describe('hostile input against the running daemon', { timeout: 300_000 }, () => {
  let info: DaemonInfo;
  let dir: string;
  let api: Api;
  let appGuid = '';
  const dirs: string[] = [];

  before(async () => {
    dir = tempDir('cfpush-hostile-');
    info = await startDaemon({ dataDir: dir, apiPort: await freePort(), routerPort: await freePort(), cliPath });
    api = await daemonApi(info.apiUrl, dir);
    const space = await api.space();
    const app = await api.post('/v3/apps', { name: 'target', relationships: { space: { data: { guid: space.guid } } } });
    assert.equal(app.status, 201, app.text);
    appGuid = app.json.guid;
  });

  after(async () => {
    await stopDaemon(dir).catch(() => undefined);
    cleanup(dir);
    for (const d of dirs) cleanup(d);
  });

  /** Runs `fn` and returns how far the daemon's peak resident set rose above where it was. */
  async function growth(fn: () => Promise<void>): Promise<number> {
    resetPeak(info.pid);
    const before = peakRssMb(info.pid);
    await fn();
    return peakRssMb(info.pid) - before;
  }

  async function download(path: string): Promise<Buffer> {
    const res = await fetch(`${info.apiUrl}${path}`, { headers: { authorization: `bearer ${api.token}` } });
    assert.equal(res.status, 200, path);
    return Buffer.from(await res.arrayBuffer());
  }

  async function stillServing(): Promise<void> {
    process.kill(info.pid, 0);
    assert.equal((await api.get('/v3/apps')).status, 200);
    assert.equal((await http(`${info.routerUrl}/`, { headers: { host: 'nothing.localhost' } })).status, 404);
  }

  async function newPackage(): Promise<string> {
    const p = await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: appGuid } } } });
    assert.equal(p.status, 201, p.text);
    return p.json.guid;
  }

  async function upload(pkg: string, resources: unknown[], bits?: Buffer) {
    const mp = multipart(resources, bits);
    return api.call('POST', `/v3/packages/${pkg}/upload`, mp.body, { 'content-type': mp.contentType });
  }

  test('alias-bomb, deep and oversize manifests: apply_manifest and manifest_diff answer 422 naming the limit', async () => {
    const space = await api.space();
    const cases: [string, string, RegExp][] = [
      ['alias bomb (315 bytes)', aliasBomb(9), /expands its aliases \(\*name\) to more than 50000 nodes/],
      ['nine-level bomb of 16', aliasBomb(9, 16), /more than 50000 nodes/],
      ['deep flow nesting', `applications:\n- name: a\n  env:\n    X: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, /more than 64 levels deep/],
      ['oversize', `applications:\n- name: a\n  env:\n    X: "${'x'.repeat(2 * 1024 * 1024)}"\n`, /limited to 1 MiB \(1048576 bytes\)/],
    ];
    for (const [what, yaml, pattern] of cases) {
      const mb = await growth(async () => {
        for (const path of [`/v3/spaces/${space.guid}/actions/apply_manifest`, `/v3/spaces/${space.guid}/manifest_diff`]) {
          const r = await api.call('POST', path, yaml, { 'content-type': 'application/x-yaml' });
          assert.equal(r.status, 422, `${what} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
          assert.equal(r.json.errors[0].title, 'CF-UnprocessableEntity');
          assert.match(r.json.errors[0].detail, pattern, what);
        }
      });
      assert.ok(mb < RSS_BOUND_MB, `${what}: the daemon's peak RSS rose ${mb.toFixed(0)} MB`);
    }
    // Nothing was created or written for them.
    assert.deepEqual((await api.get('/v3/apps?names=a,bomb')).json.resources, []);
    assert.ok(statSync(join(dir, 'state.json')).size < 200_000);
    await stillServing();
  });

  test('a 3 MB zip that expands to 3 GiB is refused from its headers, and one whose headers lie is stopped while streaming', async () => {
    const work = tempDir('cfpush-bombs-');
    dirs.push(work);
    const honest = join(work, 'honest.zip');
    const liar = join(work, 'liar.zip');
    const h = writeZipBomb(honest, [{ name: 'zeros', mib: 3072 }]);
    writeZipBomb(liar, [{ name: 'small.txt', mib: 3072, declared: 1024 }]);
    assert.ok(h.bytes < 4e6 && h.expanded === 3 * 1024 ** 3);

    const pkg1 = await newPackage();
    const mb1 = await growth(async () => {
      const r = await upload(pkg1, [], readFileSync(honest));
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.errors[0].title, 'CF-AppPackageInvalid');
      assert.match(r.json.errors[0].detail, /^The app package is invalid: The package unpacks to more than 100 times its \d+ bytes/);
    });
    assert.equal((await api.get(`/v3/packages/${pkg1}`)).json.state, 'FAILED');

    const pkg2 = await newPackage();
    const mb2 = await growth(async () => {
      const r = await upload(pkg2, [], readFileSync(liar));
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.errors[0].detail, /The bits zip is invalid: .*too many bytes/i);
    });
    for (const [what, mb] of [
      ['honest', mb1],
      ['lying', mb2],
    ] as const)
      assert.ok(mb < RSS_BOUND_MB, `${what} zip bomb: peak RSS rose ${mb.toFixed(0)} MB`);
    // No blob of the bomb was kept.
    const blobs = execFileSync('du', ['-sm', join(dir, 'blobs')]).toString();
    assert.ok(Number(blobs.split('\t')[0]) < 50, `blobs: ${blobs}`);
    await stillServing();
  });

  test("a 3 MB tgz droplet that expands to 3 GiB is refused while streaming, with the daemon's memory bounded", async () => {
    const work = tempDir('cfpush-bombs-');
    dirs.push(work);
    const tgz = join(work, 'droplet.tgz');
    writeTgzBomb(tgz, 3072);
    const d = await api.post('/v3/droplets', { relationships: { app: { data: { guid: appGuid } } } });
    assert.equal(d.status, 201, d.text);
    const mb = await growth(async () => {
      const body = Buffer.concat([
        Buffer.from('--b\r\nContent-Disposition: form-data; name="bits"; filename="droplet.tgz"\r\nContent-Type: application/gzip\r\n\r\n'),
        readFileSync(tgz),
        Buffer.from('\r\n--b--\r\n'),
      ]);
      const r = await api.call('POST', `/v3/droplets/${d.json.guid}/upload`, body, { 'content-type': 'multipart/form-data; boundary=b' });
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.errors[0].detail, /The droplet unpacks to more than 100 times its \d+ bytes/);
    });
    assert.ok(mb < RSS_BOUND_MB, `tgz bomb: peak RSS rose ${mb.toFixed(0)} MB`);
    assert.equal((await api.get(`/v3/droplets/${d.json.guid}`)).json.state, 'FAILED');
    const tmp = readdirSync(join(dir, 'tmp'));
    assert.deepEqual(
      tmp.filter((n) => n.startsWith('droplet')),
      [],
      'nothing of the bomb is left in tmp/',
    );
    await stillServing();
  });

  test('a droplet without a valid staging_info.yml is refused, and stays FAILED', async () => {
    for (const [what, files, pattern] of [
      ['none', { 'app/x': 'x' }, /has no staging_info\.yml/],
      ['not JSON', { 'staging_info.yml': 'start_command: [', 'app/x': 'x' }, /staging_info\.yml is not valid/],
      ['JSON null', { 'staging_info.yml': 'null' }, /must be a JSON object/],
    ] as const) {
      const work = tempDir('cfpush-droplet-');
      dirs.push(work);
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(work, 'src', name)), { recursive: true });
        writeFileSync(join(work, 'src', name), text);
      }
      execFileSync('tar', ['-czf', join(work, 'd.tgz'), '-C', join(work, 'src'), '.']);
      const d = await api.post('/v3/droplets', { relationships: { app: { data: { guid: appGuid } } } });
      const body = Buffer.concat([
        Buffer.from('--b\r\nContent-Disposition: form-data; name="bits"; filename="d.tgz"\r\n\r\n'),
        readFileSync(join(work, 'd.tgz')),
        Buffer.from('\r\n--b--\r\n'),
      ]);
      const r = await api.call('POST', `/v3/droplets/${d.json.guid}/upload`, body, { 'content-type': 'multipart/form-data; boundary=b' });
      assert.equal(r.status, 422, `${what}: ${r.text}`);
      assert.match(r.json.errors[0].detail, pattern, what);
      assert.match(r.json.errors[0].detail, /cfpush stage/, `${what}: says what to upload instead`);
      assert.equal((await api.get(`/v3/droplets/${d.json.guid}`)).json.state, 'FAILED');
    }
  });

  test('resource and zip modes: setuid, setgid and sticky bits dropped, a mode the owner cannot read and write refused as CC does', async () => {
    // Put a blob in the store first (package one), then name it in package two's resources.
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('#!/bin/sh\necho hi\n'), 'bin/tool', { mode: 0o104755 });
    zip.addBuffer(Buffer.from('shared'), 'data.txt', { mode: 0o106777 });
    zip.end();
    const pkg1 = await newPackage();
    const up1 = await upload(pkg1, [], await streamToBuffer(zip.outputStream));
    assert.equal(up1.status, 200, up1.text);
    const sha1 = createHash('sha1').update('shared').digest('hex');

    const pkg2 = await newPackage();
    const up2 = await upload(pkg2, [
      { path: 'a', mode: '4755', checksum: { value: sha1 }, size_in_bytes: 6 },
      { path: 'b', mode: '6777', checksum: { value: sha1 }, size_in_bytes: 6 },
      { path: 'c', checksum: { value: sha1 }, size_in_bytes: 6 },
    ]);
    assert.equal(up2.status, 200, up2.text);
    for (const [pkg, want] of [
      [pkg1, { 'bin/tool': 0o755, 'data.txt': 0o777 }],
      [pkg2, { a: 0o755, b: 0o777, c: 0o744 }],
    ] as const) {
      const out = tempDir('cfpush-dl-');
      dirs.push(out);
      writeFileSync(join(out, 'p.zip'), await download(`/v3/packages/${pkg}/download`));
      const listing = execFileSync('zipinfo', [join(out, 'p.zip')]).toString();
      for (const [name, mode] of Object.entries(want)) {
        const line = listing.split('\n').find((l) => l.trim().endsWith(` ${name}`));
        assert.ok(line, `${name} in ${listing}`);
        const perms = line!.split(/\s+/)[0]!;
        assert.doesNotMatch(perms, /[sStT]/, `${name}: ${perms}`);
        assert.equal(perms.slice(1, 4), mode & 0o100 ? 'rwx' : 'rw-', `${name}: ${perms}`);
      }
    }

    const bad = await upload(await newPackage(), [{ path: 'x', mode: '144', checksum: { value: sha1 }, size_in_bytes: 6 }]);
    assert.equal(bad.status, 400, bad.text);
    assert.deepEqual(bad.json.errors[0], {
      code: 160003,
      title: 'CF-AppResourcesFileModeInvalid',
      detail: "The resource file mode is invalid: File mode '144' is invalid. Minimum file mode is '0600'",
    });
    const nonsense = await upload(await newPackage(), [{ path: 'x', mode: 'banana', checksum: { value: sha1 }, size_in_bytes: 6 }]);
    assert.equal(nonsense.json.errors[0].title, 'CF-AppResourcesFileModeInvalid');
    const unsafe = await upload(await newPackage(), [{ path: '../x', checksum: { value: sha1 }, size_in_bytes: 6 }]);
    assert.equal(unsafe.status, 400);
    assert.equal(unsafe.json.errors[0].detail, "The resource file path is invalid: File path '../x' is not safe.");
  });

  test('a staged droplet keeps no setuid bit from the upload', async () => {
    const src = nodeApp('suid', "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n");
    dirs.push(src);
    const zip = new ZipFile();
    for (const f of ['package.json', 'server.js']) zip.addFile(join(src, f), f, { mode: 0o100644 });
    zip.addBuffer(Buffer.from('#!/bin/sh\n'), 'bin/root-me', { mode: 0o104755 });
    zip.end();
    const pkg = await newPackage();
    assert.equal((await upload(pkg, [], await streamToBuffer(zip.outputStream))).status, 200);
    const build = (await api.post('/v3/builds', { package: { guid: pkg } })).json;
    const staged = await until(
      async () => {
        const b = (await api.get(`/v3/builds/${build.guid}`)).json;
        return b.state !== 'STAGING' ? b : undefined;
      },
      120_000,
      'staging',
      100,
    );
    assert.equal(staged.state, 'STAGED', staged.error);
    const droplet = (await api.get(`/v3/droplets/${staged.droplet.guid}`)).json;
    const file = join(dir, 'droplets', droplet.checksum.value, 'app', 'bin', 'root-me');
    const mode = statSync(file).mode;
    assert.equal(mode & 0o7000, 0, `mode ${(mode & 0o7777).toString(8)}`);
    assert.equal(mode & 0o111, 0o111, 'still executable');
  });

  test("symlinks inside the app are kept; one pointing outside is refused with CC's message", async () => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('console.log(1)\n'), 'node_modules/tool/cli.js', { mode: 0o100755 });
    zip.addBuffer(Buffer.from('../tool/cli.js'), 'node_modules/.bin/tool', { mode: 0o120777 });
    zip.end();
    const pkg = await newPackage();
    const ok = await upload(pkg, [], await streamToBuffer(zip.outputStream));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.state, 'READY');
    const out = tempDir('cfpush-dl-');
    dirs.push(out);
    writeFileSync(join(out, 'p.zip'), await download(`/v3/packages/${pkg}/download`));
    execFileSync('unzip', ['-q', join(out, 'p.zip'), '-d', join(out, 'x')]);
    assert.equal(readlinkSync(join(out, 'x', 'node_modules', '.bin', 'tool')), '../tool/cli.js');

    for (const link of ['../../etc/passwd', '/etc/passwd', 'a/../../..']) {
      const evil = await upload(await newPackage(), [], await zipEntriesWithLink('evil', link));
      assert.equal(evil.status, 400, `${link}: ${evil.text}`);
      assert.deepEqual(evil.json.errors[0], {
        code: 160001,
        title: 'CF-AppBitsUploadInvalid',
        detail: 'The app upload is invalid: Symlink(s) point outside of root folder',
      });
    }
  });

  test('an upload with neither bits nor resources, and names no column holds, are refused', async () => {
    for (const resources of [undefined, []]) {
      const pkg = await newPackage();
      const boundary = 'b';
      const body =
        resources === undefined
          ? Buffer.from(`--${boundary}--\r\n`)
          : Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="resources"\r\n\r\n[]\r\n--${boundary}--\r\n`);
      const r = await api.call('POST', `/v3/packages/${pkg}/upload`, body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.errors[0].detail, 'Upload must include either resources or bits');
      assert.equal((await api.get(`/v3/packages/${pkg}`)).json.state, 'AWAITING_UPLOAD');
    }
    const space = await api.space();
    const long = await api.post('/v3/apps', { name: 'n'.repeat(100 * 1024), relationships: { space: { data: { guid: space.guid } } } });
    assert.equal(long.status, 422, long.text.slice(0, 200));
    assert.equal(long.json.errors[0].detail, `Name is too long (maximum is 255 characters, this one has ${100 * 1024})`);
    const rename = await api.patch(`/v3/apps/${appGuid}`, { name: 'm'.repeat(256) });
    assert.equal(rename.status, 422);
    const env = await api.patch(`/v3/apps/${appGuid}/environment_variables`, { var: { BIG: 'v'.repeat(200 * 1024) } });
    assert.equal(env.status, 422);
    assert.match(env.json.errors[0].detail, /^Env variable 'BIG' is \d+ bytes; a process cannot be started with a variable over 128 KiB$/);
    const vcap = await api.patch(`/v3/apps/${appGuid}/environment_variables`, { var: { VCAP_X: '1' } });
    assert.equal(vcap.status, 422);
    assert.deepEqual((await api.get(`/v3/apps/${appGuid}/environment_variables`)).json.var, {}, 'a refused PATCH changes nothing');
    await stillServing();
  });
});

function zipEntriesWithLink(name: string, link: string): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(Buffer.from('x'), 'index.js', { mode: 0o100644 });
  zip.addBuffer(Buffer.from(link), name, { mode: 0o120777 });
  zip.end();
  return streamToBuffer(zip.outputStream);
}
