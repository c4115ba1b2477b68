// Idle foundation (issue 3, benchmark c): the daemon started by the CLI with
// 50 small node apps pushed and RUNNING, then left alone. RSS and CPU are
// read from /proc of the daemon pid (from <dataDir>/foundation.json), so app
// processes are not counted. Goals: RSS ≤ 80 MB, CPU ≤ 2 %.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { push } from '../../src/core/push';
import { openSession } from '../../src/core/targets';
import { cliEnv } from '../helpers/cli';
import { bodyApp, machine, quiet, saveResult } from './router-lib';

const TICK = 100; // USER_HZ on Linux

function procStat(pid: number): { cpuTicks: number; rssMb: number; hwmMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { cpuTicks: Number(f[11]) + Number(f[12]), rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

async function cpuOver(pid: number, seconds: number): Promise<number> {
  const a = procStat(pid).cpuTicks;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = procStat(pid).cpuTicks;
  return ((b - a) / TICK / ((performance.now() - t0) / 1000)) * 100;
}

async function main() {
  const apps = Number(process.env.BENCH_APPS) || 50;
  const seconds = Number(process.env.BENCH_IDLE_SECONDS) || 30;
  const c = await cliEnv();
  Object.assign(process.env, c.env);
  try {
    await c.ok(['foundation', 'start']);
    const info = JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8')) as { pid: number };
    const pid = info.pid;
    await new Promise((r) => setTimeout(r, 2000));
    const empty = procStat(pid);
    const emptyCpu = await cpuOver(pid, Math.min(10, seconds));

    const s = await openSession({ target: 'local' });
    const dir = bodyApp('idle', 'idle');
    const t0 = performance.now();
    for (let i = 0; i < apps; i += 5) {
      await Promise.all(Array.from({ length: Math.min(5, apps - i) }, (_, k) => push(s, { dir, appName: `idle-${i + k}` }, quiet)));
    }
    const pushS = (performance.now() - t0) / 1000;
    // Let staging leftovers, timers and GC settle, then measure.
    await new Promise((r) => setTimeout(r, 5000));
    const cpu = await cpuOver(pid, seconds);
    const loaded = procStat(pid);
    const result = {
      machine: machine(),
      apps,
      pushAllSeconds: Number(pushS.toFixed(1)),
      emptyRssMb: Number(empty.rssMb.toFixed(1)),
      emptyCpuPct: Number(emptyCpu.toFixed(2)),
      idleRssMb: Number(loaded.rssMb.toFixed(1)),
      peakRssMb: Number(loaded.hwmMb.toFixed(1)),
      idleCpuPct: Number(cpu.toFixed(2)),
      measuredSeconds: seconds,
      rssGoalMb: 80,
      cpuGoalPct: 2,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `| ${apps} idle apps, ${seconds} s | ${result.emptyRssMb} MB / ${result.emptyCpuPct} % | **${result.idleRssMb} MB** (peak ${result.peakRssMb}) | **${result.idleCpuPct} %** |`,
    );
    saveResult('idle', result);
    if (result.idleRssMb > 80 || result.idleCpuPct > 2) process.exitCode = 1;
  } finally {
    await c.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
