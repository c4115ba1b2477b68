// One foundation per data dir: a proper-lockfile lock, plus the holder's pid
// so a lock left by a SIGKILLed foundation is taken over at once instead of
// waiting for it to go stale.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { CfPushError } from '../core/errors';

export function pidAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
    onCompromised: (err: Error) => console.error(`[foundation] data dir lock compromised: ${err.message}`),
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const holder = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
    if (holder && pidAlive(holder)) {
      throw new CfPushError(`Another local foundation (pid ${holder}) is already using ${dataDir}.`, {
        code: 'foundation_locked',
        hint: 'Stop it with `cfpush foundation stop`, or use another --data-dir.',
      });
    }
    if (!holder) {
      throw new CfPushError(`The data dir ${dataDir} is locked by another foundation that is starting.`, {
        code: 'foundation_locked',
        hint: 'Wait a few seconds and try again, or use another --data-dir.',
      });
    }
    rmSync(lockfilePath, { recursive: true, force: true });
    release = await lockfile.lock(dataDir, opts);
  }
  writeFileSync(pidFile, String(process.pid));
  return async () => {
    rmSync(pidFile, { force: true });
    await release().catch(() => undefined);
  };
}
