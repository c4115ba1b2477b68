// run-task, tasks, terminate-task: the cf CLI's names and flags (its
// `--command` also as a second argument, as cf v6 took it).
import { CfPushError } from '../../core/errors';
import { appTasks, runTask, terminateTask } from '../../core/push';
import { megabytes, need, parse } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';

export const runTaskCmd: Command = async (argv) => {
  const usage = 'cfpush run-task APP [COMMAND | -c COMMAND] [--name NAME] [-m MEMORY] [-k DISK] [--process TYPE] [--json]';
  const { values, positionals } = parse(
    argv,
    {
      command: { type: 'string', short: 'c' },
      name: { type: 'string' },
      memory: { type: 'string', short: 'm' },
      disk: { type: 'string', short: 'k' },
      process: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
  );
  const appName = need(positionals[0], 'APP', usage);
  const r = terminalReporter(!!values.json);
  const s = await session(r);
  if (!values.json) console.log(`Creating task for app ${appName} in org ${s.org.name} / space ${s.space.name}...`);
  const task = await runTask(s, appName, {
    command: values.command ?? positionals[1],
    name: values.name,
    memoryMb: megabytes(values.memory, '-m', usage),
    diskMb: megabytes(values.disk, '-k', usage),
    process: values.process,
  });
  if (values.json) return console.log(JSON.stringify({ task }, null, 2));
  console.log(`Task has been submitted successfully for execution.\nOK\n\ntask name:   ${task.name}\ntask id:     ${task.sequence_id}`);
};

export const tasksCmd: Command = async (argv) => {
  const usage = 'cfpush tasks APP [--json]';
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
  const appName = need(positionals[0], 'APP', usage);
  const s = await session(terminalReporter(!!values.json));
  const tasks = await appTasks(s, appName);
  if (values.json) return console.log(JSON.stringify({ app: appName, tasks }, null, 2));
  console.log(`Getting tasks for app ${appName} in org ${s.org.name} / space ${s.space.name}...\n`);
  if (tasks.length === 0) return console.log('No tasks found for application.');
  table(
    ['id', 'name', 'state', 'start time', 'command', 'failure reason'],
    tasks.map((t) => [String(t.sequence_id), t.name, t.state, new Date(t.created_at).toUTCString(), t.command || '[hidden]', t.result?.failure_reason ?? '']),
  );
};

export const terminateTaskCmd: Command = async (argv) => {
  const usage = 'cfpush terminate-task APP TASK_ID';
  const { positionals } = parse(argv, {}, usage);
  const appName = need(positionals[0], 'APP', usage);
  const id = Number(need(positionals[1], 'TASK_ID', usage));
  if (!Number.isInteger(id) || id < 1)
    throw new CfPushError(`Incorrect usage: TASK_ID '${positionals[1]}' must be a positive integer.`, { hint: `Usage: ${usage}` });
  const s = await session(terminalReporter(false));
  console.log(`Terminating task ${id} of app ${appName} in org ${s.org.name} / space ${s.space.name}...`);
  await terminateTask(s, appName, id);
  console.log('OK');
};
