// A foundation that is busy is not "not running" (issue 13 point 10): its
// process lives but its API is silent (here: SIGSTOPped, as a blocked event
// loop looks from outside). A command waits for it; status says it runs
// but does not answer, and how to restart it; nothing starts a second one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliEnv, type CliEnv } from '../helpers/cli';

describe('a busy foundation', { timeout: 120_000 }, () => {
  let c: CliEnv | undefined;
  let pid = 0;
  after(async () => {
    if (pid) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    await c?.run(['foundation', 'stop']);
    await c?.cleanup();
  });

  test('commands wait out a silent API; status says running but not answering', async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    pid = (JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8')) as { pid: number }).pid;

    process.kill(pid, 'SIGSTOP');
    const apps = c.run(['apps']);
    await new Promise((r) => setTimeout(r, 4000));
    process.kill(pid, 'SIGCONT');
    const r = await apps;
    assert.equal(r.code, 0, `cfpush apps gave up on a foundation busy for 4 s:\n${r.stdout}\n${r.stderr}`);

    process.kill(pid, 'SIGSTOP');
    const st = await c.run(['foundation', 'status']);
    process.kill(pid, 'SIGCONT');
    assert.equal(st.code, 3, st.stdout + st.stderr);
    assert.match(st.stdout, new RegExp(`running \\(pid ${pid}\\) but not answering`));
    assert.match(st.stdout, /foundation stop/);
    // Still the one foundation.
    const after = JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8')) as { pid: number };
    assert.equal(after.pid, pid);
    assert.equal((await c.run(['apps'])).code, 0);
  });
});
