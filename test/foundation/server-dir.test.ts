// The sweep of servers' files that removed data dirs left under the shared root:
// what a data dir still links stays, what nobody links goes (and the process
// still running from it is stopped), a folder being prepared is left alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sweepSharedFolders } from '../../src/foundation/builtin-broker/engines/server-dir';

const base = mkdtempSync(join(tmpdir(), 'cfpush-sweep-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** A shared folder named as prepareServerDir names them, its owner file naming `owner` (none when undefined). */
function folder(root: string, name: string, owner?: string): string {
  const f = join(root, name);
  mkdirSync(f, { recursive: true });
  if (owner !== undefined) writeFileSync(join(f, '.cf-push-owner'), `${owner}\n`);
  return f;
}

test('keeps folders a data dir links; removes the rest, stopping what runs from them', async () => {
  const root = join(base, 'shared');
  const liveDir = join(base, 'live', 'services', 'redis');
  mkdirSync(liveDir, { recursive: true });
  const kept = folder(root, 'redis-0123456789abcdef', liveDir);
  symlinkSync(kept, join(liveDir, 'server'));
  const gone = folder(root, 'postgresql-fedcba9876543210', join(base, 'removed', 'services', 'postgresql'));
  // A data dir that now links elsewhere (its layout was chosen again) no longer owns this one.
  const relinked = folder(root, 'mysql-00000000000000aa', liveDir);
  const preparing = folder(root, 'mysql-1111111111111111');
  const stale = folder(root, 'rabbitmq-2222222222222222');
  utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
  const foreign = folder(root, 'not-ours');

  // A server a killed foundation left running from the removed data dir's folder.
  const server = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', join(gone, 'data')], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => server.once('exit', (_code, signal) => r(signal)));
  await new Promise((r) => server.once('spawn', r));
  try {
    const removed = sweepSharedFolders(root).sort();
    assert.deepEqual(removed, [gone, relinked, stale].sort());
    for (const f of [kept, preparing, foreign]) assert.ok(existsSync(f), `${f} stays`);
    for (const f of removed) assert.ok(!existsSync(f), `${f} is removed`);
    assert.equal(await exited, 'SIGTERM');
  } finally {
    server.kill('SIGKILL');
  }
  // Nothing left to do: a second sweep removes nothing.
  assert.deepEqual(sweepSharedFolders(root), []);
});

test('a shared root that does not exist is nothing to sweep', () => {
  assert.deepEqual(sweepSharedFolders(join(base, 'none')), []);
});
