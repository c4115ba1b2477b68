// Long work runs under a cancellable notification; steps and logs go to the
// output channel so a failure can always be traced afterwards.
import * as vscode from 'vscode';
import type { Reporter } from '../core/push';
import type { Ctx } from './ctx';

export interface Task<T> {
  title: string;
  cancellable?: boolean;
  run(reporter: Reporter, signal: AbortSignal): Promise<T>;
}

/** Aborts the running cancellable tasks (tests; "cancel" from code). */
const running = new Set<AbortController>();
export function cancelRunningTasks(): number {
  for (const a of running) a.abort();
  return running.size;
}

export function withTask<T>(ctx: Ctx, task: Task<T>): Promise<T> {
  ctx.output.section(task.title);
  if (ctx.config.revealOutput) ctx.output.show();
  // The notification cannot carry a button: the status bar offers the whole log while the task runs.
  const log = vscode.window.createStatusBarItem('cfpush.taskLog', vscode.StatusBarAlignment.Left, 99);
  log.name = 'Cloud Foundry task log';
  log.text = `$(sync~spin) ${task.title} — Show Log`;
  log.tooltip = 'Show the Cloud Foundry output: every step and the staging log';
  log.command = 'cfpush.showOutput';
  log.show();
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: task.title, cancellable: !!task.cancellable },
      async (progress, token) => {
        const abort = new AbortController();
        if (task.cancellable) running.add(abort);
        const sub = token.onCancellationRequested(() => {
          ctx.output.line('⚠ Cancel requested');
          abort.abort();
        });
        try {
          const reporter = ctx.output.reporter(progress);
          // Hooks let tests act at a given step (e.g. cancel while staging).
          const hooked = { ...reporter, step: (m: string) => (reporter.step(m), ctx.onStep.fire(m)) };
          return await task.run(hooked, abort.signal);
        } finally {
          running.delete(abort);
          sub.dispose();
          log.dispose();
        }
      },
    ),
  );
}
