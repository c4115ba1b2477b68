// The real cf CLI manages the local foundation's buildpacks (issue 15 item 6):
// cf buildpacks lists the built-ins as CF names them; create-buildpack,
// update-buildpack and delete-buildpack install, change and remove a zip
// built here, which `cf push -b` and detection then use in position order
// (cfpush too); bad zips get CC's errors and the CLI's exit code; installed
// buildpacks survive a restart and their bits go with them on delete.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import { zipDir } from '../foundation/helpers';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

/**
 * A buildpack that detects a package.json (so it beats nodejs when placed
 * before it) and serves `says` from a script of its own: v1 the legacy
 * compile way, v2 with supply and finalize.
 */
function buildpackDir(says: string, style: 'compile' | 'finalize', files: { detect?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfpush-bp-'));
  mkdirSync(join(dir, 'bin'));
  const script = (name: string, text: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/usr/bin/env bash\nset -e\n${text}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  if (files.detect !== false) script('detect', '[ -f "$1/package.json" ] || exit 1\necho custom-detect');
  const write = `echo "-----> Custom buildpack ${says}"\necho "require('http').createServer((q, s) => s.end('${says}')).listen(process.env.PORT)" > "$1/custom-server.js"`;
  if (style === 'compile') script('compile', write);
  else {
    script('supply', 'echo "-----> Custom supply"');
    script('finalize', write);
  }
  script('release', 'printf -- "---\\ndefault_process_types:\\n  web: node custom-server.js\\n"');
  return dir;
}

async function zipOf(dir: string, as: string): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'cfpush-bpzip-')), as);
  writeFileSync(file, await zipDir(dir));
  return file;
}

/** The built-ins as `cf buildpacks` lists them, in CF's detection order. */
const BUILTIN_NAMES = ['staticfile', 'java', 'ruby', 'dotnet_core', 'nodejs', 'go', 'python', 'php', 'nginx', 'r', 'hwc', 'binary'];

/** `cf buildpacks` names once custom_buildpack sits at position 6. */
const WITH_CUSTOM_AT_6 = ['staticfile', 'java', 'ruby', 'dotnet_core', 'nodejs', 'custom', 'go', 'python', 'php', 'nginx', 'r', 'hwc', 'binary'].map(
  (n) => `${n}_buildpack`,
);

