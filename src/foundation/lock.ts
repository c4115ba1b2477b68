// One foundation per data dir: a proper-lockfile lock, plus the holder's pid
// so a lock left by a SIGKILLed foundation is taken over at once instead of
// waiting for it to go stale.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { CfPushError } from '../core/errors';
import { logWarning } from './log';
import { isZombie } from './procfs';

/** The process exists and has not exited (a SIGKILLed foundation nobody reaped is a zombie: dead). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockfilePath = join(dataDir, 'foundation.lock');
  const pidFile = join(dataDir, 'foundation.lock.pid');
  const opts = {
    lockfilePath,
    realpath: false,
    stale: 10_000,
    update: 2_000,
    // A blocked event loop must not crash the foundation; the pid file still guards.
    onCompromised: (err: Error) => logWarning(`data dir lock compromised: ${err.message}`),
  };
  let release!: () => Promise<void>;
  // A holder that died between taking the lock and writing its pid leaves a lock
  // with no pid: it goes stale within `stale` ms (nobody refreshes it), so wait that out.
  const deadline = Date.now() + opts.stale + 2_000;
  for (;;) {
    try {
      release = await lockfile.lock(dataDir, opts);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    }
    const holder = readHolder(pidFile);
    if (holder && pidAlive(holder)) {
      throw new CfPushError(`Another local foundation (pid ${holder}) is already using the data dir ${dataDir}.`, {
        code: 'FoundationLocked',
        hint: 'Stop it with `cfpush foundation stop`, or use another --data-dir.',
      });
    }
    if (holder) {
      // Its holder is dead (SIGKILLed): take the lock over at once.
      rmSync(lockfilePath, { recursive: true, force: true });
      rmSync(pidFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new CfPushError(`The data dir ${dataDir} is locked by another local foundation that is starting.`, {
        code: 'FoundationLocked',
        hint: 'Wait a few seconds and try again, or use another --data-dir.',
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  writeFileAtomic.sync(pidFile, String(process.pid));
  return async () => {
    rmSync(pidFile, { force: true });
    await release().catch(() => undefined);
  };
}

function readHolder(pidFile: string): number | undefined {
  try {
    const n = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
