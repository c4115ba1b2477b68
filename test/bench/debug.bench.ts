// Debug App benchmark (issue 20): Debug App → session attached, on the local
// foundation, per runtime, beside the same app's bare start in the same run.
// The apps are those of the debug tests (test/helpers/debug-apps.ts: each
// sample's server answering its CF_INSTANCE_GUID), pushed with the core push
// engine to a foundation daemon started by the CLI, one instance each. Then,
// BENCH_RUNS times (default 5; medians), alternating:
// - bare start: POST /v3/apps/:guid/actions/restart → a request through the
//   router answers from the new instance (the router sends requests only to
//   RUNNING instances, so it is RUNNING and serving);
// - debug: startDebug() (src/core/actors/debug.ts, the path `cfpush debug`
//   and CF: Debug App take: PUT /x-cfpush/v1/debug/:process/0, polled until
//   the agent listens) → the runtime's client attaches (Node: the inspector's
//   CDP Debugger.enable answered; Java: the JDWP handshake and
//   VirtualMachine.IDSizes / Version answered; Python (debugpy) and Go
//   (delve): DAP initialize, attach, the empty configuration VS Code sends
//   and configurationDone answered) → a request through the router answers
//   from the debugged instance.
// Untimed after each debug run: the client detaches, the session ends (the
// instance restarts without the agent) and serves again (see endSession for
// Go, whose end can hang). For Java, jdb (the debug test's client) also
// attaches to each debugged instance; its time to its prompt, its own JVM's
// start included, is reported beside.
// BENCH_RUNTIMES=node,go picks runtimes. Prints JSON and markdown rows; writes
// test-results/bench-debug.json.
import { rmSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDebug, type DebugHandle } from '../../src/core/actors/debug';
import { httpGet } from '../../src/core/http-get';
import { push } from '../../src/core/push';
import type { Session } from '../../src/core/session';
import { missingAgent } from '../../src/foundation/debug-agents';
import { goApp, javaApp, NODE_SERVER_JS, pythonApp } from '../helpers/debug-apps';
import { Dap, inspector, Jdb, jdwpAttach } from '../helpers/debug-clients';
import { findTool } from '../helpers/toolchain';
import { nodeApp } from '../foundation/helpers';
import { processesWithEnv } from '../foundation/supervisor-helpers';
import { withLocalFoundation } from './fixture';
import { machine, median, quiet, saveResult } from './router-lib';

type Runtime = 'node' | 'java' | 'python' | 'go';

