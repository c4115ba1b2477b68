// Tasks (`cf run-task`) as Diego runs them for CC: a one-off process from the
// droplet the task was created with, in the runtime that droplet's instances
// use (a host process or a container, through runtime/types.ts), with the
// app's env as an instance gets it but no port. CC marks a task RUNNING once
// Diego has it; its exit makes it SUCCEEDED (status 0) or FAILED with Diego's
// failure_reason; a cancel (CANCELING) stops it as an instance is stopped
// and makes it FAILED "task was cancelled". Output goes to the app's logs as
// [APP/TASK/<name>/0]. Nothing survives the foundation: a stop fails what
// still runs, and a start fails what a killed foundation left (store.ts).
import type { Foundation } from './context';
import { vcapApplication } from './env';
import type { RunningProcess } from './runtime/types';
import { LOST_TASK, meta, ordinal, type AppRec, type DropletRec, type TaskRec } from './store';

/** Diego's failure_reason for a cancelled task. */
export const CANCELLED = 'task was cancelled';

/** Finished tasks kept (CC prunes completed tasks after a month). */
const MAX_FINISHED = 1000;

export interface NewTask {
  name: string;
  command: string;
  memoryMb: number;
  diskMb: number;
  droplet: DropletRec;
}

export function isTerminal(t: TaskRec): boolean {
  return t.state === 'SUCCEEDED' || t.state === 'FAILED';
}

export class Tasks {
  /** Running tasks' processes, by task guid. */
  private readonly live = new Map<string, RunningProcess>();
  /** Starting, by task guid (a cancel waits for the start). */
  private readonly starting = new Map<string, Promise<RunningProcess | undefined>>();
  private closing = false;

  constructor(private readonly f: Foundation) {}

  /** Records the task with the app's next sequence id and starts it (CC's TaskCreate then Diego). */
  create(app: AppRec, o: NewTask): TaskRec {
    const seq = (app.max_task_sequence_id ?? 0) + 1;
    app.max_task_sequence_id = seq;
    this.f.store.touch(app);
    const task = this.f.store.put('tasks', {
      ...meta(),
      app_guid: app.guid,
      sequence_id: seq,
      name: o.name,
      command: o.command,
      state: 'RUNNING',
      memory_in_mb: o.memoryMb,
      disk_in_mb: o.diskMb,
      droplet_guid: o.droplet.guid,
      failure_reason: null,
    });
    this.prune();
    const starting = this.start(task, app, o.droplet);
    this.starting.set(task.guid, starting);
    void starting.finally(() => this.starting.delete(task.guid));
    return task;
  }

  /** CANCELING now; FAILED "task was cancelled" once it has stopped. */
  async cancel(task: TaskRec): Promise<void> {
    this.set(task, 'CANCELING');
    const p = this.live.get(task.guid) ?? (await this.starting.get(task.guid));
    if (p) await p.stop(this.f.supervisor.o.stopGraceMs);
    if (!isTerminal(task)) this.finish(task, 'FAILED', CANCELLED);
  }

  /** Droplets running tasks use (kept from pruning). */
  dropletsInUse(): string[] {
    return [...this.live.keys()].flatMap((g) => this.f.store.get('tasks', g)?.droplet_guid ?? []);
  }

  /** Cancels an app's tasks and forgets them (the app is being deleted). */
  async removeApp(appGuid: string): Promise<void> {
    const tasks = this.f.store.list('tasks').filter((t) => t.app_guid === appGuid);
    await Promise.all(tasks.filter((t) => !isTerminal(t)).map((t) => this.cancel(t)));
    for (const t of tasks) this.f.store.remove('tasks', t.guid);
  }

  /** The foundation stops: what runs is stopped and lost, as a restart would find it. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.starting.values()]);
    await Promise.all(
      [...this.live].map(async ([guid, p]) => {
        const task = this.f.store.get('tasks', guid);
        if (task) this.finish(task, 'FAILED', LOST_TASK);
        await p.stop(this.f.supervisor.o.stopGraceMs);
      }),
    );
  }

  private async start(task: TaskRec, app: AppRec, droplet: DropletRec): Promise<RunningProcess | undefined> {
    const src = `APP/TASK/${task.name}` as const;
    const cell = (text: string, type: 'OUT' | 'ERR' = 'OUT') => this.f.logs.emit(app.guid, 'CELL', '0', text, type);
    const vcap = vcapApplication(this.f, app);
    const spec = this.f.supervisor.specFor(app, droplet, {
      type: 'task',
      processGuid: task.guid,
      command: task.command,
      memoryMb: task.memory_in_mb,
      vcapApplication: { ...vcap, limits: { ...(vcap.limits as object), mem: task.memory_in_mb, disk: task.disk_in_mb } },
      index: 0,
      guid: task.guid,
    });
    let p: RunningProcess;
    try {
      cell(`Cell local creating container for instance ${task.guid}`);
      p = await this.f.supervisor.runtimeFor(droplet).start(spec, {
        log: (line, stream) => this.f.logs.emit(app.guid, src, '0', line, stream === 'stderr' ? 'ERR' : 'OUT'),
        note: (text, stream) => cell(text, stream === 'stderr' ? 'ERR' : 'OUT'),
      });
    } catch (err) {
      const text = (err as Error).message.split('\n')[0]!;
      cell(`Failed to start task: ${text}`, 'ERR');
      this.finish(task, 'FAILED', text);
      return undefined;
    }
    cell(`Cell local successfully created container for instance ${task.guid}`);
    this.live.set(task.guid, p);
    void p.exited.then((exit) => {
      this.live.delete(task.guid);
      this.f.logs.emit(app.guid, src, '0', `Exit status ${exit.status}`);
      cell(`Cell local destroying container for instance ${task.guid}`);
      if (isTerminal(task)) return;
      if (task.state === 'CANCELING') return this.finish(task, 'FAILED', CANCELLED);
      if (exit.status === 0) return this.finish(task, 'SUCCEEDED', null);
      this.finish(task, 'FAILED', `Exited with status ${exit.status}${exit.reason ? ` (${exit.reason})` : ''}`);
    });
    // Cancelled (or the foundation stopping) while it started: it must not outlive that.
    if (task.state === 'CANCELING' || this.closing) await p.stop(0);
    return p;
  }

  private set(task: TaskRec, state: TaskRec['state']): void {
    task.state = state;
    this.f.store.touch(task);
  }

  private finish(task: TaskRec, state: 'SUCCEEDED' | 'FAILED', reason: string | null): void {
    task.failure_reason = reason;
    this.set(task, state);
  }

  /** Keeps the newest MAX_FINISHED finished tasks. */
  private prune(): void {
    const done = this.f.store.list('tasks').filter(isTerminal);
    if (done.length <= MAX_FINISHED) return;
    done.sort((a, b) => ordinal(a.created_at, b.created_at));
    for (const t of done.slice(0, done.length - MAX_FINISHED)) this.f.store.remove('tasks', t.guid);
  }
}
