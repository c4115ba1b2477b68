// The builder contract (cf-reference.md §4.1) with small bash buildpacks.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stage, StagingError, depsIndex } from '../../src/core/staging/builder';
import { cleanupTempDirs, isAlive, makeBuildpack, tempDir, waitGone, writeFiles } from './helpers';

after(cleanupTempDirs);

const RELEASE_WEB = (cmd: string) => `echo '---'; echo 'default_process_types:'; echo '  web: ${cmd}'`;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function setup() {
  const root = tempDir();
  const app = writeFiles(join(root, 'app'), { 'index.txt': 'hi\n' });
  return { root, app, cache: join(root, 'cache'), out: join(root, 'out', 'droplet.tgz'), exploded: join(root, 'out', 'droplet') };
}

async function stageError(p: Promise<unknown>): Promise<StagingError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StagingError, `expected StagingError, got ${String(err)}`);
    return err;
  }
  assert.fail('staging should have failed');
}

describe('builder: scripts', () => {
  it('a script that leaves a background job holding its output ends at its exit; the job goes with it', async () => {
    const { root, app, cache, exploded } = setup();
    const markers = join(root, 'markers');
    mkdirSync(markers);
    const bp = makeBuildpack(root, 'bg', {
      scripts: { detect: 'echo bg', compile: `(sleep 4; touch "$MARKERS/late") & echo compiled`, release: RELEASE_WEB('run-bg') },
    });
    const lines: string[] = [];
    const r = await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, env: { MARKERS: markers }, log: (l) => lines.push(l) }, { detectOrder: [bp] });
    assert.equal(r.startCommand, 'run-bg');
    assert.ok(lines.includes('compiled'), lines.join('\n'));
    // Had staging waited for the job's end, the marker would be there; the job was killed with the script's group.
    await new Promise((res) => setTimeout(res, 5000));
    assert.equal(existsSync(join(markers, 'late')), false, 'the background job outlived its script');
  });
});

describe('builder: detection', () => {
  it('runs detect in order, first match wins, later ones are not run', async () => {
    const { root, app, cache, exploded } = setup();
    const markers = join(root, 'markers');
    mkdirSync(markers);
    const a = makeBuildpack(root, 'a', { scripts: { detect: `touch "$MARKERS/a"; exit 1` }, hint: 'looked for a.txt' });
    const b = makeBuildpack(root, 'b', {
      scripts: { detect: `touch "$MARKERS/b"; echo B-framework`, compile: 'true', release: RELEASE_WEB('run-b') },
    });
    const c = makeBuildpack(root, 'c', { scripts: { detect: `touch "$MARKERS/c"; echo C`, compile: 'true', release: RELEASE_WEB('run-c') } });
    const r = await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, env: { MARKERS: markers } }, { detectOrder: [a, b, c] });
    assert.deepEqual(readdirSync(markers).sort(), ['a', 'b']);
    assert.equal(r.startCommand, 'run-b');
    // compile buildpacks write no config.yml: the name falls back to detect output, as BAL does.
    assert.equal(r.detectedBuildpack, 'B-framework');
    assert.equal(r.buildpacks.length, 1);
    assert.equal(r.buildpacks[0]!.key, b);
    assert.equal(r.buildpacks[0]!.detect_output, 'B-framework');
  });

  it('built-ins: staticfile has priority over nodejs', async () => {
    const { root, cache, exploded } = setup();
    const app = writeFiles(join(root, 'site'), { Staticfile: '', 'package.json': '{}', 'index.html': '<h1>x</h1>' });
    const r = await stage({ appDir: app, cacheDir: cache, explodedDir: exploded });
    assert.equal(r.detectedBuildpack, 'staticfile');
    assert.equal(r.startCommand, 'cfpush-static-server');
  });

  it('222 NoAppDetectedError names every buildpack and what it looked for', async () => {
    const { root, app, cache, out } = setup();
    const a = makeBuildpack(root, 'alpha', { scripts: { detect: 'exit 1' }, hint: 'looked for alpha.cfg', version: '2.0.0' });
    const b = makeBuildpack(root, 'beta', { scripts: { detect: 'echo "no beta.json here" >&2; exit 1' } });
    const err = await stageError(stage({ appDir: app, cacheDir: cache, outputDroplet: out }, { detectOrder: [a, b] }));
    assert.equal(err.exitCode, 222);
    assert.equal(err.errorId, 'NoAppDetectedError');
    assert.equal(err.code, 'NoAppDetectedError');
    assert.match(err.message, /^None of the buildpacks detected a compatible application/);
    assert.match(err.message, /alpha 2\.0\.0: looked for alpha\.cfg/);
    assert.match(err.message, /beta 0\.0\.1: no beta\.json here/);
    assert.equal(existsSync(out), false);
  });

  it('222 with the real built-ins lists them all and their hints', async () => {
    const { app, cache, out } = setup();
    const err = await stageError(stage({ appDir: app, cacheDir: cache, outputDroplet: out }));
    assert.equal(err.exitCode, 222);
    for (const want of [
      'staticfile',
      'java 1.0.0: looked for META-INF/MANIFEST.MF',
      'nodejs 1.0.0: looked for package.json',
      'go',
      'python',
      'nginx 1.0.0: looked for nginx.conf',
      'hwc 1.0.0: looked for Web.config',
      'binary',
    ])
      assert.ok(err.message.includes(want), want);
  });
});

