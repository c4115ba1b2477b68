// run-task, tasks, terminate-task: the cf CLI's names and flags (its
// `--command` also as a second argument, as cf v6 took it).
import { appTasks, runTask, terminateTask } from '../../core/push';
import { megabytes, need, parse, spec, usageError } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';

export const RUN_TASK = spec({
  name: 'run-task',
  args: 'APP [COMMAND]',
  summary: "Run a one-off task from an app's droplet",
  flags: {
    command: { type: 'string', short: 'c', arg: 'COMMAND', help: "The command to run (default: the --process type's command)" },
    name: { type: 'string', arg: 'NAME', help: 'A name for the task' },
    memory: { type: 'string', short: 'm', arg: 'MEMORY', help: 'Memory limit (256M, 1G)' },
    disk: { type: 'string', short: 'k', arg: 'DISK', help: 'Disk limit (256M, 1G)' },
    process: { type: 'string', arg: 'TYPE', help: 'Process type whose command and limits the task takes' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const runTaskCmd: Command = async (argv) => {
  const usage = RUN_TASK;
  const { values, positionals } = parse(argv, usage);
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

export const TASKS = spec({
  name: 'tasks',
  args: 'APP',
  summary: "List an app's tasks",
  flags: { json: { type: 'boolean', help: 'Print the result as JSON' } },
});

export const tasksCmd: Command = async (argv) => {
  const usage = TASKS;
  const { values, positionals } = parse(argv, usage);
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

export const TERMINATE_TASK = spec({
  name: 'terminate-task',
  args: 'APP TASK_ID',
  summary: 'Cancel a running task',
  flags: { json: { type: 'boolean', help: 'Print the cancelled task as JSON' } },
});

export const terminateTaskCmd: Command = async (argv) => {
  const usage = TERMINATE_TASK;
  const { values, positionals } = parse(argv, usage);
  const appName = need(positionals[0], 'APP', usage);
  const id = Number(need(positionals[1], 'TASK_ID', usage));
  if (!Number.isInteger(id) || id < 1) throw usageError(`TASK_ID '${positionals[1]}' must be a positive integer.`, usage);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Terminating task ${id} of app ${appName} in org ${s.org.name} / space ${s.space.name}...`);
  const task = await terminateTask(s, appName, id);
  if (values.json) return console.log(JSON.stringify({ app: appName, task }, null, 2));
  console.log('OK');
};
