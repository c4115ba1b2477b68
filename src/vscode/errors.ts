// Failures as a person should see them: what went wrong, what to do, and
// buttons for the likely next step. Never a bare "failed".
import * as vscode from 'vscode';
import { CfPushError, formatError } from '../core/errors';
import type { Ctx } from './ctx';

const NOT_RUNNING = new Set(['foundation_not_running', 'unreachable']);

/** True when starting the local foundation is a plausible fix. */
export function needsLocalFoundation(ctx: Ctx, err: unknown): boolean {
  return err instanceof CfPushError && NOT_RUNNING.has(err.code ?? '') && ctx.config.target === 'local';
}

/**
 * Logs the full error to the output channel and shows a notification. Not
 * awaited by callers: a command run programmatically must not hang on a toast.
 */
export function reportError(ctx: Ctx, what: string, err: unknown, retry?: () => Thenable<unknown>): void {
  ctx.lastError = err;
  if (err instanceof CfPushError && NOT_RUNNING.has(err.code ?? '')) ctx.forgetSessions();
  const text = formatError(err);
  ctx.output.line(`✖ ${what}: ${text}`);
  const cause = (err as { cause?: unknown })?.cause;
  if (cause) ctx.output.line(`  cause: ${formatError(cause)}`);
  const where = err instanceof CfPushError ? err.location : undefined;
  ctx.manifests.fromError(err);
  const actions = where ? ['Go to Problem', 'Open Log'] : ['Open Log'];
  const startable = needsLocalFoundation(ctx, err);
  if (startable) actions.push('Start Local Foundation');
  if (retry) actions.push('Retry');
  // Notifications are one paragraph: keep the hint but on the same line.
  void vscode.window.showErrorMessage(`${what}: ${text.replace(/\n+/g, ' — ')}`, ...actions).then(async (choice) => {
    if (choice === 'Open Log') ctx.output.show();
    else if (choice === 'Go to Problem' && where) {
      const pos = new vscode.Position(Math.max(0, where.line - 1), Math.max(0, where.col - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(where.file), { selection: new vscode.Range(pos, pos) });
    }
    else if (choice === 'Retry') await retry?.();
    else if (choice === 'Start Local Foundation') {
      const ok = await vscode.commands.executeCommand<string | undefined>('cfpush.startFoundation');
      if (ok && retry) await retry();
    }
  });
}

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (err as Error)?.name === 'AbortError' || (err as CfPushError)?.code === 'cancelled';
}