describe('builder: multi-buildpack', () => {
  it('supplies for all but the last with zero-padded DEPS_IDX, then finalizes with 5 args', async () => {
    const { root, app, cache, exploded } = setup();
    const supplier = (n: number) =>
      makeBuildpack(root, `s${n}`, {
        scripts: {
          supply: [
            `echo "$@" > "$3/$4/args"`,
            `mkdir -p "$3/$4/bin" "$3/$4/profile.d"`,
            `echo 'export FROM_S${n}=1' > "$3/$4/profile.d/s${n}.sh"`,
            `printf 'name: supplier-${n}\\nversion: 9.${n}\\n' > "$3/$4/config.yml"`,
            // supply must only see earlier deps, never later ones' output
            `ls "$3" > "$3/$4/seen"`,
          ].join('\n'),
        },
      });
    const supplies = Array.from({ length: 9 }, (_, i) => supplier(i));
    const final = makeBuildpack(root, 'final', {
      scripts: {
        supply: `echo "$@" > "$3/$4/supply-args"; printf 'name: final-bp\\nversion: 3.1\\n' > "$3/$4/config.yml"`,
        finalize: `echo "$@" > "$3/$4/finalize-args"; echo 'export FINAL=1' > "$5/final.sh"; echo built > "$1/built.txt"`,
        compile: 'echo compile must not run; exit 9',
        release: RELEASE_WEB('./start'),
      },
    });
    const keys = [...supplies, final];
    const logs: string[] = [];
    const r = await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: keys, log: (l) => logs.push(l) });

    const deps = join(exploded, 'deps');
    assert.deepEqual(readdirSync(deps).sort(), ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09']);
    const args0 = readFileSync(join(deps, '00', 'args'), 'utf8')
      .trim()
      .split(' ');
    assert.equal(args0.length, 4);
    assert.equal(args0[1], join(cache, md5(supplies[0]!)));
    assert.equal(args0[3], '00');
    assert.equal(
      readFileSync(join(deps, '08', 'args'), 'utf8')
        .trim()
        .split(' ')[3],
      '08',
    );

    const fin = readFileSync(join(deps, '09', 'finalize-args'), 'utf8')
      .trim()
      .split(' ');
    assert.equal(fin.length, 5);
    assert.equal(fin[1], join(cache, 'final'));
    assert.equal(fin[3], '09');
    assert.equal(
      readFileSync(join(deps, '09', 'supply-args'), 'utf8')
        .trim()
        .split(' ')[1],
      join(cache, 'final'),
    );
    assert.equal(readFileSync(join(exploded, 'profile.d', 'final.sh'), 'utf8'), 'export FINAL=1\n');
    assert.equal(readFileSync(join(exploded, 'app', 'built.txt'), 'utf8'), 'built\n');

    // libbuildpack launch wiring: bins on PATH (last buildpack first), profile.d copied with the idx prefix.
    const multi = readFileSync(join(exploded, 'app', '.profile.d', '000_multi-supply.sh'), 'utf8');
    assert.ok(multi.startsWith('export PATH=$DEPS_DIR/08/bin:$DEPS_DIR/07/bin:'), multi);
    assert.ok(multi.includes('$DEPS_DIR/00/bin$([[ ! -z "${PATH:-}" ]] && echo ":$PATH")'), multi);
    assert.equal(readFileSync(join(exploded, 'app', '.profile.d', '03_s3.sh'), 'utf8'), 'export FROM_S3=1\n');

    assert.equal(r.buildpacks.length, 10);
    assert.deepEqual(r.buildpacks[2], { key: supplies[2], name: 'supplier-2', version: '9.2' });
    assert.equal(r.detectedBuildpack, 'final-bp');
    assert.equal(r.buildpacks[9]!.version, '3.1');
    assert.equal(depsIndex(0, 1), '0');
    assert.equal(depsIndex(3, 10), '03');
    assert.equal(depsIndex(7, 100), '007');
  });

  it('a final buildpack without finalize runs compile (2 args), warns and drops its deps dir', async () => {
    const { root, app, cache, exploded } = setup();
    const s = makeBuildpack(root, 'sup', { scripts: { supply: 'mkdir -p "$3/$4/bin"' } });
    const legacy = makeBuildpack(root, 'legacy', {
      scripts: { supply: 'echo supply-must-not-run > "$1/oops"', compile: 'echo "$#" "$@" > "$1/compile-args"', release: RELEASE_WEB('./go') },
    });
    const logs: string[] = [];
    await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: [s, legacy], log: (l) => logs.push(l) });
    const args = readFileSync(join(exploded, 'app', 'compile-args'), 'utf8')
      .trim()
      .split(' ');
    assert.equal(args[0], '2');
    assert.equal(args[2], join(cache, 'final'));
    assert.equal(existsSync(join(exploded, 'app', 'oops')), false);
    assert.deepEqual(readdirSync(join(exploded, 'deps')), ['0']);
    assert.ok(logs.some((l) => l.startsWith('Warning: the last buildpack is not compatible with multi-buildpack apps')));
  });

  it('225 when a non-final buildpack has no bin/supply', async () => {
    const { root, app, cache, out } = setup();
    const noSupply = makeBuildpack(root, 'nosupply', { scripts: { compile: 'true' } });
    const f = makeBuildpack(root, 'f', { scripts: { finalize: 'true', release: RELEASE_WEB('x') } });
    const err = await stageError(stage({ appDir: app, cacheDir: cache, outputDroplet: out, buildpacks: [noSupply, f] }));
    assert.equal(err.exitCode, 225);
    assert.equal(err.errorId, 'StagingError');
    assert.match(err.message, /does not support multi-buildpack apps/);
  });
});

