// Cost of the router's traffic counters (issue 7; goal: < 5 % of router
// throughput). Two local foundations started by the CLI in the same run, one
// with counters (default) and one with CFPUSH_ROUTER_COUNTERS=0, each serving
// hello-node; the same load generator (wrk, else autocannon) against each
// router, alternating on/off and off/on every round so drift on the shared
// machine hits both. Reported per round: req/s of each and the router's CPU
// time per request (from /proc, steadier than req/s when others load the
// machine). Also: ns per InstanceCounter.count() call in this process, the
// whole per-request work counting adds.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { tempDir } from '../foundation/helpers';
import { InstanceCounter } from '../../src/foundation/traffic';
import { failedRequests, load, machine, median, pickLoadGen, saveResult, totalRps, type LoadResult } from './router-lib';
import { cpuTicks } from './fixture';

interface Side {
  name: 'on' | 'off';
  c: CliEnv;
  pid: number;
  host: string;
  url: string;
  runs: LoadResult[];
  cpuUs: number;
  requests: number;
  usPerReq: number[];
}

/** ns per count() over many calls (a status mix like real traffic; the ring wraps every 600 s of simulated time). */
function countNs(): number {
  const c = new InstanceCounter('a/0', 'a');
  const n = 20_000_000;
  let now = Date.now();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) now += 7; // time moves on: new buckets get reset on the way
    c.count(i % 50 === 0 ? 503 : i % 20 === 0 ? 404 : 200, now);
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

async function main() {
  // Many short alternating runs: on this shared 2-core machine neighbours' load comes in
  // bursts, so adjacent on/off pairs compare best, and medians ignore the bursts.
  const rounds = Number(process.env.BENCH_ROUNDS) || 12;
  const seconds = Number(process.env.BENCH_SECONDS) || 2;
  const connections = Number(process.env.BENCH_CONNECTIONS) || 50;
  const gen = pickLoadGen();
  const sides: Side[] = [];
  const envs: CliEnv[] = [];
  try {
    for (const name of ['on', 'off'] as const) {
      const c = await cliEnv();
      envs.push(c);
      const env: Record<string, string> = name === 'off' ? { CFPUSH_ROUTER_COUNTERS: '0' } : {};
      await c.ok(['foundation', 'start'], { env });
      const src = join(tempDir('cfpush-bench-ctr-'), 'hello-node');
      cpSync(join(repoRoot, 'examples', 'hello-node'), src, { recursive: true });
      await c.ok(['push', 'bench-ctr', '-p', src]);
      const pid = (JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8')) as { pid: number }).pid;
      sides.push({ name, c, pid, host: 'bench-ctr.localhost', url: `http://127.0.0.1:${c.routerPort}/`, runs: [], cpuUs: 0, requests: 0, usPerReq: [] });
    }
    // The counters really are on in one and off in the other.
    const trafficOf = async (s: Side) => JSON.parse((await s.c.ok(['traffic', 'bench-ctr', '--json'])).stdout).apps[0].requests as number;
    for (const s of sides) await load(gen, s.url, s.host, { connections, seconds: 1 }); // warm up (JIT, pools)
    await new Promise((r) => setTimeout(r, 1100));
    const warmed = { on: await trafficOf(sides[0]!), off: await trafficOf(sides[1]!) };
    if (!(warmed.on > 0) || warmed.off !== 0) throw new Error(`counters not as configured: ${JSON.stringify(warmed)}`);

    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) {
        const t0 = cpuTicks(s.pid);
        const r = await load(gen, s.url, s.host, { connections, seconds });
        const us = (cpuTicks(s.pid) - t0) * 10_000;
        s.runs.push(r);
        s.cpuUs += us;
        s.requests += r.requests;
        s.usPerReq.push(Number((us / r.requests).toFixed(2)));
      }
    }
    const [on, off] = sides as [Side, Side];
    const sum = totalRps;
    const perRound = on.runs.map((r, i) => Number((r.rps / off.runs[i]!.rps).toFixed(3)));
    const failed = failedRequests([...on.runs, ...off.runs]);
    const ns = countNs();
    const result = {
      machine: machine(),
      loadGenerator: gen,
      connections,
      seconds,
      rounds,
      onRps: on.runs.map((r) => Math.round(r.rps)),
      offRps: off.runs.map((r) => Math.round(r.rps)),
      /** counters on ÷ off, all rounds together (1.0 = free). */
      ratio: Number((sum(on.runs) / sum(off.runs)).toFixed(3)),
      ratioPerRound: perRound,
      ratioMedian: median(perRound),
      routerCpuUsPerRequest: {
        on: Number((on.cpuUs / on.requests).toFixed(2)),
        off: Number((off.cpuUs / off.requests).toFixed(2)),
        onMedian: median(on.usPerReq),
        offMedian: median(off.usPerReq),
        /** on ÷ off per adjacent pair of runs. */
        ratioPerRound: on.usPerReq.map((u, i) => Number((u / off.usPerReq[i]!).toFixed(3))),
        onPerRound: on.usPerReq,
        offPerRound: off.usPerReq,
      },
      countNsPerCall: Number(ns.toFixed(1)),
      failedRequests: failed,
      goal: 'counters cost < 5 % of router throughput',
    };
    console.log(JSON.stringify(result, null, 2));
    const cpu = result.routerCpuUsPerRequest;
    const cpuRatio = median(cpu.ratioPerRound);
    console.log(
      `| ${gen} -c${connections}, ${rounds}×${seconds} s each | ${Math.round(sum(off.runs) / rounds)} / ${Math.round(sum(on.runs) / rounds)} req/s | **${result.ratioMedian}** (${Math.min(...perRound)}–${Math.max(...perRound)}; all rounds ${result.ratio}) | ${cpu.offMedian} / ${cpu.onMedian} µs | **${cpuRatio}** | ${result.countNsPerCall} ns | ${failed} |`,
    );
    console.log(`throughput on/off: median pair ${result.ratioMedian}, all rounds ${result.ratio}; router CPU per request on/off: median pair ${cpuRatio}`);
    saveResult('counters', result);
    if (failed) process.exitCode = 1;
  } finally {
    for (const c of envs) await c.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
