// The foundation's own diagnostics (foundation.log when it runs as a daemon).
// Text is written as is: a request path like `/v3/apps/%ff` must never be
// read as a printf format (console.error's first argument is one).
import { inspect } from 'node:util';

function line(text: string): void {
  process.stderr.write(`${new Date().toISOString()} [foundation] ${text}\n`);
}

export function logWarning(text: string): void {
  line(text);
}

/** Progress worth finding later (a service server initialised, started). */
export function logInfo(text: string): void {
  line(text);
}

export function logError(context: string, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : inspect(err);
  line(`${context}: ${detail}`);
}
