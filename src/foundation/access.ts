// How the CLI and the extension reach the local foundation through core's
// `openSession` (core/targets.ts): find it in its data dir, start it as a
// daemon when asked. Core gets this from its caller, never by importing it.
import { cliEntry } from '../core/paths';
import type { LocalFoundation } from '../core/targets';
import { daemonStatus, startDaemon, stopDaemon, unresponsiveError } from './daemon';

export const localFoundation: LocalFoundation = {
  status: (dataDir) => daemonStatus(dataDir),
  start: async (o) => {
    await startDaemon({ ...o, cliPath: cliEntry() });
  },
  unresponsiveError: (st) => unresponsiveError({ running: true, ...st }),
  stop: (dataDir) => stopDaemon(dataDir),
};
