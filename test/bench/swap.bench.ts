// Blue-green under load (issue 3, benchmark a): two apps answering "blue" and
// "green", a real load generator (wrk, else autocannon) with 50 connections
// on blue.localhost while 20 swaps run through the CC API (core swapRoutes:
// map the new app, then unmap the old). Asserts no failed request, and
// measures, per swap, how long after the swap call returned a request could
// still reach the old app (sampled by keep-alive clients reading bodies).
import { Agent, request } from 'node:http';
import { push, swapRoutes } from '../../src/core/push';
import { withLocalFoundation } from './fixture';
import { bodyApp, load, machine, median, pickLoadGen, quiet, saveResult } from './router-lib';

interface Sample {
  sentAt: number;
  body: string;
  ok: boolean;
}

async function main() {
  const swaps = Number(process.env.BENCH_SWAPS) || 20;
  const everyMs = Number(process.env.BENCH_SWAP_EVERY_MS) || 600;
  const connections = Number(process.env.BENCH_CONNECTIONS) || 50;
  const gen = pickLoadGen();
  await withLocalFoundation(async ({ c, s }) => {
    await push(s, { dir: bodyApp('blue', 'blue'), appName: 'blue' }, quiet);
    await push(s, { dir: bodyApp('green', 'green'), appName: 'green' }, quiet);
    const host = 'blue.localhost';
    const routerPort = c.routerPort;

    // Samplers: sequential requests on kept-alive connections, bodies recorded.
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = async () => {
      while (sampling) {
        const sentAt = performance.now();
        const r = await new Promise<Sample>((resolve) => {
          const req = request({ host: '127.0.0.1', port: routerPort, path: '/', headers: { host }, agent }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => resolve({ sentAt, body, ok: res.statusCode === 200 }));
          });
          req.on('error', () => resolve({ sentAt, body: '', ok: false }));
          req.end();
        });
        samples.push(r);
      }
    };

    const seconds = Math.ceil((swaps * everyMs) / 1000) + 3;
    const loadRun = load(gen, `http://127.0.0.1:${routerPort}/`, host, { connections, seconds });
    const samplers = Array.from({ length: 4 }, sampler);
    await new Promise((r) => setTimeout(r, 1000));

    const windows: { start: number; done: number; want: string }[] = [];
    let current = 'blue';
    for (let i = 0; i < swaps; i++) {
      const t0 = performance.now();
      await swapRoutes(s, 'blue', 'green', quiet);
      const done = performance.now();
      current = current === 'blue' ? 'green' : 'blue';
      windows.push({ start: t0, done, want: current });
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const lg = await loadRun;
    sampling = false;
    await Promise.all(samplers);
    agent.destroy();

    // Per swap: the last request sent after the swap returned that still got the old body.
    const convergeMs: number[] = [];
    let stale = 0;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      const until = windows[i + 1]?.start ?? Infinity;
      let last = 0;
      for (const smp of samples) {
        if (smp.sentAt >= w.done && smp.sentAt < until && smp.ok && smp.body !== w.want) {
          stale++;
          last = Math.max(last, smp.sentAt - w.done);
        }
      }
      convergeMs.push(Number(last.toFixed(2)));
    }
    const samplerFailed = samples.filter((x) => !x.ok).length;
    const swapMs = windows.map((w) => w.done - w.start);
    const result = {
      machine: machine(),
      loadGenerator: gen,
      connections,
      swaps,
      loadRps: Math.round(lg.rps),
      loadRequests: lg.requests,
      loadNon2xx: lg.non2xx,
      loadErrors: lg.errors,
      samples: samples.length,
      samplerFailed,
      failedRequests: lg.non2xx + lg.errors + samplerFailed,
      swapCallMsMedian: Math.round(median(swapMs)),
      swapCallMsMax: Math.round(Math.max(...swapMs)),
      staleAfterSwap: stale,
      convergeMsMax: Math.max(...convergeMs),
      convergeMs,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `| ${gen} -c${connections}, ${swaps} swaps | ${result.loadRequests} (${result.loadRps} req/s) | **${result.failedRequests}** | ${result.swapCallMsMedian} ms (max ${result.swapCallMsMax}) | **${result.convergeMsMax} ms** (${result.samples} samples, ${stale} stale) |`,
    );
    saveResult('swap', result);
    if (result.failedRequests || stale) process.exitCode = 1;
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
