// traffic APP [APP...] [--watch] [--json] [--seconds N]: requests per second
// and error responses per instance over the last minute, and route moves,
// from the router's counters (local foundation) or log-cache RTR lines
// (src/core/traffic). --watch redraws every second until Ctrl-C; with --json
// it prints one JSON document per line (NDJSON) each second.
import { findApp } from '../../core/push/steps';
import { ratePerSecond, TrafficReader, type RouteMarker, type TrafficReport, type TrafficResult } from '../../core/traffic';
import { parse, spec, usageError } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';

/** "req/s now" is the mean of the last few complete seconds (one second is too jumpy to read). */
const NOW_SECONDS = 5;

export interface TrafficSummaryApp {
  guid: string;
  name: string;
  requests: number;
  errors_5xx: number;
  errors_4xx: number;
  /** Mean req/s over the whole period. */
  rps: number;
  /** Mean req/s over the last 5 complete seconds. */
  rps_now: number;
  instances: { index: number; requests: number; errors_5xx: number; errors_4xx: number; rps: number; rps_now: number }[];
  series: TrafficReport['apps'][number]['series'];
}

export type TrafficSummary =
  | {
      available: true;
      source: TrafficReport['source'];
      from: number;
      to: number;
      seconds: number;
      apps: TrafficSummaryApp[];
      unrouted: { host: string; requests: number; errors_5xx: number; errors_4xx: number }[];
      markers: RouteMarker[];
    }
  | { available: false; reason: string; message: string };

export function summarize(res: TrafficResult): TrafficSummary {
  if (!res.available) return { available: false, reason: res.reason, message: res.message };
  const r = res.report;
  const seconds = Math.round((r.to - r.from) / r.bucket_ms);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    available: true,
    source: r.source,
    from: r.from,
    to: r.to,
    seconds,
    apps: r.apps.map((a) => ({
      guid: a.guid,
      name: a.name,
      ...a.totals,
      rps: round(ratePerSecond(a.series, seconds)),
      rps_now: round(ratePerSecond(a.series, NOW_SECONDS)),
      instances: a.instances.map((i) => ({
        index: i.index,
        ...i.totals,
        rps: round(ratePerSecond(i.series, seconds)),
        rps_now: round(ratePerSecond(i.series, NOW_SECONDS)),
      })),
      series: a.series,
    })),
    unrouted: r.unrouted.map((h) => ({ host: h.host, ...h.totals })),
    markers: r.markers,
  };
}

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function render(s: TrafficSummary, names: string[]): void {
  if (!s.available) {
    console.log(s.message);
    return;
  }
  const from = s.source === 'router' ? 'router counters' : 'log-cache RTR access lines';
  console.log(`Traffic of ${names.join(', ')} (${from}, last ${s.seconds} s, until ${clock(s.to).slice(0, 8)})\n`);
  const rows: string[][] = [];
  for (const a of s.apps) {
    for (const i of a.instances) {
      rows.push([a.name, `#${i.index}`, i.rps_now.toFixed(1), i.rps.toFixed(1), String(i.requests), String(i.errors_5xx), String(i.errors_4xx)]);
    }
    rows.push([a.name, 'all', a.rps_now.toFixed(1), a.rps.toFixed(1), String(a.requests), String(a.errors_5xx), String(a.errors_4xx)]);
  }
  table(['app', 'instance', `req/s (last ${NOW_SECONDS} s)`, `req/s (${s.seconds} s)`, 'requests', '5xx', '4xx'], rows);
  if (s.unrouted.length) {
    console.log('\nAnswered by the router, no app reached:');
    for (const h of s.unrouted) console.log(`  ${h.host}: ${h.requests} requests (${h.errors_4xx} 4xx, ${h.errors_5xx} 5xx)`);
  }
  console.log(s.markers.length ? '\nRoute moves:' : '\nNo route moves.');
  for (const m of s.markers) {
    const what = [...m.added.map((a) => `+${a.name}`), ...m.removed.map((a) => `-${a.name}`)].join(' ');
    console.log(`  ${clock(m.time)}  ${m.url}  ${what}`);
  }
}

export const TRAFFIC = spec({
  name: 'traffic',
  args: 'APP [APP...]',
  summary: 'Requests and errors per instance, and route moves (--watch)',
  flags: {
    watch: { type: 'boolean', short: 'w', help: 'Refresh every second until Ctrl-C' },
    seconds: { type: 'string', arg: 'N', help: 'Window the counts cover, 1-600 (default 60)' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const trafficCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, TRAFFIC);
  if (!positionals.length) throw usageError('APP is required.', TRAFFIC);
  const seconds = values.seconds === undefined ? 60 : Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
    throw usageError('--seconds must be a whole number from 1 to 600.', TRAFFIC);
  }
  const json = !!values.json;
  const s = await session(terminalReporter(json));
  const apps = await Promise.all(positionals.map((n) => findApp(s, n)));
  const reader = new TrafficReader(s);
  const once = async () =>
    summarize(
      await reader.read(
        apps.map((a) => a.guid),
        Date.now() - seconds * 1000,
      ),
    );
  if (!values.watch) {
    const sum = await once();
    if (json) console.log(JSON.stringify(sum, null, 2));
    else
      render(
        sum,
        apps.map((a) => a.name),
      );
    return;
  }
  let stopped = false;
  let wake = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = process.stdout.isTTY;
  while (!stopped) {
    const sum = await once();
    if (json) console.log(JSON.stringify(sum));
    else {
      if (tty) process.stdout.write('\x1b[H\x1b[2J');
      else console.log('');
      render(
        sum,
        apps.map((a) => a.name),
      );
    }
    if (!sum.available) break; // nothing will appear by waiting
    // Wake just after the next whole second, when a new bucket is complete.
    await new Promise<void>((r) => {
      const t = setTimeout(r, 1000 - (Date.now() % 1000) + 20);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
};
