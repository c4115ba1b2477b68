// TMPDIR on another filesystem than the data dir (a tmpfs /tmp is common):
// the CLI and the foundation it starts both see it, and a push stages and
// serves (issue 13 point 3: staging used to work inside the build cache,
// which cache clean-up emptied before detection).
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { mountTmpfs, unmount } from '../helpers/tmpfs';
import { cleanup, http, nodeApp, tempDir, until } from '../foundation/helpers';

describe('TMPDIR on a tmpfs', { timeout: 180_000 }, () => {
  let c: CliEnv | undefined;
  let tmp = '';
  const dirs: string[] = [];
  after(async () => {
    await c?.run(['foundation', 'stop']);
    await c?.cleanup();
    if (tmp) unmount(tmp);
    for (const d of dirs) cleanup(d);
  });

  test('push stages and serves', async (t) => {
    const parent = tempDir('cfpush-tmpfs-');
    dirs.push(parent);
    tmp = join(parent, 'tmp');
    if (!mountTmpfs(t, tmp, 256)) return;
    c = await cliEnv();
    assert.notEqual(statSync(tmp).dev, statSync(c.home).dev, 'TMPDIR and the data dir are on different filesystems');
    const app = nodeApp('tmpfs-app', `require('http').createServer((q, s) => s.end('tmpfs-ok')).listen(process.env.PORT);`);
    dirs.push(app);
    writeFileSync(join(app, 'manifest.yml'), '---\napplications:\n- name: tmpfs-app\n  memory: 64M\n');
    const env = { TMPDIR: tmp };
    await c.ok(['foundation', 'start'], { env });
    const r = await c.run(['push'], { cwd: app, env });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    await until(
      async () => (await http(`http://127.0.0.1:${c!.routerPort}/`, { headers: { host: 'tmpfs-app.localhost' } })).text === 'tmpfs-ok',
      15_000,
      'the app answering',
    );
    // A restage goes through the same build cache again.
    const re = await c.run(['restage', 'tmpfs-app'], { env });
    assert.equal(re.code, 0, `${re.stdout}\n${re.stderr}`);
  });
});
