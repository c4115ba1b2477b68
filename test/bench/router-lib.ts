// Shared plumbing for the router benchmarks (router / swap / idle): a real
// load generator in its own process (Debian's `wrk` when installed, else
// autocannon), a foundation daemon started by the CLI, tiny node apps.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli';
import { tempDir } from '../foundation/helpers';

export const quiet = { step() {}, log() {}, warn() {} };

export type LoadGen = 'wrk' | 'autocannon';

export function pickLoadGen(): LoadGen {
  const want = process.env.BENCH_LOADGEN as LoadGen | undefined;
  if (want === 'autocannon') return 'autocannon';
  const has = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  if (want === 'wrk' && !has) throw new Error('BENCH_LOADGEN=wrk but wrk is not installed (apt-get install -y wrk)');
  return has ? 'wrk' : 'autocannon';
}

export interface LoadResult {
  rps: number;
  requests: number;
  /** Non-2xx/3xx responses. */
  non2xx: number;
  /** Connect / read / write / timeout errors. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs the load generator against url with the given Host header; resolves when it is done. */
export function load(gen: LoadGen, url: string, host: string, opts: { connections: number; seconds: number }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    if (gen === 'wrk') {
      // One thread: the generator should take as little of the 2 cores as it can.
      const args = ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '-H', `Host: ${host}`, url];
      execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, out) => {
        if (err) return reject(err);
        const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
        const ms = (re: RegExp) => {
          const m = re.exec(out);
          if (!m) return 0;
          const v = Number(m[1]);
          return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
        };
        const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        resolve({
          rps: num(/Requests\/sec:\s+([\d.]+)/),
          requests: num(/(\d+) requests in/),
          non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
          errors: sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0,
          p50Ms: ms(/50%\s+([\d.]+)(us|ms|s)/),
          p99Ms: ms(/99%\s+([\d.]+)(us|ms|s)/),
        });
      });
    } else {
      const bin = join(repoRoot, 'node_modules', 'autocannon', 'autocannon.js');
      const args = [bin, '-c', String(opts.connections), '-d', String(opts.seconds), '-j', '-H', `host=${host}`, url];
      execFile(process.execPath, args, { maxBuffer: 16 << 20 }, (err, out) => {
        if (err) return reject(err);
        const j = JSON.parse(out);
        resolve({
          rps: j.requests.average,
          requests: j.requests.total,
          non2xx: j.non2xx,
          errors: j.errors + j.timeouts,
          p50Ms: j.latency.p50,
          p99Ms: j.latency.p99,
        });
      });
    }
  });
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}`;
}

/** A node app folder that answers every request with `body`. */
export function bodyApp(name: string, body: string): string {
  const dir = tempDir(`cfpush-bench-${name}-`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', scripts: { start: 'node server.js' } }));
  writeFileSync(
    join(dir, 'server.js'),
    `require('http').createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }); res.end(${JSON.stringify(body)}); }).listen(process.env.PORT);\n`,
  );
  return dir;
}

export function saveResult(name: string, result: unknown): void {
  mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(join(repoRoot, 'test-results', `bench-${name}.json`), JSON.stringify(result, null, 2));
}

/** Requests/s of several load runs added up. */
export const totalRps = (runs: LoadResult[]): number => runs.reduce((a, r) => a + r.rps, 0);

/** Failed requests (non-2xx/3xx answers and socket errors) over several load runs. */
export const failedRequests = (runs: LoadResult[]): number => runs.reduce((a, r) => a + r.non2xx + r.errors, 0);

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