describe('builder: process types', () => {
  it('Procfile replaces same-named release types; launch.yml of supply buildpacks is merged', async () => {
    const { root, cache, exploded } = setup();
    const app = writeFiles(join(root, 'papp'), { Procfile: 'web: ./from-procfile\nclock: ./tick\n' });
    const s = makeBuildpack(root, 's', {
      scripts: {
        supply: `printf 'processes:\\n- type: sidecarish\\n  command: ./from-launch\\n- type: worker\\n  command: ./launch-worker\\n' > "$3/$4/launch.yml"`,
      },
    });
    const f = makeBuildpack(root, 'f', {
      scripts: { finalize: 'true', release: `printf -- '---\\ndefault_process_types:\\n  web: ./from-release\\n  worker: ./release-worker\\n'` },
    });
    const r = await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: [s, f] });
    assert.deepEqual(r.processTypes, { sidecarish: './from-launch', worker: './release-worker', web: './from-procfile', clock: './tick' });
    assert.equal(r.startCommand, './from-procfile');
  });

  it('no web: warning, still succeeds, empty start_command', async () => {
    const { root, app, cache, exploded } = setup();
    const f = makeBuildpack(root, 'f', { scripts: { finalize: 'true', release: `echo 'default_process_types: {}'` } });
    const logs: string[] = [];
    const r = await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: [f], log: (l) => logs.push(l) });
    assert.equal(r.startCommand, '');
    assert.ok(logs.includes('No start command specified by buildpack or via Procfile.'));
    assert.deepEqual(JSON.parse(readFileSync(join(exploded, 'staging_info.yml'), 'utf8')), { detected_buildpack: 'f', start_command: '' });
  });
});

