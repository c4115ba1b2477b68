// A read of something about to change (a job PROCESSING, a process whose
// instances are all STARTING) waits up to HOLD_MS for the change before
// answering. The answer is what CC would give a moment later; clients that
// poll every few seconds (the cf CLI: 3 s) see it on their first request
// instead of their second. Builds are not held: the cf CLI stops reading
// staging logs once the build is done, and its log reads come every 2 s.
const HOLD_MS = 2000;
const STEP_MS = 25;

/** Resolves once `changing()` is false, or after `maxMs`. */
export async function holdWhile(changing: () => boolean, maxMs = HOLD_MS): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (changing() && Date.now() < deadline) await new Promise((r) => setTimeout(r, STEP_MS));
}
