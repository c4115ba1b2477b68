// The set-up most benchmarks share: a foundation daemon started by the CLI in
// a throwaway CFPUSH_HOME with free ports, a core session on it, and CPU time
// / memory of a process read from /proc.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet } from '../../src/core/http-get';
import type { Session } from '../../src/core/session';
import { openSession } from '../../src/core/targets';
import { localFoundation } from '../../src/foundation/access';
import { cliEnv, type CliEnv } from '../helpers/cli';

export interface LocalFoundation {
  c: CliEnv;
  s: Session;
  dataDir: string;
  /** The daemon's pid (foundation.json). */
  daemonPid: number;
  /** Pids of the app instances the supervisor runs now (pids.json). */
  appPids(): number[];
}

/** Runs `fn` against a fresh local foundation daemon; removes it all afterwards. */
export async function withLocalFoundation<T>(fn: (l: LocalFoundation) => Promise<T>, startArgs: string[] = []): Promise<T> {
  const c = await cliEnv();
  Object.assign(process.env, c.env);
  try {
    await c.ok(['foundation', 'start', ...startArgs]);
    const dataDir = join(c.home, 'foundation');
    const daemonPid = (JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8')) as { pid: number }).pid;
    const s = await openSession({ target: 'local', local: localFoundation });
    const appPids = () => Object.keys(JSON.parse(readFileSync(join(dataDir, 'pids.json'), 'utf8')) as Record<string, string>).map(Number);
    return await fn({ c, s, dataDir, daemonPid, appPids });
  } finally {
    await c.cleanup();
  }
}

/** utime + stime of `pid` in clock ticks (USER_HZ = 100 on Linux); NaN once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}

/** Resident and peak resident memory of `pid`, in MB. */
export function memoryMb(pid: number): { rssMb: number; hwmMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** One clock tick in µs. */
export const TICK_US = 10_000;

/** Milliseconds from `t0` until `url` answers 200 with `want` in the body (polled every 5 ms). */
export async function untilServing(url: string, want: string, t0: number, deadlineMs = 120_000): Promise<number> {
  for (;;) {
    try {
      const r = await httpGet(url, { timeoutMs: 2000 });
      if (r.status === 200 && r.body.includes(want)) return performance.now() - t0;
    } catch {
      /* not up yet */
    }
    if (performance.now() - t0 > deadlineMs) throw new Error(`${url} did not answer '${want}' within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
