// A read of something about to change (a build STAGING, a job PROCESSING, a
// process whose instances are all STARTING) waits up to HOLD_MS for the
// change before answering. The answer is what CC would give a moment later;
// clients that poll every few seconds (the cf CLI: 3 s) see it on their first
// request instead of their second. A finished build waits, up to
// LOG_CATCH_UP_MS more, for clients polling its logs: the cf CLI reads them 2 s
// behind the present (walkDelay) and stops once the build is done.
const HOLD_MS = 2000;
export const LOG_CATCH_UP_MS = 3000;
// The condition is a look at memory, so checking often is cheap, and a push waits on two holds (build, stats).
const STEP_MS = 2;

/** Resolves once `changing()` is false, or after `maxMs`. */
export async function holdWhile(changing: () => boolean, maxMs = HOLD_MS): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (changing() && Date.now() < deadline) await new Promise((r) => setTimeout(r, STEP_MS));
}
