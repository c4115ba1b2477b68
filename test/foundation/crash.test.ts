// Crash-loop acceptance: on a real daemon (`cfpush foundation start`, back-off
// shrunk through CFPUSH_CRASH_BACKOFF_MS / _MAX_MS), an app that exits at once
// is restarted with growing gaps, shows CRASHED in /stats, and the
// foundation's own CPU (from /proc/<pid>/stat) stays low while it loops.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { cleanup, nodeApp, until } from './helpers';
import { cpuTicks, daemonApi, killMarked, okCli, readLines, runCli, snapshotCli, stageAndStart, stats, waitLine } from './supervisor-helpers';

const BACKOFF_MS = 400;
const MAX_BACKOFF_MS = 1600;
const WINDOW_MS = 4000;

describe('crash loop', { timeout: 120_000 }, () => {
  let c: CliEnv;
  let cli: string;
  let dir: string;
  before(async () => {
    cli = await snapshotCli();
    c = await cliEnv();
    c.env.CFPUSH_CRASH_BACKOFF_MS = String(BACKOFF_MS);
    c.env.CFPUSH_CRASH_BACKOFF_MAX_MS = String(MAX_BACKOFF_MS);
    await okCli(cli, c.env, ['foundation', 'start'], c.home);
    dir = nodeApp('looper', `console.log('up for a moment'); process.exit(1);`);
  });
  after(async () => {
    if (c) await runCli(cli, c.env, ['foundation', 'stop'], c.home);
    if (c) killMarked(join(c.home, 'foundation'));
    await c?.cleanup();
    if (cli) cleanup(join(cli, '..', '..'));
    if (dir) cleanup(dir);
  });

  test('an app that exits at once: back-off, CRASHED, and the foundation stays idle (< 5 % CPU)', async () => {
    const dataDir = join(c.home, 'foundation');
    const info = JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8')) as { pid: number; apiUrl: string };
    const api = await daemonApi(info.apiUrl, dataDir);
    const { app, web } = await stageAndStart(api, 'looper', dir, '  command: node server.js\n  no-route: true\n');

    // Past the 3 immediate restarts, into the back-off.
    await waitLine(api, app.guid, (l) => l.text === `Crashed 4 times; restarting in ${BACKOFF_MS}ms`, 30_000, '4th crash');
    const crashed = await until(async () => (await stats(api, web.guid)).find((s) => s.state === 'CRASHED'), 10_000, 'CRASHED in /stats', 20);
    assert.match(crashed.details, /APP\/PROC\/WEB: Exited with status 1/);
    assert.equal(crashed.uptime, 0);

    const launches = async () => (await readLines(api, app.guid)).filter((l) => l.source === 'CELL' && /creating container/.test(l.text));
    const before = (await launches()).length;
    const t0 = Date.now();
    const ticks0 = cpuTicks(info.pid);
    // The measurement window: the test stays off the foundation's back.
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const ticks1 = cpuTicks(info.pid);
    const seconds = (Date.now() - t0) / 1000;
    const cpu = (ticks1 - ticks0) / 100 / seconds;
    const during = (await launches()).length - before;
    assert.ok(during >= 1, `the app was still being restarted during the window (${during} launches)`);
    assert.ok(cpu < 0.05, `foundation CPU while crash-looping: ${(cpu * 100).toFixed(2)} %`);

    // The gaps between launches grow (immediate, immediate, immediate, then 400, 800, 1600 ms...).
    const times = (await launches()).map((l) => Number(l.ns / 1_000_000n));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(gaps.length >= 5, `gaps: ${gaps.join(', ')}`);
    assert.ok(Math.max(...gaps.slice(0, 3)) < BACKOFF_MS, `the first 3 restarts are immediate: ${gaps.join(', ')}`);
    assert.ok(gaps[3]! >= BACKOFF_MS && gaps[4]! >= 2 * BACKOFF_MS, `then back-off doubles: ${gaps.join(', ')}`);
    const lines = await readLines(api, app.guid);
    assert.ok(lines.some((l) => l.text === `Crashed 5 times; restarting in ${2 * BACKOFF_MS}ms`));
    assert.ok(lines.some((l) => l.source === 'API' && /"reason"=>"CRASHED".*"crash_count"=>5/.test(l.text)));
  });
});
