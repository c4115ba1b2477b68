// /v3/apps/:guid/tasks and /v3/tasks (ccv3/task.go): run, list and cancel
// one-off tasks, with the requests the cf CLI sends (so either sees the
// other's tasks).
import type { CcTransport } from '../transport';
import type { CcTask } from '../types';

export interface TaskCreate {
  command?: string;
  name?: string;
  memory_in_mb?: number;
  disk_in_mb?: number;
  /** Run the command of this process (the cf CLI's `--process`, and `task` when no command is given). */
  templateProcessGuid?: string;
}

export class TaskRequests {
  constructor(private readonly t: CcTransport) {}

  create(appGuid: string, o: TaskCreate): Promise<CcTask> {
    const { templateProcessGuid, ...rest } = o;
    return this.t.post<CcTask>(`/v3/apps/${appGuid}/tasks`, {
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
      ...(templateProcessGuid ? { template: { process: { guid: templateProcessGuid } } } : {}),
    });
  }
  /** An app's tasks (all pages), or the one with a sequence id. */
  forApp(appGuid: string, sequenceId?: number): Promise<CcTask[]> {
    return this.t.list<CcTask>(`/v3/apps/${appGuid}/tasks`, sequenceId === undefined ? {} : { sequence_ids: String(sequenceId) });
  }
  get(guid: string): Promise<CcTask> {
    return this.t.get<CcTask>(`/v3/tasks/${guid}`);
  }
  cancel(guid: string): Promise<CcTask> {
    return this.t.post<CcTask>(`/v3/tasks/${guid}/actions/cancel`);
  }
}
