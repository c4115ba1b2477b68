// Asynchronous operations as CC jobs: 202 + Location, then COMPLETE/FAILED.
import type { Foundation } from './context';
import { ApiError, send, type Ctx } from './http';
import { meta, type JobRec } from './store';

/**
 * Runs `work` as a job and answers 202 with its Location; a thrown ApiError
 * fails the job. Quick work finishes before the answer so the client's first
 * poll already sees COMPLETE (the cf CLI otherwise waits 3 s).
 */
export async function runJob(c: Ctx, operation: string, work: (job: JobRec) => Promise<void>, resource: string | null = null): Promise<void> {
  const job = startJob(c.f, operation, resource);
  const done = finishJob(c.f, job, work);
  await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref())]);
  send(c.res, 202, undefined, { location: `${c.f.apiUrl}/v3/jobs/${job.guid}` });
  await done;
}

export function startJob(f: Foundation, operation: string, resource: string | null): JobRec {
  return f.store.put('jobs', { ...meta(), operation, state: 'PROCESSING', errors: [], warnings: [], resource });
}

export async function finishJob(f: Foundation, job: JobRec, work: (job: JobRec) => Promise<void>): Promise<void> {
  try {
    await work(job);
    job.state = 'COMPLETE';
  } catch (err) {
    job.state = 'FAILED';
    const e = err instanceof ApiError ? err : new ApiError(500, 10001, 'UnknownError', (err as Error)?.message ?? String(err));
    job.errors = e.body().errors;
  }
  f.store.touch(job);
}
