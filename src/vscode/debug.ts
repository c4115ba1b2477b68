// CF: Debug App in the editor (issue 20): a launch configuration type
// `cfpush` ({ app, instance, target, port, via }) that is never a debugger of
// its own. Resolving it runs core's startDebug (the instance restarts under
// its runtime's agent, locally or through an ssh tunnel) and hands VS Code
// the attach configuration of the runtime's own debugger (built-in for
// Node.js; Java, Python and Go through their extensions), with the folder the
// running code names its sources in (the droplet's app folder, or
// /home/vcap/app for a Go binary) mapped back to the workspace folder the app
// was pushed from.
// When that session ends the instance is restarted without the agent (asked,
// or as the `cfpush.debug.onEnd` setting says). When the target goes away by
// itself (a crashed instance, a broken tunnel) the user is told why and the
// session ends; a crashed local instance runs again without the agent (a
// Stop, which has the JavaScript debugger kill the process, is no crash). A
// cancel (a declined confirm, the progress's Cancel) is no error: core has
// undone what it changed.
import * as vscode from 'vscode';
import type { DebugHandle } from '../core/actors/debug';
import type { DebugRuntime } from '../core/debug/runtimes';
import { manifestFolderOf, pickApp } from './commands/common';
import type { Ctx } from './ctx';
import { isAbort, reportError } from './errors';
import { core } from './lazy';

export const DEBUG_TYPE = 'cfpush';

/** What a `cfpush` launch configuration holds. */
export interface CfDebugConfiguration extends vscode.DebugConfiguration {
  app?: string;
  instance?: number;
  target?: string;
  port?: number;
  via?: 'auto' | 'ssh';
  /** The workspace folder the app was pushed from (default: the folder of the manifest naming it). */
  localRoot?: string;
}

/** Marks a resolved configuration as ours (the session end looks for it). */
const MARK = '__cfpush';