describe('cf CLI: buildpacks', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  let app = '';
  let v1 = '';
  let v2 = '';
  const body = async (host: string) => (await httpGet(`http://${host}.localhost:${s!.c.routerPort}/`)).body;
  /** `cf buildpacks` rows as [position, name, stack, enabled, locked, filename]. */
  const rows = async () =>
    (await s!.ok(['buildpacks'])).stdout
      .split('\n')
      .filter((l) => /^\d+\s/.test(l))
      .map((l) => l.trim().split(/\s{2,}/));
  const position = async (name: string) => (await rows()).find((r) => r[1] === name)?.[0];
  const bits = () => readdirSync(join(s!.c.home, 'foundation', 'buildpacks'));

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    app = exampleApp('hello-node', 'cf-bp-node');
    v1 = await zipOf(buildpackDir('served by custom v1', 'compile'), 'custom_buildpack-v1.0.0.zip');
    v2 = await zipOf(buildpackDir('served by custom v2', 'finalize'), 'custom_buildpack-v2.0.0.zip');
  });
  after(async () => s?.cleanup());

  test('cf buildpacks: the built-ins, named and ordered as CF does', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['buildpacks']);
    assert.match(r.stdout, /position\s+name\s+stack\s+enabled\s+locked\s+filename/);
    assert.deepEqual(
      (await rows()).map((x) => x.slice(0, 5)),
      BUILTIN_NAMES.map((n, i) => [String(i + 1), `${n}_buildpack`, 'cflinuxfs4', 'true', 'false']),
    );
    const api = JSON.parse((await s.ok(['curl', '/v3/buildpacks?names=nodejs_buildpack'])).stdout).resources[0];
    assert.equal(api.state, 'READY');
    assert.match(api.links.upload.href, /\/v3\/buildpacks\/[\w-]+\/upload$/);
  });

  test('cf create-buildpack at position 1: the others shift, and detection picks it for a node app', async (t) => {
    if (!s) return t.skip(NO_CF);
    const r = await s.ok(['create-buildpack', 'custom_buildpack', v1, '1']);
    assert.match(
      r.stdout,
      /Creating buildpack custom_buildpack[\s\S]*Uploading buildpack custom_buildpack[\s\S]*Processing uploaded buildpack custom_buildpack[\s\S]*OK/,
    );
    const list = await rows();
    assert.deepEqual(list[0], ['1', 'custom_buildpack', 'cflinuxfs4', 'true', 'false', 'custom_buildpack-v1.0.0.zip']);
    assert.equal(await position('nodejs_buildpack'), '6');
    assert.equal(list.length, 13);
    const push = await s.ok(['push', 'cf-bp', '-m', '64M', '-p', app]);
    assert.match(push.stdout, /Custom buildpack served by custom v1/);
    assert.match(push.stdout, /custom_buildpack\s+custom-detect/);
    assert.equal(await body('cf-bp'), 'served by custom v1');
    // cfpush's detection report on the local target sees the same order.
    const detect = await s.c.ok(['detect', app]);
    assert.match(detect.stdout, /Selected buildpack: custom_buildpack/);
  });

  test('cf update-buildpack --disable: detection skips it (CC refuses it by name then); --enable -i moves it', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['update-buildpack', 'custom_buildpack', '--disable']);
    assert.equal((await rows())[0]![3], 'false');
    const restage = await s.ok(['restage', 'cf-bp']);
    assert.match(restage.stdout, /Nodejs Buildpack/);
    assert.equal(await body('cf-bp'), 'hello CF summit');
    const named = await s.run(['push', 'cf-bp-named', '-m', '64M', '-p', app, '-b', 'custom_buildpack']);
    assert.equal(named.code, 1);
    assert.match(named.stdout + named.stderr, /Buildpack 'custom_buildpack' is disabled/);
    await s.ok(['delete', 'cf-bp-named', '-f']);
    await s.ok(['update-buildpack', 'custom_buildpack', '--enable', '-i', '6']);
    const list = await rows();
    assert.deepEqual(
      list.map((x) => x[1]),
      WITH_CUSTOM_AT_6,
    );
    assert.deepEqual(
      list.map((x) => x[0]),
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13'],
    );
  });

  test('cf push -b NAME and cfpush push -b NAME stage with the installed buildpack', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['push', 'cf-bp', '-m', '64M', '-p', app, '-b', 'custom_buildpack']);
    assert.equal(await body('cf-bp'), 'served by custom v1');
    const mine = await s.c.ok(['push', 'cfpush-bp', '-p', app, '-b', 'custom_buildpack']);
    assert.match(mine.stdout, /Custom buildpack served by custom v1/);
    assert.equal(await body('cfpush-bp'), 'served by custom v1');
  });

  test('cf update-buildpack --lock refuses new bits; --unlock -p replaces them (supply/finalize), old bits go', async (t) => {
    if (!s) return t.skip(NO_CF);
    const before = bits();
    await s.ok(['update-buildpack', 'custom_buildpack', '--lock']);
    assert.equal((await rows()).find((r) => r[1] === 'custom_buildpack')![4], 'true');
    const locked = await s.run(['update-buildpack', 'custom_buildpack', '-p', v2]);
    assert.equal(locked.code, 1);
    assert.match(locked.stderr, /Buildpack is locked/);
    await s.ok(['update-buildpack', 'custom_buildpack', '--unlock', '-p', v2]);
    assert.equal((await rows()).find((r) => r[1] === 'custom_buildpack')![5], 'custom_buildpack-v2.0.0.zip');
    assert.notDeepEqual(bits(), before, 'the new zip replaced the old one in the data dir');
    assert.equal(bits().length, 2, `one zip and its folder: ${bits().join(', ')}`);
    const restage = await s.ok(['restage', 'cf-bp']);
    assert.match(restage.stdout, /Custom supply[\s\S]*Custom buildpack served by custom v2/);
    assert.equal(await body('cf-bp'), 'served by custom v2');
  });

  test("bad input gets CC's errors and exit 1: not a zip, not a zip inside, no bin/detect, a taken name, position 0", async (t) => {
    if (!s) return t.skip(NO_CF);
    const dir = mkdtempSync(join(tmpdir(), 'cfpush-badbp-'));
    writeFileSync(join(dir, 'notes.txt'), 'not a buildpack');
    writeFileSync(join(dir, 'broken.zip'), 'not a zip either');
    const noDetect = await zipOf(buildpackDir('x', 'compile', { detect: false }), 'no-detect.zip');
    const cases: [string[], RegExp][] = [
      [['create-buildpack', 'bad_txt', join(dir, 'notes.txt'), '1'], /Uploaded buildpack file is invalid: notes\.txt is not a zip/],
      [['create-buildpack', 'bad_zip', join(dir, 'broken.zip'), '1'], /Buildpack zip error: buildpack zipfile is not valid/],
      [['create-buildpack', 'bad_detect', noDetect, '1'], /Buildpack is invalid: no-detect\.zip has no bin\/detect/],
      [['create-buildpack', 'custom_buildpack', v1, '1'], /The buildpack name custom_buildpack is already in use for the stack cflinuxfs4/],
      [['create-buildpack', 'bad_position', v1, '0'], /Position must be greater than or equal to 1/],
    ];
    for (const [args, error] of cases) {
      const r = await s.run(args);
      assert.equal(r.code, 1, `cf ${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, error, `cf ${args.join(' ')}`);
      assert.match(r.stdout, /FAILED/);
    }
    // As on CF, a failed upload leaves the record created (no stack, no bits): the CLI's TIP says to delete it.
    const left = (await rows()).filter((r) => r[2] !== 'cflinuxfs4').map((r) => r[1]);
    assert.deepEqual(left.sort(), ['bad_detect', 'bad_txt', 'bad_zip', 'custom_buildpack']);
    const api = JSON.parse((await s.ok(['curl', '/v3/buildpacks?names=bad_zip'])).stdout).resources[0];
    assert.equal(api.state, 'AWAITING_UPLOAD');
    const again = await s.run(['create-buildpack', 'bad_zip', v1, '1']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Buildpack with name 'bad_zip' and an unassigned stack already exists/);
    // The un-uploaded custom_buildpack (no stack) is the one the CLI picks by name: the installed one stays.
    for (const n of ['bad_txt', 'bad_zip', 'bad_detect', 'custom_buildpack']) await s.ok(['delete-buildpack', n, '-f']);
    assert.deepEqual(
      (await rows()).map((x) => x[1]),
      WITH_CUSTOM_AT_6,
    );
    assert.equal(bits().length, 2, `failed uploads leave no bits: ${bits().join(', ')}`);
  });

  test('a restart of the foundation keeps installed buildpacks, their order and their bits', async (t) => {
    if (!s) return t.skip(NO_CF);
    const listed = await rows();
    await s.c.ok(['foundation', 'stop']);
    await s.c.ok(['foundation', 'start']);
    assert.deepEqual(await rows(), listed);
    await s.ok(['push', 'cf-bp-after', '-m', '64M', '-p', app, '-b', 'custom_buildpack']);
    assert.equal(await body('cf-bp-after'), 'served by custom v2');
  });

  test('cf delete-buildpack removes it and its bits; the others close up; -b NAME no longer finds it', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['delete-buildpack', 'custom_buildpack', '-f']);
    const list = await rows();
    assert.deepEqual(
      list.map((x) => `${x[0]} ${x[1]}`),
      BUILTIN_NAMES.map((n, i) => `${i + 1} ${n}_buildpack`),
    );
    assert.deepEqual(bits(), []);
    const gone = await s.run(['push', 'cf-bp-gone', '-m', '64M', '-p', app, '-b', 'custom_buildpack']);
    assert.equal(gone.code, 1);
    assert.match(gone.stdout + gone.stderr, /Buildpack "custom_buildpack" not found/);
    const missing = await s.run(['delete-buildpack', 'custom_buildpack', '-f']);
    assert.equal(missing.code, 0);
    assert.match(missing.stderr + missing.stdout, /Buildpack 'custom_buildpack' does not exist/);
  });
});
