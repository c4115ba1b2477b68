// Tasks (`cf run-task`, `cf tasks`, `cf terminate-task`): /v3/apps/:guid/tasks
// and /v3/tasks as CC's TasksController answers them (create 202, lists
// without the command, cancel 202 with the task CANCELING, the legacy
// `PUT /v3/tasks/:guid/cancel` the cf CLI uses); tasks.ts runs them.
import { randomBytes } from 'node:crypto';
import { appTarget, recordEvent } from '../events';
import { filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { DEFAULT_MB, getApp } from '../model';
import type { DropletRec, ProcessRec, TaskRec } from '../store';
import { isTerminal } from '../tasks';
import { requireFlag } from './platform';

/** CC's maximum_app_disk_in_mb default. */
const MAX_DISK_MB = 2048;
/** CC's TaskModel::COMMAND_MAX_LENGTH. */
const COMMAND_MAX = 4096;

function positiveInt(v: unknown, label: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v)) throw unprocessable(`${label} must be an integer`);
  if ((v as number) < 1) throw unprocessable(`${label} must be greater than 0`);
  return v as number;
}

function optionalString(v: unknown, label: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw unprocessable(`${label} must be a string`);
  return v;
}

/** The droplet a task runs: the one asked for (the app's own), else the app's current one. */
function dropletFor(c: Ctx, appGuid: string, current: string | null, asked: string | undefined): DropletRec {
  if (asked !== undefined) {
    const d = c.f.store.get('droplets', asked);
    if (!d || d.app_guid !== appGuid) throw notFound('Droplet');
    return d;
  }
  const d = c.f.store.get('droplets', current);
  if (!d) throw unprocessable('Task must have a droplet. Specify droplet or assign current droplet to app.');
  return d;
}

/** CC's TaskCreate: the command asked for, else the template process's (given or detected); its memory and disk, else the defaults. */
async function create(c: Ctx): Promise<void> {
  requireFlag(c.f, 'task_creation');
  const body = await readJson(c);
  rejectUnknown(body, ['name', 'command', 'disk_in_mb', 'memory_in_mb', 'log_rate_limit_in_bytes_per_second', 'droplet_guid', 'template', 'metadata']);
  const name = optionalString(body.name, 'Name');
  let command = optionalString(body.command, 'Command');
  const memory = positiveInt(body.memory_in_mb, 'Memory in mb');
  const disk = positiveInt(body.disk_in_mb, 'Disk in mb');
  const dropletGuid = optionalString(body.droplet_guid, 'Droplet guid');
  const templateGuid = body.template === undefined ? undefined : optionalString(body.template?.process?.guid, 'Template process guid');
  if (body.template !== undefined && !templateGuid) throw unprocessable('Template must have a process guid');
  const app = getApp(c.f, c.params.guid);
  const droplet = dropletFor(c, app.guid, app.droplet_guid, dropletGuid);
  if (disk !== undefined && disk > MAX_DISK_MB) throw unprocessable(`Cannot request disk_in_mb greater than ${MAX_DISK_MB}`);
  let template: ProcessRec | undefined;
  if (templateGuid) {
    template = c.f.store.get('processes', templateGuid);
    if (!template) throw notFound('Process');
    command ??= template.command ?? droplet.process_types[template.type] ?? undefined;
  }
  if (!command) throw unprocessable('command presence');
  if (command.length > COMMAND_MAX) throw unprocessable(`command must be shorter than ${COMMAND_MAX + 1} characters`);
  if (name !== undefined && !/^[\x20-\x7e\P{ASCII}]+$/u.test(name)) throw unprocessable('name format');
  const task = c.f.tasks.create(app, {
    name: name || randomBytes(4).toString('hex'),
    command,
    memoryMb: memory ?? template?.memory_in_mb ?? DEFAULT_MB,
    diskMb: disk ?? template?.disk_in_mb ?? DEFAULT_MB,
    droplet,
  });
  recordEvent(c.f, 'audit.app.task.create', appTarget(app), app.space_guid, {
    task_guid: task.guid,
    request: { name: task.name, memory_in_mb: task.memory_in_mb, command: '[PRIVATE DATA HIDDEN]' },
  });
  send(c.res, 202, c.f.present.task(task));
}

function list(c: Ctx, tasks: TaskRec[]): void {
  const store = c.f.store;
  const space = (t: TaskRec) => store.get('spaces', store.get('apps', t.app_guid)?.space_guid);
  const found = filterList(tasks, c.query, {
    guids: (t) => t.guid,
    names: (t) => t.name,
    states: (t) => t.state,
    sequence_ids: (t) => String(t.sequence_id),
    app_guids: (t) => t.app_guid,
    space_guids: (t) => space(t)?.guid,
    organization_guids: (t) => space(t)?.org_guid,
  });
  send(
    c.res,
    200,
    paginate(c, found, (t) => c.f.present.task(t, { inList: true })),
  );
}

function byGuid(c: Ctx): TaskRec {
  const t = c.f.store.get('tasks', c.params.guid);
  if (!t) throw notFound('Task');
  return t;
}

/** CC's TaskCancel: CANCELING now (FAILED "task was cancelled" once stopped); a finished task cannot be. */
function cancel(c: Ctx): void {
  const task = byGuid(c);
  if (isTerminal(task)) throw unprocessable(`Task state is ${task.state} and therefore cannot be canceled`);
  const app = getApp(c.f, task.app_guid);
  void c.f.tasks.cancel(task);
  recordEvent(c.f, 'audit.app.task.cancel', appTarget(app), app.space_guid, { task_guid: task.guid, request: { name: task.name } });
  send(c.res, 202, c.f.present.task(task));
}

export const taskRoutes: RouteDef[] = [
  { method: 'POST', path: '/v3/apps/:guid/tasks', handler: create },
  {
    method: 'GET',
    path: '/v3/apps/:guid/tasks',
    handler: (c) => {
      const app = getApp(c.f, c.params.guid);
      list(
        c,
        c.f.store.list('tasks').filter((t) => t.app_guid === app.guid),
      );
    },
  },
  { method: 'GET', path: '/v3/tasks', handler: (c) => list(c, c.f.store.list('tasks')) },
  { method: 'GET', path: '/v3/tasks/:guid', handler: (c) => send(c.res, 200, c.f.present.task(byGuid(c))) },
  { method: 'POST', path: '/v3/tasks/:guid/actions/cancel', handler: cancel },
  // The cf CLI's terminate-task (ccv3 internal routes): CC keeps this older form.
  { method: 'PUT', path: '/v3/tasks/:guid/cancel', handler: cancel },
];