describe('builder: failures', () => {
  const cases: { code: number; id: string; scripts: Record<string, string>; msg: RegExp }[] = [
    {
      code: 223,
      id: 'BuildpackCompileFailed',
      scripts: { compile: 'for i in 1 2 3; do echo "compiling step $i"; done; echo "boom: missing thing" >&2; exit 3', release: RELEASE_WEB('x') },
      msg: /^Failed to compile droplet: .*exit status 3[\s\S]*compiling step 3[\s\S]*boom: missing thing/,
    },
    { code: 224, id: 'BuildpackReleaseFailed', scripts: { finalize: 'true', release: 'echo nope >&2; exit 1' }, msg: /^Failed to build droplet release/ },
    {
      code: 224,
      id: 'BuildpackReleaseFailed',
      scripts: { finalize: 'true', release: `echo 'default_process_types: [unclosed'` },
      msg: /release output invalid/,
    },
    {
      code: 225,
      id: 'StagingError',
      scripts: { supply: 'echo supply broke; exit 1', finalize: 'true', release: RELEASE_WEB('x') },
      msg: /^Failed to run all supply scripts[\s\S]*supply broke/,
    },
    {
      code: 226,
      id: 'StagingError',
      scripts: { finalize: 'echo finalize broke; exit 4', release: RELEASE_WEB('x') },
      msg: /^Failed to run finalize script[\s\S]*finalize broke/,
    },
  ];
  for (const c of cases) {
    it(`${c.code} ${c.id} (${Object.keys(c.scripts).join('+')})`, async () => {
      const { root, app, cache, out, exploded } = setup();
      const bp = makeBuildpack(root, 'bp', { scripts: c.scripts });
      const err = await stageError(stage({ appDir: app, cacheDir: cache, outputDroplet: out, explodedDir: exploded, buildpacks: [bp] }));
      assert.equal(err.exitCode, c.code);
      assert.equal(err.errorId, c.id);
      assert.match(err.message, c.msg);
      assert.equal(existsSync(out), false, 'no droplet');
      assert.equal(existsSync(exploded), false, 'no exploded droplet');
    });
  }

  it('a script that is not executable fails its step with a clear reason', async () => {
    const { root, app, cache, out } = setup();
    const bp = makeBuildpack(root, 'bp', { scripts: { compile: 'true', release: RELEASE_WEB('x') } });
    execFileSync('chmod', ['-x', join(bp, 'bin', 'compile')]);
    const err = await stageError(stage({ appDir: app, cacheDir: cache, outputDroplet: out, buildpacks: [bp] }));
    assert.equal(err.exitCode, 223);
    assert.match(err.message, /bin\/compile is not executable/);
  });

  it('an invalid Procfile fails with exit 1 / StagingError', async () => {
    const { root, cache, out } = setup();
    const app = writeFiles(join(root, 'p'), { Procfile: '- just\n- a list\n' });
    const bp = makeBuildpack(root, 'bp', { scripts: { finalize: 'true', release: RELEASE_WEB('x') } });
    const err = await stageError(stage({ appDir: app, cacheDir: cache, outputDroplet: out, buildpacks: [bp] }));
    assert.equal(err.exitCode, 1);
    assert.equal(err.errorId, 'StagingError');
  });
});

