// Router throughput (issue 3, benchmark b): hello-node pushed to the local
// foundation, the same load generator against the app's own port (direct)
// and through the router (Host: <app>.localhost), alternating in one run.
// Ratio = router requests/s ÷ direct requests/s (goal ≥ 0.8). nginx and
// HAProxy, when installed, are measured the same way as references.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { push } from '../../src/core/push';
import { repoRoot } from '../helpers/cli';
import { tempDir } from '../foundation/helpers';
import { cpuTicks as ticks, TICK_US, withLocalFoundation } from './fixture';
import { startRefProxies } from './ref-proxies';
import { failedRequests, load, machine, median, pickLoadGen, quiet, saveResult, totalRps, type LoadResult } from './router-lib';

interface Path {
  name: string;
  url: string;
  host: string;
  /** The proxy's pid (NaN for direct): its CPU time per request. */
  pid: number;
  runs: LoadResult[];
  proxyUs: number;
  appUs: number;
  requests: number;
}

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS) || 3;
  const seconds = Number(process.env.BENCH_SECONDS) || 5;
  const connections = Number(process.env.BENCH_CONNECTIONS) || 50;
  const gen = pickLoadGen();
  await withLocalFoundation(async ({ c, s, daemonPid, appPids }) => {
    const src = join(tempDir('cfpush-bench-rtr-'), 'hello-node');
    cpSync(join(repoRoot, 'examples', 'hello-node'), src, { recursive: true });
    const [app] = await push(s, { dir: src, appName: 'bench-rtr' }, quiet);
    const routerUrl = `http://127.0.0.1:${c.routerPort}/`;
    const host = new URL(app!.urls[0]!).hostname;
    const web = (await s.cc.get<{ resources: { guid: string; type: string }[] }>(`/v3/apps/${app!.guid}/processes`)).resources.find((p) => p.type === 'web')!;
    const stats = await s.cc.get<{ resources: { instance_ports: { external: number }[] }[] }>(`/v3/processes/${web.guid}/stats`);
    const directUrl = `http://127.0.0.1:${stats.resources[0]!.instance_ports[0]!.external}/`;

    // Warm the paths (JIT, keep-alive pools).
    await load(gen, directUrl, '127.0.0.1', { connections, seconds: 1 });
    await load(gen, routerUrl, host, { connections, seconds: 1 });
    // CPU per request from /proc: the daemon (router) and the app instance, so
    // the cost is visible even when other load on the machine skews req/s.
    const appPid = appPids()[0]!;
    // Each path in turn, every round: direct, the router, then the reference
    // proxies (nginx / HAProxy when installed) in front of the same instance.
    const refs = await startRefProxies(Number(new URL(directUrl).port));
    const paths: Path[] = [
      { name: 'direct', url: directUrl, host: '127.0.0.1', pid: NaN, runs: [], proxyUs: 0, appUs: 0, requests: 0 },
      { name: 'router', url: routerUrl, host, pid: daemonPid, runs: [], proxyUs: 0, appUs: 0, requests: 0 },
      ...refs.map((p): Path => ({ name: p.name, url: p.url, host, pid: p.pid, runs: [], proxyUs: 0, appUs: 0, requests: 0 })),
    ];
    try {
      for (const p of paths.slice(2)) await load(gen, p.url, p.host, { connections, seconds: 1 });
      for (let i = 0; i < rounds; i++) {
        for (const p of paths) {
          const a = ticks(appPid);
          const x = ticks(p.pid);
          const r = await load(gen, p.url, p.host, { connections, seconds });
          p.appUs += (ticks(appPid) - a) * TICK_US;
          p.proxyUs += (ticks(p.pid) - x) * TICK_US;
          p.requests += r.requests;
          p.runs.push(r);
        }
      }
    } finally {
      for (const r of refs) r.stop();
    }
    const sum = totalRps;
    const [direct, router] = paths as [Path, Path];
    const failed = failedRequests(paths.flatMap((p) => p.runs));
    const ratioOf = (p: Path) => Number((sum(p.runs) / sum(direct.runs)).toFixed(3));
    const us = (v: number, p: Path) => Number((v / p.requests).toFixed(1));
    const result = {
      machine: machine(),
      loadGenerator: gen,
      connections,
      seconds,
      rounds,
      directRps: direct.runs.map((r) => Math.round(r.rps)),
      routerRps: router.runs.map((r) => Math.round(r.rps)),
      directP99Ms: direct.runs.map((r) => r.p99Ms),
      routerP99Ms: router.runs.map((r) => r.p99Ms),
      ratio: ratioOf(router),
      ratioPerRound: router.runs.map((r, i) => Number((r.rps / direct.runs[i]!.rps).toFixed(3))),
      ratioGoal: 0.8,
      failedRequests: failed,
      cpuUsPerRequest: {
        router: us(router.proxyUs, router),
        appBehindRouter: us(router.appUs, router),
        appDirect: us(direct.appUs, direct),
      },
      // The same measurement through mature proxies: the machine's ceiling for any proxy here.
      reference: Object.fromEntries(
        paths.slice(2).map((p) => [
          p.name,
          {
            rps: p.runs.map((r) => Math.round(r.rps)),
            p99Ms: p.runs.map((r) => r.p99Ms),
            ratio: ratioOf(p),
            proxyUsPerRequest: us(p.proxyUs, p),
            appUsPerRequest: us(p.appUs, p),
            routerOverThis: Number((sum(router.runs) / sum(p.runs)).toFixed(3)),
          },
        ]),
      ),
    };
    // Issue 21: the router against nginx in the same run, each goal's figure beside its reference.
    const nginx = paths.find((p) => p.name === 'nginx');
    const p99 = (p: Path) => median(p.runs.map((r) => r.p99Ms));
    const vsNginx = nginx && {
      throughput: {
        routerRps: Math.round(sum(router.runs) / rounds),
        nginxRps: Math.round(sum(nginx.runs) / rounds),
        ratio: Number((sum(router.runs) / sum(nginx.runs)).toFixed(3)),
        goal: '≥ 1.0',
      },
      cpuUsPerRequest: { router: us(router.proxyUs, router), nginx: us(nginx.proxyUs, nginx), goal: 'router ≤ nginx' },
      p99Ms: { router: p99(router), nginx: p99(nginx), ratio: Number((p99(router) / p99(nginx)).toFixed(2)), goal: '≤ 1.2' },
    };
    console.log(JSON.stringify({ ...result, vsNginx }, null, 2));
    if (vsNginx) {
      const { throughput: t, cpuUsPerRequest: c, p99Ms: l } = vsNginx;
      const ok = (b: boolean) => (b ? 'met' : 'NOT met');
      console.log(`router vs nginx, same run (issue 21):`);
      console.log(`  throughput  router ${t.routerRps} req/s, nginx ${t.nginxRps} req/s: ratio ${t.ratio} (goal ≥ 1.0, ${ok(t.ratio >= 1)})`);
      console.log(`  CPU/request router ${c.router} µs, nginx ${c.nginx} µs (goal router ≤ nginx, ${ok(c.router <= c.nginx)})`);
      console.log(`  p99 latency router ${l.router} ms, nginx ${l.nginx} ms: ratio ${l.ratio} (goal ≤ 1.2, ${ok(l.ratio <= 1.2)})`);
    }
    const avg = (xs: LoadResult[]) => Math.round(sum(xs) / xs.length);
    const refCells =
      paths
        .slice(2)
        .map((p) => `${p.name} ${ratioOf(p)} (${us(p.proxyUs, p)} µs)`)
        .join(', ') || 'not installed';
    console.log(
      `| ${gen} -c${connections}, ${rounds}×${seconds} s | ${avg(direct.runs)} req/s | ${avg(router.runs)} req/s | **${result.ratio}** (${Math.min(...result.ratioPerRound)}–${Math.max(...result.ratioPerRound)}) | ${failed} | ${result.cpuUsPerRequest.router} / ${result.cpuUsPerRequest.appDirect} µs | ${refCells} |`,
    );
    saveResult('router', { ...result, vsNginx });
    if (failed) process.exitCode = 1;
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
