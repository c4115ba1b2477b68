// logs APP [--recent]: as `cf logs` does — a header, then either the recent
// logs or the live stream until Ctrl-C, in the cf CLI's line format.
import { formatCfLog, recentLogs, retrievingHeader } from '../../core/push/log-stream';
import { followLogs } from '../../core/push/logs';
import { findApp } from '../../core/push/steps';
import { need, parse, spec } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const LOGS = spec({
  name: 'logs',
  args: 'APP',
  summary: "Show an app's logs",
  flags: { recent: { type: 'boolean', help: 'Print the recent lines and exit (default: follow until Ctrl-C)' } },
});

export const logsCmd: Command = async (argv) => {
  const usage = LOGS;
  const { values, positionals } = parse(argv, usage);
  const s = await session(terminalReporter(false));
  const app = await findApp(s, need(positionals[0], 'APP', usage));
  console.log(`${await retrievingHeader(s, app.name)}\n`);
  if (values.recent) {
    for (const l of await recentLogs(s, app.guid)) for (const line of formatCfLog(l)) console.log(line);
    return;
  }
  const stream = await followLogs(s, app.guid, (l) => {
    for (const line of formatCfLog(l)) console.log(line);
  });
  const interrupted = new Promise<void>((res) => {
    process.once('SIGINT', () => res());
    process.once('SIGTERM', () => res());
  });
  await Promise.race([interrupted, stream.ended]);
  await stream.stop();
};
