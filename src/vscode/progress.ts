// Long work runs under a notification with progress; steps and logs go to the
// output channel so a failure can always be traced afterwards.
import * as vscode from 'vscode';
import type { Reporter } from '../core/push';
import type { Ctx } from './ctx';

export interface Task<T> {
  title: string;
  cancellable?: boolean;
  run(reporter: Reporter, signal: AbortSignal): Promise<T>;
}

export function withTask<T>(ctx: Ctx, task: Task<T>): Promise<T> {
  ctx.output.line(`\n── ${task.title} · ${new Date().toLocaleTimeString()} ──`);
  if (ctx.config.revealOutput) ctx.output.show();
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: task.title, cancellable: !!task.cancellable },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => {
          ctx.output.line('⚠ Cancel requested');
          abort.abort();
        });
        try {
          return await task.run(ctx.output.reporter(progress), abort.signal);
        } finally {
          sub.dispose();
        }
      },
    ),
  );
}
