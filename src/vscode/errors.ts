// Failures as a person should see them: what was being done, the cause (the
// core's message), what to do (its hint), and buttons for the likely next
// step. Never a bare "failed", never an empty output channel.
import * as vscode from 'vscode';
import type { CfPushError, ErrorCode } from '../core/errors';
import type { Ctx } from './ctx';
import { editorHint } from './hints';
import { core } from './lazy';

export type ErrorAction = 'Open Log' | 'Go to Problem' | 'Start Local Foundation' | 'Log In' | 'Retry' | 'Show Detection' | 'Select Target';

/** What a notification said; kept on the context so tests can walk every error path. */
export interface ReportedError {
  title: string;
  cause: string;
  hint?: string;
  code?: string;
  message: string;
  actions: ErrorAction[];
}

const NOT_RUNNING = new Set<ErrorCode>(['FoundationNotRunning', 'FoundationUnresponsive', 'Unreachable']);
const LOGIN = new Set<ErrorCode>(['LoginRequired', 'CF-InvalidAuthToken', 'CF-NotAuthenticated', 'invalid_token', 'unauthorized', 'invalid_grant']);
const DETECTION = new Set<ErrorCode>(['NoAppDetectedError', 'BuildpackCompileFailed', 'BuildpackNotFound', 'BuildpackMalformed']);

function asCf(err: unknown): CfPushError | undefined {
  return err instanceof core().CfPushError ? err : undefined;
}

export function errorCode(err: unknown): ErrorCode | undefined {
  return asCf(err)?.code;
}

/** The actions that fit this error, most useful first; "Open Log" always. */
export function actionsFor(err: unknown, opts: { target: string; retry: boolean; located: boolean }): ErrorAction[] {
  const code = errorCode(err);
  const status = (err as { status?: number })?.status;
  const actions: ErrorAction[] = [];
  if (opts.located) actions.push('Go to Problem');
  if (code && NOT_RUNNING.has(code)) actions.push(opts.target === 'local' ? 'Start Local Foundation' : 'Select Target');
  if ((code && LOGIN.has(code)) || status === 401) actions.push('Log In');
  if (code && DETECTION.has(code)) actions.push('Show Detection');
  if (opts.retry) actions.push('Retry');
  actions.push('Open Log');
  return actions;
}

/**
 * Logs the full error to the output channel and shows a notification naming
 * the cause with action buttons. Not awaited by callers: a command run
 * programmatically must not hang on a toast.
 */
export function reportError(
  ctx: Ctx,
  what: string,
  err: unknown,
  opts: { retry?: () => Thenable<unknown>; target?: string; dir?: string } = {},
): ReportedError {
  ctx.lastError = err;
  const cf = asCf(err);
  if (cf?.code && NOT_RUNNING.has(cf.code)) ctx.forgetSessions();
  const target = opts.target ?? ctx.config.target;
  // The editor's words: a `cfpush …` command line in the core's text becomes the editor command that does it.
  const [cause, ...more] = editorHint(cf ? cf.message : err instanceof Error ? err.message : String(err)).split('\n');
  const hint = cf?.hint && editorHint(cf.hint);
  const where = cf?.location;
  const where_ = where ? `${where.file}:${where.line}:${where.col}: ` : '';
  ctx.output.line(`✖ ${what}: ${where_}${[cause, ...more].join('\n  ')}`);
  if (hint) ctx.output.line(`  hint: ${hint}`);
  const inner = (err as { cause?: unknown })?.cause;
  if (inner) ctx.output.line(`  cause: ${core().formatError(inner)}`);
  ctx.manifests.fromError(err);
  const actions = actionsFor(err, { target, retry: !!opts.retry, located: !!where });
  // Notifications are one paragraph: cause, then what to do.
  const message = `${what}: ${[cause, ...more].join(' ').trim()}${hint ? ` — ${hint}` : ''}`;
  const reported: ReportedError = { title: what, cause: cause ?? '', hint, code: cf?.code, message, actions };
  ctx.reported.push(reported);
  void vscode.window.showErrorMessage(message, ...actions).then(async (choice) => {
    switch (choice) {
      case 'Open Log':
        return ctx.output.show();
      case 'Go to Problem': {
        const pos = new vscode.Position(Math.max(0, where!.line - 1), Math.max(0, where!.col - 1));
        return void (await vscode.window.showTextDocument(vscode.Uri.file(where!.file), { selection: new vscode.Range(pos, pos) }));
      }
      case 'Retry':
        return void (await opts.retry?.());
      case 'Start Local Foundation': {
        const ok = await vscode.commands.executeCommand<string | undefined>('cfpush.startFoundation');
        if (ok && opts.retry) await opts.retry();
        return;
      }
      case 'Log In': {
        const ok = await vscode.commands.executeCommand<boolean | undefined>('cfpush.login', target);
        if (ok && opts.retry) await opts.retry();
        return;
      }
      case 'Select Target':
        return void (await vscode.commands.executeCommand('cfpush.selectTarget'));
      case 'Show Detection':
        return void (await vscode.commands.executeCommand('cfpush.detect', opts.dir ? vscode.Uri.file(opts.dir) : undefined));
    }
  });
  return reported;
}

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return core().isCancelled(err, signal);
}
