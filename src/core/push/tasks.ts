// run-task, tasks and terminate-task as the cf CLI's v7action task.go does
// them, so cfpush and the cf CLI see the same tasks: with no command the task
// runs the app's `task` process (its command) as a template, `--process`
// names another; a task is found by its per-app sequence id.
import type { CcTask } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import { pollUntil } from './poll';
import { findApp } from './steps';

export interface RunTask {
  command?: string;
  name?: string;
  memoryMb?: number;
  diskMb?: number;
  /** The process whose command (and limits) the task takes; `task` when no command is given. */
  process?: string;
}

export async function runTask(session: Session, appName: string, o: RunTask): Promise<CcTask> {
  const app = await findApp(session, appName);
  const type = o.process ?? (o.command ? undefined : 'task');
  const template = type ? await session.cc.apps.process(app.guid, type) : undefined;
  return session.cc.tasks.create(app.guid, {
    command: o.command,
    name: o.name,
    memory_in_mb: o.memoryMb,
    disk_in_mb: o.diskMb,
    templateProcessGuid: template?.guid,
  });
}

/** The app's tasks, newest (highest sequence id) first, as `cf tasks` lists them. */
export async function appTasks(session: Session, appName: string): Promise<CcTask[]> {
  const app = await findApp(session, appName);
  return (await session.cc.tasks.forApp(app.guid)).sort((a, b) => b.sequence_id - a.sequence_id);
}

export async function terminateTask(session: Session, appName: string, sequenceId: number): Promise<CcTask> {
  const app = await findApp(session, appName);
  const [task] = await session.cc.tasks.forApp(app.guid, sequenceId);
  if (!task)
    throw new CfPushError(`Task sequence ID ${sequenceId} not found.`, {
      code: 'CF-ResourceNotFound',
      hint: `See the app's tasks with \`cfpush tasks ${appName}\`.`,
    });
  return session.cc.tasks.cancel(task.guid);
}

/** Waits for a task to end (SUCCEEDED or FAILED): what `cf run-task --wait` would be. */
export function waitForTask(session: Session, guid: string, signal?: AbortSignal, timeoutMs = 60 * 60_000): Promise<CcTask> {
  return pollUntil(
    () => session.cc.tasks.get(guid),
    (t) => t.state === 'SUCCEEDED' || t.state === 'FAILED',
    { what: 'the task to finish', timeoutMs, signal, hint: 'It keeps running on the target: follow it with `cfpush tasks APP` and `cfpush logs APP`.' },
  );
}