interface Sample {
  runtime: Runtime;
  /** Tools this machine needs (build, agent, client), with the Debian package. */
  needs: [tool: string, pkg: string][];
  memoryMb: number;
  /** Writes the app into `dir` (or a temp folder of its own); returns the folder to push. */
  build(dir: string): string;
  /** The client's attach handshake; resolves to how it detaches, and how often it had to ask again. */
  attach(h: DebugHandle): Promise<{ detach: () => Promise<void>; retries?: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DAP's attach as VS Code opens it: initialize, attach, and once the adapter
 * is initialized the configuration requests VS Code sends even with no
 * breakpoint set (setFunctionBreakpoints and setExceptionBreakpoints, where
 * the adapter offers them; delve answers configurationDone only on a halted
 * target, and these halt it), then configurationDone, which resumes it
 * (debugpy answers attach only after it).
 */
function dapAttach(adapterID: string, args: object): Sample['attach'] {
  return async (h) => {
    const dap = await Dap.connect(h.host, h.port);
    const caps = await dap.request('initialize', { clientID: 'cfpush-bench', adapterID, linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const attached = dap.request('attach', args);
    attached.catch(() => {}); // awaited below
    await dap.event('initialized');
    if (caps.supportsFunctionBreakpoints) await dap.request('setFunctionBreakpoints', { breakpoints: [] });
    if (caps.exceptionBreakpointFilters?.length) await dap.request('setExceptionBreakpoints', { filters: [] });
    // delve sometimes refuses configurationDone as "debuggee is running" (its halt had not taken effect yet, or the
    // target was not running yet when the request came, so it was not halted): halt it again, and ask again.
    let retries = 0;
    for (;;) {
      try {
        await dap.request('configurationDone');
        break;
      } catch (err) {
        if (retries >= 50 || !caps.supportsFunctionBreakpoints || !/debuggee is running/.test((err as Error).message)) throw err;
        retries++;
        await sleep(10);
        await dap.request('setFunctionBreakpoints', { breakpoints: [] });
      }
    }
    await attached;
    return {
      retries,
      detach: async () => {
        await dap.request('disconnect', { terminateDebuggee: false, suspendDebuggee: false }).catch(() => {});
        dap.close();
      },
    };
  };
}

const SAMPLES: Sample[] = [
  {
    runtime: 'node',
    needs: [],
    memoryMb: 256,
    build: () => nodeApp('bench-dbg-node', NODE_SERVER_JS),
    attach: async (h) => {
      const cdp = await inspector(h.host, h.port);
      await cdp.send('Debugger.enable');
      return { detach: async () => cdp.close() };
    },
  },
  {
    runtime: 'java',
    needs: [
      ['javac', 'default-jdk-headless'],
      ['jdb', 'default-jdk-headless'],
    ],
    memoryMb: 1024,
    build: javaApp,
    attach: async (h) => {
      await jdwpAttach(h.host, h.port);
      return { detach: async () => {} }; // VirtualMachine.Dispose detached it
    },
  },
  {
    runtime: 'python',
    needs: [['python3', 'python3']],
    memoryMb: 256,
    build: (dir) => withoutManifest(pythonApp(dir)),
    attach: dapAttach('debugpy', { justMyCode: false }),
  },
  {
    runtime: 'go',
    needs: [
      ['go', 'golang-go'],
      ['dlv', 'delve'],
    ],
    memoryMb: 256,
    build: (dir) => withoutManifest(goApp(dir)),
    attach: dapAttach('go', { request: 'attach', mode: 'remote' }),
  },
];

/** The examples' manifest.yml names hello-*: pushed by name without it, with the memory given here. */
function withoutManifest(dir: string): string {
  rmSync(join(dir, 'manifest.yml'), { force: true });
  return dir;
}

/** `p`, or an error naming `what` after `ms` (a client waiting for an answer that never comes holds no timer: node would just exit). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Milliseconds from `t0` until `url` answers 200 from an instance other than `notGuid` (polled every 5 ms); and that instance. */
async function answered(url: string, notGuid: string | undefined, t0: number, deadlineMs = 120_000): Promise<{ ms: number; guid: string }> {
  for (;;) {
    try {
      const r = await httpGet(url, { timeoutMs: 10_000 });
      const guid = r.status === 200 ? (JSON.parse(r.body) as { guid?: string }).guid : undefined;
      if (guid && guid !== notGuid) return { ms: performance.now() - t0, guid };
    } catch {
      /* not up yet */
    }
    if (performance.now() - t0 > deadlineMs) throw new Error(`${url} did not answer from a new instance within ${deadlineMs} ms`);
    await sleep(5);
  }
}

/** How long ending a session may take: the daemon's 10 s stop grace, and some. */
const END_STUCK_MS = 15_000;

/**
 * Ends the session: the instance restarts without its agent (untimed). True
 * when that hung and the bench had to unblock it: delve 1.20 sometimes
 * ignores SIGTERM, or exits without killing the program it runs, and that
 * program is in a process group of its own (delve makes one), so the
 * supervisor's group SIGKILL misses it; it keeps the instance's output pipes
 * open, so the instance never ends and the DELETE never answers. The
 * program left (found by its CF_INSTANCE_GUID) is killed here, as the
 * foundation itself does not yet.
 */
async function endSession(h: DebugHandle, instanceGuid: string): Promise<boolean> {
  const ended = h.end();
  const done = await Promise.race([ended.then(() => true), sleep(END_STUCK_MS).then(() => false)]);
  if (done) return false;
  const left = processesWithEnv('CF_INSTANCE_GUID', instanceGuid);
  process.stderr.write(`the debug session did not end in ${END_STUCK_MS} ms; killing what instance ${instanceGuid} left: ${left.join(', ') || 'nothing'}\n`);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  await within(30_000, 'the debug session to end', ended);
  return true;
}

interface Row {
  runtime: Runtime;
  bareMs: number;
  debugMs: number;
  ratio: number;
  /** startDebug() returned: the agent listens. */
  listeningMs: number;
  /** From listening to the client's handshake answered. */
  attachMs: number;
  /** From attached to the router's answer from the debugged instance. */
  servingMs: number;
  /** Java: jdb -attach to its first prompt. */
  jdbMs?: number;
  /** DAP: configurationDone refused as "debuggee is running" and asked again, over all runs (see dapAttach). */
  attachRetries?: number;
  /** Sessions whose end hung until the bench killed the program left behind (see endSession). */
  stuckEnds?: number;
  bareRunsMs: number[];
  debugRunsMs: number[];
}

async function bench(s: Session, sample: Sample, work: string, runs: number): Promise<Row> {
  const name = `bench-dbg-${sample.runtime}`;
  const dir = join(work, sample.runtime);
  mkdirSync(dir);
  const appDir = sample.build(dir);
  const [app] = await push(s, { dir: appDir, appName: name, overrides: { memoryMb: sample.memoryMb } }, quiet);
  rmSync(appDir, { recursive: true, force: true }); // pushed; the node app's folder is a temp one of nodeApp's
  const url = app!.urls[0]!;
  let { guid } = await answered(url, undefined, performance.now());
  const bare: number[] = [];
  const debug: number[] = [];
  const listening: number[] = [];
  const attach: number[] = [];
  const serving: number[] = [];
  const jdb: number[] = [];
  let attachRetries = 0;
  let stuckEnds = 0;
  for (let i = 0; i < runs; i++) {
    await sleep(300);
    let t0 = performance.now();
    await s.cc.send('POST', `/v3/apps/${app!.guid}/actions/restart`);
    const b = await answered(url, guid, t0);
    bare.push(b.ms);
    guid = b.guid;

    await sleep(300);
    t0 = performance.now();
    const h = await startDebug(s, name);
    const tListening = performance.now();
    const { detach, retries = 0 } = await within(60_000, `the ${sample.runtime} client to attach`, sample.attach(h));
    const tAttached = performance.now();
    const d = await answered(url, guid, t0);
    debug.push(d.ms);
    listening.push(tListening - t0);
    attach.push(tAttached - tListening);
    serving.push(t0 + d.ms - tAttached);
    guid = d.guid;
    attachRetries += retries;
    await detach();
    if (sample.runtime === 'java') {
      const tj = performance.now();
      const client = await within(60_000, 'jdb to attach', Jdb.attach(h.host, h.port));
      await client.expect(/Initializing jdb[^]*\n> /, 30_000);
      jdb.push(performance.now() - tj);
      await client.quit();
    }
    if (await endSession(h, d.guid)) stuckEnds++;
    guid = (await answered(url, guid, performance.now())).guid;
    process.stderr.write(`${sample.runtime} run ${i + 1}: bare ${Math.round(bare.at(-1)!)} ms, debug ${Math.round(d.ms)} ms\n`);
  }
  const r = (xs: number[]) => Math.round(median(xs));
  return {
    runtime: sample.runtime,
    bareMs: r(bare),
    debugMs: r(debug),
    ratio: Number((median(debug) / median(bare)).toFixed(2)),
    listeningMs: r(listening),
    attachMs: r(attach),
    servingMs: r(serving),
    ...(jdb.length ? { jdbMs: r(jdb) } : {}),
    ...(attachRetries ? { attachRetries } : {}),
    ...(stuckEnds ? { stuckEnds } : {}),
    bareRunsMs: bare.map(Math.round),
    debugRunsMs: debug.map(Math.round),
  };
}

let printed = false;
process.on('exit', (code) => {
  if (code === 0 && !printed) {
    console.error('debug.bench: ended before its result (a promise nothing could settle any more)');
    process.exitCode = 1;
  }
});

async function main() {
  const runs = Number(process.env.BENCH_RUNS) || 5;
  const only = process.env.BENCH_RUNTIMES?.split(',');
  const samples = SAMPLES.filter((x) => !only || only.includes(x.runtime));
  const skipped: Record<string, string> = {};
  const loadBefore = loadavg().map((x) => Number(x.toFixed(2)));
  const rows: Row[] = [];
  const work = join(tmpdir(), `cfpush-bench-debug-${process.pid}`);
  mkdirSync(work);
  try {
    await withLocalFoundation(async ({ s }) => {
      for (const sample of samples) {
        const missing = sample.needs.find(([tool]) => !findTool(tool));
        const why = missing ? `${missing[0]} is not installed (apt-get install ${missing[1]})` : missingAgent(sample.runtime)?.message;
        if (why) {
          skipped[sample.runtime] = why;
          process.stderr.write(`${sample.runtime}: skipped, ${why}\n`);
          continue;
        }
        rows.push(await bench(s, sample, work, runs));
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const result = {
    machine: machine(),
    date: new Date().toISOString(),
    runs,
    loadavg: { before: loadBefore, after: loadavg().map((x) => Number(x.toFixed(2))) },
    rows,
    skipped,
  };
  console.log(JSON.stringify(result, null, 2));
  for (const r of rows)
    console.log(
      `| ${r.runtime} | ${r.bareMs} ms | ${r.debugMs} ms (${r.listeningMs} / ${r.attachMs} / ${r.servingMs}) | **${r.ratio.toFixed(2)}** |${r.jdbMs ? ` jdb: ${r.jdbMs} ms |` : ' |'}`,
    );
  saveResult('debug', result);
  printed = true;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
