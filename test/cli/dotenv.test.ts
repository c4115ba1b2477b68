// `cfpush dotenv APP`: what a bound app sees on the foundation, in a .env file
// that npm's dotenv reads back unchanged; the user's own keys stay; the file
// is readable by its owner only.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'dotenv';
import { dotenvLine } from '../../src/core/actors/local-run-env';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';

describe('cfpush dotenv', { timeout: 300_000 }, () => {
  let c: CliEnv;
  let dir: string;
  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    dir = join(mkdtempSync(join(tmpdir(), 'cfpush-dotenv-')), 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: local-run\n  memory: 64M\n  env:\n    GREETING: "it\'s \\"quoted\\""\n');
    await c.ok(['push'], { cwd: dir });
    await c.ok(['cups', 'run-db', '-p', '{"uri":"postgres://u:p@127.0.0.1:5432/db","note":"it\'s here"}', '-t', 'postgresql']);
    await c.ok(['bind-service', 'local-run', 'run-db']);
  });
  after(async () => c?.cleanup());

  it('writes VCAP_SERVICES, VCAP_APPLICATION and the app variables; dotenv reads them back; other keys stay; mode 0600', async () => {
    const file = join(dir, '.env');
    writeFileSync(file, '# mine\nDEBUG=app:*\nVCAP_SERVICES=stale\n');
    const r = await c.ok(['dotenv', 'local-run', '-o', file, '--json']);
    assert.deepEqual(JSON.parse(r.stdout).written.sort(), ['DATABASE_URL', 'GREETING', 'VCAP_APPLICATION', 'VCAP_SERVICES']);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# mine\nDEBUG=app:\*\n\n# >>> written by cfpush for local-run on local \(org\/space\)/);
    assert.match(text, /\n# <<< end of what cfpush wrote\n$/);
    const env = parse(text);
    assert.equal(env.DEBUG, 'app:*');
    assert.equal(env.GREETING, 'it\'s "quoted"');
    const vcap = JSON.parse(env.VCAP_SERVICES!);
    assert.deepEqual(vcap['user-provided'][0].credentials, { uri: 'postgres://u:p@127.0.0.1:5432/db', note: "it's here" });
    assert.deepEqual(vcap['user-provided'][0].tags, ['postgresql']);
    assert.equal(JSON.parse(env.VCAP_APPLICATION!).application_name, 'local-run');
    // As the lifecycle derives it from a database URI.
    assert.equal(env.DATABASE_URL, 'postgres://u:p@127.0.0.1:5432/db');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // Again, after the app lost a variable and the user added a key below the block: the block is replaced whole, theirs stays.
    await c.ok(['unset-env', 'local-run', 'GREETING']);
    writeFileSync(file, `${readFileSync(file, 'utf8')}LATER=added\n`);
    await c.ok(['dotenv', 'local-run', '-o', file]);
    const again = parse(readFileSync(file, 'utf8'));
    assert.equal(again.GREETING, undefined, 'a variable the app no longer has is gone');
    assert.equal(again.LATER, 'added');
    assert.equal(again.DEBUG, 'app:*');
    assert.equal(readFileSync(file, 'utf8').match(/^# >>> written by cfpush/gm)?.length, 1);
  });

  it('an unknown app names the cause; nothing is written', async () => {
    const r = await c.run(['dotenv', 'no-such-app', '-o', join(dir, 'none.env')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /App 'no-such-app' not found[\s\S]*cfpush apps/);
    assert.throws(() => statSync(join(dir, 'none.env')));
  });
});

describe('.env lines', () => {
  it('quote so that dotenv reads every value back as it was', () => {
    for (const v of ['plain', '{"a":"b"}', "it's", "a`b'c", 'x=y # not a comment']) assert.equal(parse(dotenvLine('K', v)).K, v, v);
  });
});
