// Idle foundation (issue 3, benchmark c): the daemon started by the CLI with
// 50 small node apps pushed and RUNNING, then left alone. RSS and CPU are
// read from /proc of the daemon pid (from <dataDir>/foundation.json), so app
// processes are not counted. Goals (issue 21): RSS ≤ 60 MB, CPU ≤ 1 %.
import { push } from '../../src/core/push';
import { cpuTicks, memoryMb, TICK_US, withLocalFoundation } from './fixture';
import { bodyApp, machine, quiet, saveResult } from './router-lib';

const RSS_GOAL_MB = 60;
const CPU_GOAL_PCT = 1;

/** CPU % of `pid` over the next `seconds`. */
async function cpuOver(pid: number, seconds: number): Promise<number> {
  const a = cpuTicks(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return (((cpuTicks(pid) - a) * TICK_US) / ((performance.now() - t0) * 1000)) * 100;
}

async function main() {
  const apps = Number(process.env.BENCH_APPS) || 50;
  const seconds = Number(process.env.BENCH_IDLE_SECONDS) || 30;
  await withLocalFoundation(async ({ s, daemonPid: pid }) => {
    await new Promise((r) => setTimeout(r, 2000));
    const empty = memoryMb(pid);
    const emptyCpu = await cpuOver(pid, Math.min(10, seconds));

    const dir = bodyApp('idle', 'idle');
    const t0 = performance.now();
    for (let i = 0; i < apps; i += 5) {
      await Promise.all(Array.from({ length: Math.min(5, apps - i) }, (_, k) => push(s, { dir, appName: `idle-${i + k}` }, quiet)));
    }
    const pushS = (performance.now() - t0) / 1000;
    // Let staging leftovers, timers and GC settle, then measure.
    await new Promise((r) => setTimeout(r, 5000));
    const cpu = await cpuOver(pid, seconds);
    const loaded = memoryMb(pid);
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
      rssGoalMb: RSS_GOAL_MB,
      cpuGoalPct: CPU_GOAL_PCT,
    };
    console.log(JSON.stringify(result, null, 2));
    const vs = (value: number, goal: number, unit: string) => `${value} ${unit} (goal ≤ ${goal} ${unit}: ${value <= goal ? 'met' : 'NOT met'})`;
    console.log(`idle RSS ${vs(result.idleRssMb, RSS_GOAL_MB, 'MB')}, peak ${result.peakRssMb} MB`);
    console.log(`idle CPU ${vs(result.idleCpuPct, CPU_GOAL_PCT, '%')}`);
    console.log(
      `| ${apps} idle apps, ${seconds} s | ${result.emptyRssMb} MB / ${result.emptyCpuPct} % | **${result.idleRssMb} MB** (peak ${result.peakRssMb}; goal ≤ ${RSS_GOAL_MB}) | **${result.idleCpuPct} %** (goal ≤ ${CPU_GOAL_PCT}) |`,
    );
    saveResult('idle', result);
    if (result.idleRssMb > RSS_GOAL_MB || result.idleCpuPct > CPU_GOAL_PCT) process.exitCode = 1;
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