describe('builder: outputs', () => {
  it('writes staging_info.yml as JSON and the CF droplet layout; the app dir is untouched', async () => {
    const { root, app, cache, out, exploded } = setup();
    const bp = makeBuildpack(root, 'bp', {
      scripts: {
        supply: `mkdir -p "$3/$4/bin"; printf 'name: fancy\\nversion: 1.2.3\\n' > "$3/$4/config.yml"`,
        finalize: 'echo compiled > "$1/compiled.txt"',
        release: RELEASE_WEB('./serve --port $PORT'),
      },
    });
    const r = await stage({ appDir: app, cacheDir: cache, outputDroplet: out, explodedDir: exploded, buildpacks: [bp] });
    assert.deepEqual(JSON.parse(readFileSync(join(exploded, 'staging_info.yml'), 'utf8')), {
      detected_buildpack: 'fancy',
      start_command: './serve --port $PORT',
    });
    assert.deepEqual(readdirSync(exploded).sort(), ['app', 'deps', 'logs', 'profile.d', 'staging_info.yml', 'tmp']);
    assert.equal(existsSync(join(app, 'compiled.txt')), false, 'staging works on a copy');

    const listing = execFileSync('tar', ['-tzf', out], { encoding: 'utf8' }).split('\n');
    for (const e of [
      './',
      './app/',
      './app/compiled.txt',
      './app/index.txt',
      './deps/',
      './deps/0/',
      './deps/0/config.yml',
      './profile.d/',
      './tmp/',
      './logs/',
      './staging_info.yml',
    ]) {
      assert.ok(listing.includes(e), `${e} in droplet`);
    }
    const sum = createHash('sha256').update(readFileSync(out)).digest('hex');
    assert.equal(r.checksum, sum);
    assert.equal(r.dropletPath, out);
    assert.deepEqual(r.buildpacks, [{ key: bp, name: 'fancy', version: '1.2.3' }]);
    assert.equal(r.stack, 'cflinuxfs4');
  });

  it('passes the staging env (user env, CF_STACK, MEMORY_LIMIT, LANG, DATABASE_URL) and not host noise', async () => {
    const { root, app, cache, exploded } = setup();
    const bp = makeBuildpack(root, 'bp', { scripts: { finalize: 'env > "$1/env.txt"', release: RELEASE_WEB('x') } });
    const vcapServices = JSON.stringify({ pg: [{ name: 'db', credentials: { uri: 'postgresql://u:p@h/db' } }] });
    process.env.NODE_OPTIONS_TEST_LEAK = 'leak';
    try {
      await stage({
        appDir: app,
        cacheDir: cache,
        explodedDir: exploded,
        buildpacks: [bp],
        stack: 'cflinuxfs3',
        env: { MY_VAR: 'mine', CF_STACK: 'user-tried', MEMORY_LIMIT: '256m', VCAP_SERVICES: vcapServices },
      });
    } finally {
      delete process.env.NODE_OPTIONS_TEST_LEAK;
    }
    const env = Object.fromEntries(
      readFileSync(join(exploded, 'app', 'env.txt'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.MY_VAR, 'mine');
    assert.equal(env.CF_STACK, 'cflinuxfs3');
    assert.equal(env.MEMORY_LIMIT, '256m');
    assert.equal(env.LANG, 'en_US.UTF-8');
    assert.equal(env.DATABASE_URL, 'postgres://u:p@h/db');
    assert.equal(env.NODE_OPTIONS_TEST_LEAK, undefined);
  });

  it('persists the build cache between stagings and drops caches of buildpacks no longer used', async () => {
    const { root, app, cache, exploded } = setup();
    const counter = 'n=$(cat "$2/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$2/count"; echo $n > "$1/count.txt"';
    const s = makeBuildpack(root, 's', { scripts: { supply: counter.replace('$1/count.txt', () => '$3/$4/count.txt') } });
    const f = makeBuildpack(root, 'f', { scripts: { compile: counter, release: RELEASE_WEB('x') } });
    await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: [s, f] });
    await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: [s, f] });
    assert.equal(readFileSync(join(exploded, 'app', 'count.txt'), 'utf8').trim(), '2');
    assert.equal(readFileSync(join(exploded, 'deps', '0', 'count.txt'), 'utf8').trim(), '2');
    assert.ok(existsSync(join(cache, md5(s))));
    await stage({ appDir: app, cacheDir: cache, explodedDir: exploded, buildpacks: [f] });
    assert.equal(readFileSync(join(exploded, 'app', 'count.txt'), 'utf8').trim(), '3');
    assert.equal(existsSync(join(cache, md5(s))), false, 'unused supply cache removed');
  });

  it('cancelling kills the running script and leaves nothing behind', async () => {
    const { root, app, cache, out, exploded } = setup();
    const pidFile = join(root, 'pid');
    const bp = makeBuildpack(root, 'slow', {
      scripts: { compile: `sleep 30 & echo $! > "${pidFile}"; echo "$TMPDIR" > "${pidFile}.tmp"; wait`, release: RELEASE_WEB('x') },
    });
    const scratch = tempDir('cfpush-scratch-');
    const prevTmp = process.env.TMPDIR;
    process.env.TMPDIR = scratch; // the builder's temp dirs go here, so we can see they are gone
    const ac = new AbortController();
    try {
      const p = stage({ appDir: app, cacheDir: cache, outputDroplet: out, explodedDir: exploded, buildpacks: [bp], signal: ac.signal });
      const t0 = Date.now();
      while (!existsSync(`${pidFile}.tmp`) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 20));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(isAlive(pid));
      assert.ok(readdirSync(scratch).length > 0, 'staging works in the temp dir');
      const t1 = Date.now();
      ac.abort();
      await assert.rejects(p, (e: Error & { code?: string }) => e.code === 'Cancelled');
      assert.ok(Date.now() - t1 < 3000, 'cancel is prompt');
      assert.equal(await waitGone(pid), true, 'script children are killed');
      assert.deepEqual(readdirSync(scratch), [], 'temp dirs removed');
      assert.equal(existsSync(out), false);
      assert.equal(existsSync(exploded), false);
    } finally {
      if (prevTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = prevTmp;
    }
  });

  it('an already-aborted signal stages nothing', async () => {
    const { root, app, cache, out } = setup();
    const bp = makeBuildpack(root, 'bp', { scripts: { compile: `touch "${join(root, 'ran')}"`, release: RELEASE_WEB('x') } });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(stage({ appDir: app, cacheDir: cache, outputDroplet: out, buildpacks: [bp], signal: ac.signal }), /cancelled/);
    assert.equal(existsSync(join(root, 'ran')), false);
  });
});
