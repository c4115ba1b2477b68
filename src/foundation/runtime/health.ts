// Diego's health checks (cf-reference.md §4.2), the same for every runtime:
// a process's `health_check` becomes a probe (`port`: a TCP connect, `http`:
// GET answering 200, `process`: none, alive is healthy) against the address
// the runtime names. At start the probe runs until it passes or the process
// `timeout` (the startup grace) runs out; once RUNNING the same probe runs
// every interval, and one failure means the instance is unhealthy. What to
// do about a failure (log it, kill the process, crash the instance) is the
// supervisor's; this file only decides healthy or not, and why not.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '../store';

/** Where a probe connects. */
export interface Address {
  host: string;
  port: number;
}

/** One health check: undefined = healthy, else why not (Diego's wording). */
export type Probe = () => Promise<string | undefined>;

const DEFAULT_HEALTH_TIMEOUT_S = 60;
const DEFAULT_INVOCATION_TIMEOUT_S = 1;

/** The check a process's health_check describes, or undefined for `process` (alive is healthy). */
export function probeFor(hc: HealthCheck, at: () => Address): Probe | undefined {
  const timeoutMs = (hc.data.invocation_timeout ?? DEFAULT_INVOCATION_TIMEOUT_S) * 1000;
  if (hc.type === 'process') return undefined;
  if (hc.type === 'http') return () => httpCheck(at(), hc.data.endpoint || '/', timeoutMs);
  return () => portCheck(at(), timeoutMs);
}

/** The startup grace: the process `timeout` (Diego: 60 s). */
export function startupTimeoutMs(hc: HealthCheck): number {
  return (hc.data.timeout ?? DEFAULT_HEALTH_TIMEOUT_S) * 1000;
}

/**
 * Probes until healthy, until `running()` turns false, or until `timeoutMs` has
 * passed; resolves the last failure on a timeout, else undefined (the caller
 * asks `running()` to tell healthy from gone).
 */
export async function untilHealthy(probe: Probe, timeoutMs: number, running: () => boolean): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  // Every 5 ms in the first second (most apps listen within ~100 ms, and a probe of a port nobody
  // listens on costs a refused connect), then backing off to 500 ms.
  const fastUntil = Date.now() + 1000;
  let wait = 5;
  let failure: string | undefined;
  while (running() && (failure = await probe()) !== undefined) {
    if (Date.now() >= deadline) return failure;
    await sleep(Math.min(wait, Math.max(1, deadline - Date.now())));
    if (Date.now() >= fastUntil) wait = Math.min(500, wait * 1.5);
  }
  return undefined;
}

/**
 * Once RUNNING: the probe every `health_check.data.interval` (else
 * `defaultEveryMs`) while `healthy()` holds; the first failure goes to
 * `unhealthy` and ends the watch (Diego). Returns a function that ends it.
 */
export function watchLiveness(hc: HealthCheck, probe: Probe, defaultEveryMs: number, healthy: () => boolean, unhealthy: (failure: string) => void): () => void {
  const everyMs = hc.data.interval ? hc.data.interval * 1000 : defaultEveryMs;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(async () => {
      timer = undefined;
      if (!healthy()) return;
      const failure = await probe();
      if (!healthy()) return;
      if (failure === undefined) return schedule();
      unhealthy(failure);
    }, everyMs);
    timer.unref();
  };
  schedule();
  return () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}

/** Diego's port check: a TCP connect within the invocation timeout. */
function portCheck({ host, port }: Address, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (why: string | undefined) => {
      s.destroy();
      resolve(why);
    };
    s.setTimeout(timeoutMs, () => done(`Failed to make TCP connection to port ${port}: timed out after ${timeoutMs / 1000}s`));
    s.once('connect', () => done(undefined));
    s.once('error', (err: NodeJS.ErrnoException) =>
      done(`Failed to make TCP connection to port ${port}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`),
    );
  });
}

/** Diego's http check: GET on the first port must answer 200 within the invocation timeout. */
function httpCheck({ host, port }: Address, path: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(why);
    };
    const req = request({ host, port, path, agent: false, headers: { 'user-agent': 'diego-healthcheck' } }, (res) => {
      res.resume();
      done(res.statusCode === 200 ? undefined : `Failed to make HTTP request to '${path}' on port ${port}: received status code ${res.statusCode}`);
    });
    const timer = setTimeout(() => done(`Failed to make HTTP request to '${path}' on port ${port}: timed out after ${timeoutMs / 1000}s`), timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) =>
      done(`Failed to make HTTP request to '${path}' on port ${port}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`),
    );
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
