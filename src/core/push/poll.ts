// Polling with a short first interval (the local foundation answers in
// milliseconds) that backs off to the cf CLI's gentler pace for real CFs.
import { CfPushError, cancelledError } from '../errors';

// ~25 polls in the first second (5 ms apart at first: a local staging or start ends within
// ~100 ms, and every ms waited past it is the user's), then the cf CLI's 3 s cadence by ~10 s.
const STEPS = [5, 5, 5, 5, 10, 10, 15, 15, 20, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000, 3000];
/** Short intervals only in a wait's first second; after it, never more than 4 polls a second (CC rate limits count requests). */
export const FAST_PHASE_MS = 1000;
export const MIN_INTERVAL_AFTER_MS = 250;

export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  opts: { what: string; timeoutMs: number; signal?: AbortSignal; hint?: string },
): Promise<T> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (let i = 0; ; i++) {
    throwIfAborted(opts.signal);
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new CfPushError(`Timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what}.`, {
        code: 'Timeout',
        hint: opts.hint,
      });
    }
    const step = STEPS[Math.min(i, STEPS.length - 1)]!;
    await sleep(Date.now() - started < FAST_PHASE_MS ? step : Math.max(step, MIN_INTERVAL_AFTER_MS), opts.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelledError();
}

/** cf CLI defaults, overridable the same way (cf-reference.md §1.1). */
export const STAGING_TIMEOUT_MS = (Number(process.env.CF_STAGING_TIMEOUT) || 15) * 60_000;
export const STARTUP_TIMEOUT_MS = (Number(process.env.CF_STARTUP_TIMEOUT) || 5) * 60_000;
