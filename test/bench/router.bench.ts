// Router throughput (issue 3, benchmark b): hello-node pushed to the local
// foundation, the same load generator against the app's own port (direct)
// and through the router (Host: <app>.localhost), alternating in one run.
// Ratio = router requests/s ÷ direct requests/s (goal ≥ 0.8).
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { push } from '../../src/core/push';
import { openSession } from '../../src/core/targets';
import { cliEnv, repoRoot } from '../helpers/cli';
import { tempDir } from '../foundation/helpers';
import { load, machine, pickLoadGen, quiet, saveResult, type LoadResult } from './router-lib';

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS) || 3;
  const seconds = Number(process.env.BENCH_SECONDS) || 5;
  const connections = Number(process.env.BENCH_CONNECTIONS) || 50;
  const gen = pickLoadGen();
  const c = await cliEnv();
  Object.assign(process.env, c.env);
  try {
    await c.ok(['foundation', 'start']);
    const src = join(tempDir('cfpush-bench-rtr-'), 'hello-node');
    cpSync(join(repoRoot, 'examples', 'hello-node'), src, { recursive: true });
    const s = await openSession({ target: 'local' });
    const [app] = await push(s, { dir: src, appName: 'bench-rtr' }, quiet);
    const routerUrl = `http://127.0.0.1:${c.routerPort}/`;
    const host = new URL(app!.urls[0]!).hostname;
    const web = (await s.cc.get<{ resources: { guid: string; type: string }[] }>(`/v3/apps/${app!.guid}/processes`)).resources.find((p) => p.type === 'web')!;
    const stats = await s.cc.get<{ resources: { instance_ports: { external: number }[] }[] }>(`/v3/processes/${web.guid}/stats`);
    const directUrl = `http://127.0.0.1:${stats.resources[0]!.instance_ports[0]!.external}/`;

    // Warm both paths (JIT, keep-alive pools).
    await load(gen, directUrl, '127.0.0.1', { connections, seconds: 1 });
    await load(gen, routerUrl, host, { connections, seconds: 1 });
    // CPU per request from /proc: the daemon (router) and the app instance, so
    // the cost is visible even when other load on the machine skews req/s.
    const dataDir = join(c.home, 'foundation');
    const daemonPid = (JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8')) as { pid: number }).pid;
    const appPid = Number(Object.keys(JSON.parse(readFileSync(join(dataDir, 'pids.json'), 'utf8')) as Record<string, string>)[0]);
    const ticks = (pid: number) => {
      try {
        const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
        return Number(fields[11]) + Number(fields[12]);
      } catch {
        return NaN;
      }
    };
    const cpu = { routerUs: 0, appViaRouterUs: 0, appDirectUs: 0, routed: 0, direct: 0 };
    const direct: LoadResult[] = [];
    const router: LoadResult[] = [];
    for (let i = 0; i < rounds; i++) {
      let a = ticks(appPid);
      const d = await load(gen, directUrl, '127.0.0.1', { connections, seconds });
      cpu.appDirectUs += (ticks(appPid) - a) * 10_000;
      cpu.direct += d.requests;
      direct.push(d);
      a = ticks(appPid);
      const r0 = ticks(daemonPid);
      const r = await load(gen, routerUrl, host, { connections, seconds });
      cpu.routerUs += (ticks(daemonPid) - r0) * 10_000;
      cpu.appViaRouterUs += (ticks(appPid) - a) * 10_000;
      cpu.routed += r.requests;
      router.push(r);
    }
    const sum = (xs: LoadResult[]) => xs.reduce((a, r) => a + r.rps, 0);
    const failed = [...direct, ...router].reduce((a, r) => a + r.non2xx + r.errors, 0);
    const result = {
      machine: machine(),
      loadGenerator: gen,
      connections,
      seconds,
      rounds,
      directRps: direct.map((r) => Math.round(r.rps)),
      routerRps: router.map((r) => Math.round(r.rps)),
      directP99Ms: direct.map((r) => r.p99Ms),
      routerP99Ms: router.map((r) => r.p99Ms),
      ratio: Number((sum(router) / sum(direct)).toFixed(3)),
      ratioPerRound: router.map((r, i) => Number((r.rps / direct[i]!.rps).toFixed(3))),
      ratioGoal: 0.8,
      failedRequests: failed,
      cpuUsPerRequest: {
        router: Number((cpu.routerUs / cpu.routed).toFixed(1)),
        appBehindRouter: Number((cpu.appViaRouterUs / cpu.routed).toFixed(1)),
        appDirect: Number((cpu.appDirectUs / cpu.direct).toFixed(1)),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    const avg = (xs: LoadResult[]) => Math.round(sum(xs) / xs.length);
    console.log(`| ${gen} -c${connections}, ${rounds}×${seconds} s | ${avg(direct)} req/s | ${avg(router)} req/s | **${result.ratio}** (${Math.min(...result.ratioPerRound)}–${Math.max(...result.ratioPerRound)}) | ${failed} | ${result.cpuUsPerRequest.router} / ${result.cpuUsPerRequest.appDirect} µs |`);
    saveResult('router', result);
    if (failed) process.exitCode = 1;
  } finally {
    await c.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
