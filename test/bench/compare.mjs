// Before and after a change, in one run: `node test/bench/compare.mjs BASELINE
// [bench ...]` runs each benchmark alternately in a baseline checkout (built,
// e.g. `git worktree add ../before REV && (cd ../before && npm ci && npm run
// build)`) and in this one, ROUNDS times (default 2), and prints the figures
// side by side. Each benchmark already measures its own reference in the same
// run (direct and nginx for the router, the bare start for push), so the
// ratios compare across the two builds; absolute times only within a round.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [baseline, ...names] = process.argv.slice(2);
if (!baseline || !existsSync(join(baseline, 'out', 'test', 'bench'))) {
  console.error('usage: node test/bench/compare.mjs BASELINE_CHECKOUT [router swap push idle]  (both checkouts built: npm run build)');
  process.exit(2);
}
const benches = names.length ? names : ['router', 'swap', 'push', 'idle'];
const rounds = Number(process.env.ROUNDS) || 2;
const sides = { before: resolve(baseline), after: resolve('.') };

/** The benchmark's result: its saved JSON when it wrote one during this run, else the first JSON object it printed. */
function run(dir, name) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join('out', 'test', 'bench', `${name}.bench.js`)], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  const saved = join(dir, 'test-results', `bench-${name}.json`);
  if (existsSync(saved) && statSync(saved).mtimeMs >= started) return JSON.parse(readFileSync(saved, 'utf8'));
  const m = /^\{[\s\S]*?^\}/m.exec(r.stdout);
  if (!m) throw new Error(`${name} in ${dir} printed no result (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(m[0]);
}

/** The figures each benchmark is judged by. */
const FIGURES = {
  router: (x) => ({
    'router ÷ direct': x.ratio,
    'router ÷ nginx': x.reference?.nginx?.routerOverThis,
    'router req/s': x.vsNginx?.throughput.routerRps,
    'nginx req/s': x.vsNginx?.throughput.nginxRps,
    'router µs/req': x.cpuUsPerRequest?.router,
    'nginx µs/req': x.reference?.nginx?.proxyUsPerRequest,
    'router p99 ms': x.vsNginx?.p99Ms.router,
    'nginx p99 ms': x.vsNginx?.p99Ms.nginx,
    failed: x.failedRequests,
  }),
  swap: (x) => ({ 'failed requests': x.failedRequests, 'swap call ms': x.swapCallMsMedian, 'load req/s': x.loadRps }),
  push: (x) => ({
    'bare start ms': x.bareStartMs,
    're-push → serving ÷ bare': Number((x.rePushToServingMs / x.bareStartMs).toFixed(2)),
    'first push → serving ÷ bare': Number((x.firstPushToServingMs / x.bareStartMs).toFixed(2)),
    're-push overhead ms': x.rePushOverheadMs,
  }),
  idle: (x) => ({ 'idle RSS MB (50 apps)': x.idleRssMb, 'idle CPU %': x.idleCpuPct, 'empty RSS MB': x.emptyRssMb }),
};

const rows = [];
for (const name of benches) {
  for (let i = 1; i <= rounds; i++) {
    for (const [side, dir] of Object.entries(sides)) {
      process.stderr.write(`compare: ${name} round ${i} ${side}\n`);
      const figures = (FIGURES[name] ?? ((x) => x))(run(dir, name));
      rows.push({ name, round: i, side, figures });
    }
  }
}
for (const name of benches) {
  const mine = rows.filter((r) => r.name === name);
  const keys = Object.keys(mine[0]?.figures ?? {});
  console.log(`\n### ${name}\n\n| round | build | ${keys.join(' | ')} |\n|---|---|${keys.map(() => '---').join('|')}|`);
  for (const r of mine) console.log(`| ${r.round} | ${r.side} | ${keys.map((k) => r.figures[k] ?? '—').join(' | ')} |`);
}
