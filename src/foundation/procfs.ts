// What the foundation reads from /proc (Linux), for the host-process runtime
// (runtime/process.ts) and the data dir lock: CPU time and RSS per process
// group, process states (zombies are dead), and the processes that carry a
// foundation's marker in their environment (leftovers of a killed foundation).
// Elsewhere these degrade to "unknown" (0 usage, no scan).
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ and page size on every platform Node supports there. */
const CLK_TCK = 100;
const PAGE = 4096;

export const hasProcfs = existsSync('/proc/self/stat');

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  rssBytes: number;
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // comm may hold spaces and parentheses: split after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      state: f[0]!,
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      ticks: Number(f[11]) + Number(f[12]),
      rssBytes: Number(f[21]) * PAGE,
    };
  } catch {
    return undefined;
  }
}

/** Every live process (zombies excluded). */
export function allProcesses(): ProcStat[] {
  if (!hasProcfs) return [];
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const st = readStat(Number(name));
    if (st && st.state !== 'Z' && st.state !== 'X') out.push(st);
  }
  return out;
}

/** A zombie has exited; only its parent has not reaped it yet. */
export function isZombie(pid: number): boolean {
  const st = hasProcfs ? readStat(pid) : undefined;
  return st !== undefined && (st.state === 'Z' || st.state === 'X');
}

export interface GroupUsage {
  ticks: number;
  rssBytes: number;
}

/** CPU ticks and RSS summed over each of `groups` (process group ids), from one /proc scan. */
export function groupUsage(groups: Set<number>): Map<number, GroupUsage> {
  const out = new Map<number, GroupUsage>();
  if (groups.size === 0) return out;
  for (const p of allProcesses()) {
    if (!groups.has(p.pgrp)) continue;
    const u = out.get(p.pgrp) ?? { ticks: 0, rssBytes: 0 };
    u.ticks += p.ticks;
    u.rssBytes += p.rssBytes;
    out.set(p.pgrp, u);
  }
  return out;
}

export const ticksToSeconds = (t: number) => t / CLK_TCK;

/** The processes whose environment holds `NAME=value` exactly. */
export function processesWithEnv(name: string, value: string): number[] {
  if (!hasProcfs) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(entry);
    if (pid !== process.pid && hasEnv(pid, name, value)) out.push(pid);
  }
  return out;
}

/** Whether process `pid`'s environment holds `NAME=value` exactly (false when it is gone or not ours to read). */
export function hasEnv(pid: number, name: string, value: string): boolean {
  const needle = Buffer.from(`${name}=${value}\0`);
  try {
    const env = readFileSync(`/proc/${pid}/environ`);
    // The first variable has no leading NUL; every other one does.
    return env.subarray(0, needle.length).equals(needle) || env.includes(Buffer.concat([Buffer.from([0]), needle]));
  } catch {
    return false;
  }
}
