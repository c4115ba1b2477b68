// Asynchronous operations as CC jobs: 202 + Location, then COMPLETE/FAILED
// (POLLING between, while a service broker's operation runs).
import type { Foundation } from './context';
import { ApiError, isStorageFailure, notSaved, send, type Ctx } from './http';
import { meta, type JobRec } from './store';

/** How long the 202 waits for quick work, so a client's first poll already sees the outcome. */
const QUICK_MS = 2000;

/**
 * Runs `work` as a job (PROCESSING → COMPLETE, or FAILED with CC's error
 * entries) and answers 202 with its Location. Work that ends within QUICK_MS
 * is done before the answer (the cf CLI would otherwise wait 3 s to poll
 * again); longer work goes on after the 202 and the job shows PROCESSING.
 * `body` is what the 202 carries besides (CC answers a buildpack upload with
 * the buildpack).
 */
export async function runJob(
  c: Ctx,
  operation: string,
  work: (job: JobRec) => Promise<void>,
  resource: string | null = null,
  headers: Record<string, string> = {},
  body?: () => unknown,
): Promise<void> {
  const job = startJob(c.f, operation, resource);
  // A job that starts waiting on a broker answers at once: the cf CLI stops polling at POLLING.
  const polling = new Promise<void>((r) => pollingWaiters.set(job.guid, r));
  const done = finishJob(c.f, job, work);
  await Promise.race([done, polling, new Promise((r) => setTimeout(r, QUICK_MS).unref())]);
  pollingWaiters.delete(job.guid);
  send(c.res, 202, body?.(), { location: `${c.f.apiUrl}/v3/jobs/${job.guid}`, ...headers });
  await done;
}

const pollingWaiters = new Map<string, () => void>();

/** The job now waits on a broker's asynchronous operation (CC's POLLING); a poller restarts it after a foundation restart. */
export function markPolling(f: Foundation, job: JobRec, polls: NonNullable<JobRec['polls']>): void {
  job.state = 'POLLING';
  job.polls = polls;
  f.store.touch(job);
  pollingWaiters.get(job.guid)?.();
}

export function startJob(f: Foundation, operation: string, resource: string | null): JobRec {
  return f.store.put('jobs', { ...meta(), operation, state: 'PROCESSING', errors: [], warnings: [], resource });
}

export async function finishJob(f: Foundation, job: JobRec, work: (job: JobRec) => Promise<void>): Promise<void> {
  const failuresAtStart = f.store.failures;
  try {
    await work(job);
    // The work's changes must be on disk before the job says COMPLETE (a failed write took them back).
    await f.store.flush();
    if (f.store.failures !== failuresAtStart) throw notSaved(f.store.lastError, f.store.dataDir);
    job.state = 'COMPLETE';
    delete job.polls;
  } catch (err) {
    job.state = 'FAILED';
    const e =
      err instanceof ApiError
        ? err
        : isStorageFailure(err)
          ? notSaved(err, f.store.dataDir)
          : new ApiError(500, 10001, 'UnknownError', (err as Error)?.message ?? String(err));
    job.errors = e.body().errors;
    delete job.polls;
  }
  f.store.touch(job);
}
