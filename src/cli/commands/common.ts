import { openSession } from '../../core/targets';
import { localFoundation } from '../../foundation/access';
import type { Reporter } from '../../core/push';
import type { Session } from '../../core/session';

export type Command = (argv: string[]) => Promise<void>;

/** The CLI never starts the local foundation by itself: it says how (the extension starts it on demand). */
export function session(r: Reporter): Promise<Session> {
  return openSession({ target: process.env.CFPUSH_TARGET || undefined, local: localFoundation, onWarning: (w) => r.warn(w) });
}
