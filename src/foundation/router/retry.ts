// When the router sends a request again, and what a failure says about the
// endpoint, as gorouter classifies backend errors (fails/classifier_group.go,
// proxy/round_tripper): a dial error is always retried (nothing was sent); a
// connection that ends before any response is retried only for a request
// that may be sent twice (idempotent method or an Idempotency-Key, no body).
// Kept apart so the whole policy reads in one place; the Exchange only asks.
import type { RequestHead } from './wire';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** An idempotent method, or a request that says it is with (X-)Idempotency-Key. */
export function isIdempotent(req: RequestHead): boolean {
  if (IDEMPOTENT.has(req.method)) return true;
  return req.idempotencyKey;
}

/**
 * Idempotent and without a body: may be sent again after a connection ended
 * before any answer. A request that is not only reuses recently active
 * keep-alive connections (Exchange.send).
 */
export function replayable(req: RequestHead): boolean {
  return req.contentLength <= 0 && !req.chunked && isIdempotent(req);
}

/** What to do when a backend connection closed before any response to a request (bits of classifyClose's result). */
export const enum Failure {
  /** Send the request again (up to maxAttempts). */
  Retry = 1,
  /** Skip the endpoint for failedCooldownMs (gorouter: dial errors, and a fresh connection cut). */
  MarkFailed = 2,
  /** The retry may go to the same endpoint (a stale keep-alive socket, or a batch-mate's failure). */
  SameEndpoint = 4,
}

/**
 * Classifies the close of a backend connection before any response to this
 * request. `connected`: the dial succeeded; `reused`: the connection had served
 * a request before (the app may just have closed it); `behind`: an earlier
 * request of the same batch was still being answered; `untouched`: no
 * response byte came and no body byte went.
 */
export function classifyClose(connected: boolean, reused: boolean, behind: boolean, untouched: boolean, req: RequestHead): number {
  const dialError = !connected;
  let f = 0;
  if (dialError || (!behind && !reused)) f |= Failure.MarkFailed;
  if (dialError || (untouched && replayable(req))) f |= Failure.Retry;
  if ((reused || behind) && !dialError) f |= Failure.SameEndpoint;
  return f;
}