export class AppDebugger implements vscode.DebugConfigurationProvider, vscode.Disposable {
  /** Live debug handles by the id put in the resolved configuration. */
  private readonly live = new Map<string, DebugHandle>();
  /** The runtime debugger's sessions by the same id, to end one whose target went away. */
  private readonly sessions = new Map<string, vscode.DebugSession>();
  /**
   * Ids whose session the user ended with Stop (terminate, or disconnect with
   * terminateDebuggee: `vscode.debug.stopDebugging` does that for an attach):
   * the JavaScript debugger then kills the process itself, which is no crash.
   */
  private readonly stopping = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private next = 0;

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, this),
      vscode.debug.onDidStartDebugSession((s) => {
        const id = markOf(s);
        // The first one is js-debug's top session; its child sessions end with it.
        if (id && this.live.has(id) && !this.sessions.has(id)) this.sessions.set(id, s);
      }),
      vscode.debug.onDidTerminateDebugSession((s) => void this.ended(s)),
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (s) => {
          const id = markOf(s) ?? (s.parentSession && markOf(s.parentSession));
          if (!id || !this.live.has(id)) return undefined;
          return {
            onWillReceiveMessage: (m: { type?: string; command?: string; arguments?: { terminateDebuggee?: boolean } }) => {
              if (m.type === 'request' && (m.command === 'terminate' || (m.command === 'disconnect' && m.arguments?.terminateDebuggee))) this.stopping.add(id);
            },
          };
        },
      }),
    );
  }

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'attach', name: 'Debug app on Cloud Foundry', app: '', instance: 0 }];
  }

  /** The `cfpush` configuration becomes the runtime debugger's attach configuration, or undefined (cancelled). */
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: CfDebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    let handle: DebugHandle | undefined;
    let app: string | undefined;
    try {
      const session = await this.ctx.session({ target: config.target, startLocal: true });
      app = config.app || (await pickApp(this.ctx, session, 'CF: Debug App'));
      if (!app) return undefined;
      const name = app;
      handle = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `CF: Debug ${app}`, cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return core().startDebug(session, name, {
            index: config.instance ?? 0,
            port: config.port,
            via: config.via,
            signal: abort.signal,
            progress: (line) => {
              progress.report({ message: line });
              this.ctx.output.line(line);
            },
            confirm: async (question, action) => (await this.ctx.ui.confirm(question, '', action)) === action,
          });
        },
      );
      const localRoot = config.localRoot ?? (await manifestFolderOf(handle.app)) ?? folder?.uri.fsPath;
      const attach = attachConfiguration(handle, localRoot);
      const ext = core().DEBUG_EXTENSION[handle.runtime];
      if (ext && !vscode.extensions.getExtension(ext.id)) {
        this.ctx.output.line(`${handle.agent} of ${handle.app} listens on ${handle.host}:${handle.port}; attach with the ${ext.name} extension.`);
        void vscode.window
          .showWarningMessage(
            `${handle.app} runs under ${handle.agent} on ${handle.host}:${handle.port}, but attaching to it needs the ${ext.name} extension (${ext.id}). Install it, then attach to that address.`,
            'Install',
          )
          .then((c) => c && vscode.commands.executeCommand('workbench.extensions.installExtension', ext.id));
        return undefined;
      }
      const id = String(++this.next);
      this.live.set(id, handle);
      const h = handle;
      void h.lost.then((err) => err && this.gone(id, h, err));
      return { ...attach, name: config.name || `Debug ${handle.app}`, [MARK]: id };
    } catch (err) {
      if (isAbort(err)) {
        this.ctx.output.line(`Debugging ${app ?? config.app ?? 'the app'} cancelled: nothing was changed.`);
        return undefined;
      }
      reportError(this.ctx, `Debugging ${config.app || 'the app'} failed`, err, { target: config.target });
      return undefined;
    }
  }

  /** The target went away by itself: say why, end the session; a crashed local instance runs again without its agent. */
  private async gone(id: string, handle: DebugHandle, err: Error): Promise<void> {
    // Stopped by the user: the session's end (ended) offers the restart as usual.
    if (this.stopping.has(id) || !this.live.delete(id)) return;
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    if (handle.via === 'ssh') void vscode.window.showWarningMessage(`The ssh tunnel to ${handle.app} broke: ${err.message}`);
    else reportError(this.ctx, `Debugging ${handle.app} stopped`, err);
    // The session first (at once, whatever the restart takes); its end finds no handle left.
    if (session) await vscode.debug.stopDebugging(session).then(undefined, () => {});
    this.stopping.delete(id);
    if (handle.via === 'local') {
      try {
        await handle.end({ restart: true });
        this.ctx.output.line(`✔ instance ${handle.index} of ${handle.app} runs without its debug agent again`);
      } catch (e) {
        reportError(this.ctx, `Ending the debugging of ${handle.app} failed`, e);
      }
      this.ctx.tree.refreshSoon();
    }
  }

  /** The runtime debugger's session ended: the instance goes back to running without its agent. */
  private async ended(s: vscode.DebugSession): Promise<void> {
    const id = markOf(s);
    const handle = id ? this.live.get(id) : undefined;
    if (!id || !handle) return;
    // Ended because the target went (the instance crashed): that, not an offer to restart it.
    const why = this.stopping.has(id) ? undefined : await handle.check().catch(() => undefined);
    if (why) return this.gone(id, handle, why);
    this.stopping.delete(id);
    if (!this.live.delete(id)) return;
    this.sessions.delete(id);
    const setting = this.ctx.config.debugOnEnd;
    const what = handle.via === 'local' ? `instance ${handle.index} of ${handle.app}` : handle.app;
    let restart = setting === 'restart';
    if (setting === 'ask')
      restart = (await this.ctx.ui.offer(`Debugging ${handle.app} ended. Restart ${what} without the debugger?`, 'Restart', 'Keep Debugger')) === 'Restart';
    try {
      await handle.end({ restart });
      this.ctx.output.line(restart ? `✔ ${what} runs without its debug agent again` : `${what} keeps its debug agent (health checks stay off)`);
      this.ctx.tree.refreshSoon();
    } catch (err) {
      reportError(this.ctx, `Ending the debugging of ${handle.app} failed`, err);
    }
  }

  /** Live debug sessions (tests). */
  handles(): DebugHandle[] {
    return [...this.live.values()];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function markOf(s: vscode.DebugSession): string | undefined {
  return (s.configuration as Record<string, unknown>)[MARK] as string | undefined;
}

/** The attach configuration of the runtime's own debugger. */
export function attachConfiguration(h: DebugHandle, localRoot: string | undefined): vscode.DebugConfiguration {
  const name = `Debug ${h.app}`;
  const rt: DebugRuntime = h.runtime;
  switch (rt) {
    case 'node':
      return {
        type: 'node',
        request: 'attach',
        name,
        address: h.host,
        port: h.port,
        ...(localRoot ? { localRoot, remoteRoot: h.sourceRoot } : {}),
        skipFiles: ['<node_internals>/**'],
      };
    case 'java':
      return { type: 'java', request: 'attach', name, hostName: h.host, port: h.port, ...(localRoot ? { sourcePaths: [localRoot] } : {}) };
    case 'python':
      return {
        type: 'debugpy',
        request: 'attach',
        name,
        connect: { host: h.host, port: h.port },
        justMyCode: true,
        ...(localRoot ? { pathMappings: [{ localRoot, remoteRoot: h.sourceRoot }] } : {}),
      };
    case 'go':
      return {
        type: 'go',
        request: 'attach',
        name,
        mode: 'remote',
        host: h.host,
        port: h.port,
        // The binary names its sources in /home/vcap/app (the go buildpack compiles it so), not where the droplet is.
        ...(localRoot ? { substitutePath: [{ from: localRoot, to: h.sourceRoot }] } : {}),
      };
  }
}
