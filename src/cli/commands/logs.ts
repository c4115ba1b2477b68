// logs APP [--recent]: log-cache reads, as `cf logs` does.
import { followLogs, formatLogLine, readLogs } from '../../core/push/logs';
import { findApp } from '../../core/push/steps';
import { need, parse } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const logsCmd: Command = async (argv) => {
  const usage = 'cfpush logs APP [--recent]';
  const { values, positionals } = parse(argv, { recent: { type: 'boolean' } }, usage);
  const s = await session(terminalReporter(false));
  const app = await findApp(s, need(positionals[0], 'APP', usage));
  if (values.recent) {
    for (const l of await readLogs(s, app.guid, 0n)) console.log(formatLogLine(l));
    return;
  }
  const stop = followLogs(s, app.guid, (l) => console.log(formatLogLine(l)));
  await new Promise<void>((res) => process.once('SIGINT', () => res()));
  await stop();
};

