// The launcher: env per cf-reference.md §4.2/§4.3 and the bash wrapper,
// checked by really running it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAUNCHER_SCRIPT, launchSpec } from '../../src/core/staging/launcher';
import { databaseUrl } from '../../src/core/staging/env';
import { CfPushError } from '../../src/core/errors';
import { cleanupTempDirs, tempDir, writeFiles } from './helpers';

after(cleanupTempDirs);

function droplet(startCommand: string): string {
  const dir = tempDir();
  writeFiles(dir, {
    'staging_info.yml': JSON.stringify({ detected_buildpack: 'x', start_command: startCommand }),
    'profile.d/a.sh': 'export ORDER="${ORDER:-}root-profile.d,"\n',
    'app/.profile.d/000_multi-supply.sh': 'export PATH=$DEPS_DIR/0/bin$([[ ! -z "${PATH:-}" ]] && echo ":$PATH")\nexport ORDER="${ORDER}app-profile.d,"\n',
    'app/.profile': 'export ORDER="${ORDER}.profile"\n',
    'deps/0/bin/hello-tool': '#!/bin/sh\necho tool-from-deps\n',
  });
  execFileSync('chmod', ['+x', join(dir, 'deps/0/bin/hello-tool')]);
  mkdirSync(join(dir, 'tmp'));
  return dir;
}

const base = {
  port: 61234,
  instanceIndex: 2,
  instanceGuid: 'inst-guid',
  vcapApplication: { application_id: 'app-guid', application_name: 'demo', name: 'demo', limits: { mem: 128 } },
};

describe('launcher', () => {
  it('builds the CF runtime env', () => {
    const dir = droplet('./run');
    const spec = launchSpec({
      ...base,
      dropletDir: dir,
      memoryMb: 128,
      env: { MY: 'v', PORT: '1', HOME: '/nope' },
      vcapServices: { 'p-mysql': [{ name: 'db', credentials: { uri: 'mysql://u:p@h:3306/d' } }] },
    });
    assert.equal(spec.cwd, join(dir, 'app'));
    assert.equal(spec.file, 'bash');
    const e = spec.env;
    assert.equal(e.MY, 'v');
    assert.equal(e.PORT, '61234', 'Diego vars beat app env');
    assert.equal(e.VCAP_APP_PORT, '61234');
    assert.equal(e.VCAP_APP_HOST, '0.0.0.0');
    assert.equal(e.HOME, join(dir, 'app'));
    assert.equal(e.TMPDIR, join(dir, 'tmp'));
    assert.equal(e.DEPS_DIR, join(dir, 'deps'));
    assert.equal(e.LANG, 'en_US.UTF-8');
    assert.equal(e.MEMORY_LIMIT, '128m');
    assert.equal(e.USER, 'vcap');
    assert.equal(e.CF_INSTANCE_INDEX, '2');
    assert.equal(e.INSTANCE_INDEX, '2');
    assert.equal(e.CF_INSTANCE_GUID, 'inst-guid');
    assert.equal(e.INSTANCE_GUID, 'inst-guid');
    assert.equal(e.CF_INSTANCE_IP, '127.0.0.1');
    assert.equal(e.CF_INSTANCE_INTERNAL_IP, '127.0.0.1');
    assert.equal(e.CF_INSTANCE_PORT, '61234');
    assert.equal(e.CF_INSTANCE_ADDR, '127.0.0.1:61234');
    assert.deepEqual(JSON.parse(e.CF_INSTANCE_PORTS!), [{ external: 61234, internal: 61234 }]);
    assert.equal(e.DATABASE_URL, 'mysql2://u:p@h:3306/d');
    const va = JSON.parse(e.VCAP_APPLICATION!);
    assert.equal(va.application_name, 'demo');
    assert.equal(va.host, '0.0.0.0');
    assert.equal(va.instance_id, 'inst-guid');
    assert.equal(va.port, 61234);
    assert.equal(va.instance_index, 2);
    assert.equal(JSON.parse(e.VCAP_SERVICES!)['p-mysql'][0].name, 'db');
  });

  it('runs profile scripts in order, then execs the start command from staging_info.yml', () => {
    const dir = droplet('echo "order=$ORDER"; hello-tool; pwd; echo "home=$HOME"');
    const spec = launchSpec({ ...base, dropletDir: dir });
    const r = spawnSync(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Invoking pre-start scripts.\nInvoking start command.\norder=root-profile.d,app-profile.d,.profile\ntool-from-deps\n${join(dir, 'app')}\nhome=${join(dir, 'app')}\n`,
    );
  });

  it('an explicit command wins over the droplet start command', () => {
    const dir = droplet('echo from-droplet');
    const spec = launchSpec({ ...base, dropletDir: dir, command: 'echo from-process' });
    const r = spawnSync(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, encoding: 'utf8' });
    assert.match(r.stdout, /from-process/);
    assert.doesNotMatch(r.stdout, /from-droplet/);
  });

  it('fails without any start command', () => {
    const dir = droplet('');
    assert.throws(
      () => launchSpec({ ...base, dropletDir: dir }),
      (e: unknown) => e instanceof CfPushError && e.message === 'no start command specified or detected in droplet',
    );
  });

  it('exports the shell part as standalone text', () => {
    assert.match(LAUNCHER_SCRIPT, /^cd "\$1"/);
    assert.match(LAUNCHER_SCRIPT, /exec bash -c "\$@"\n$/);
    const dir = droplet('true');
    writeFileSync(join(dir, 'app', 'marker'), '');
    const r = spawnSync('bash', ['-c', LAUNCHER_SCRIPT, 'launcher', join(dir, 'app'), 'ls marker'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, DEPS_DIR: join(dir, 'deps') },
    });
    assert.match(r.stdout, /marker/);
  });
});

describe('DATABASE_URL', () => {
  const vcap = (...uris: string[]) => ({ 'user-provided': uris.map((uri, i) => ({ name: `s${i}`, credentials: { uri } })) });
  it("comes from the first database URI only, as the lifecycle's databaseuri.go: never a cache's or a queue's", () => {
    assert.equal(databaseUrl(vcap('redis://h:6379', 'amqp://u:p@h/v', 'postgresql://u:p@h/db')), 'postgres://u:p@h/db');
    assert.equal(databaseUrl(vcap('mysql://u:p@h:3306/d')), 'mysql2://u:p@h:3306/d');
    assert.equal(databaseUrl(vcap('https://api.example.com', 'redis://h')), undefined);
    assert.equal(databaseUrl(JSON.stringify(vcap('postgres://u:p@h/x'))), 'postgres://u:p@h/x');
  });
});
