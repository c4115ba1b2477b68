// Debug App (issue 20): an app instance under its runtime's debug agent, and
// where a debugger on this machine attaches. Two paths, chosen by what the
// target offers:
// - the local foundation's debug endpoint (links.cfpush_debug): that one
//   instance restarts under the agent on 127.0.0.1, its health checks off;
// - any other CF (or the local one when asked, `via: 'ssh'`): the agent set
//   through the app's environment (Node, Java), the app restarted, ssh enabled
//   if the user agrees, and a `cf ssh -L` tunnel from a local port to it.
// Whatever it changed is undone when a step fails or the user cancels.
import { pollUntil, sleep } from '../push/poll';
import { findApp } from '../push/steps';
import type { CcDebugInfo } from '../cc/requests/debug';
import { CfPushError, cancelledError } from '../errors';
import type { Session } from '../session';
import { AGENT_NAME, type DebugRuntime } from '../debug/runtimes';
import { startRemoteDebug } from './debug-remote';

export interface DebugTarget {
  app: string;
  appGuid: string;
  process: string;
  index: number;
  runtime: DebugRuntime;
  /** The agent, for messages ("the Node.js inspector"). */
  agent: string;
  /** Where a debugger on this machine attaches. */
  host: string;
  port: number;
  /** The app's folder as the debugged process sees it (the remote root of source maps). */
  appRoot: string;
  /**
   * Where the running code names its sources, what a debugger maps the
   * workspace folder to: appRoot, except for Go (/home/vcap/app, where the go
   * buildpack compiled it to say its sources are).
   */
  sourceRoot: string;
  /** The local foundation's endpoint, or the app's environment and an ssh tunnel. */
  via: 'local' | 'ssh';
}

export interface DebugHandle extends DebugTarget {
  /**
   * Ends it. `restart` (default true): the instance runs without the agent
   * again (local: that instance restarts; ssh: the variable is removed and the
   * app restarted). An ssh tunnel is closed either way.
   */
  end(o?: { restart?: boolean }): Promise<void>;
  /**
   * Resolves when the debug target goes away by itself: the tunnel broke
   * (ssh), the instance crashed or was restarted without its agent (local;
   * watched once a second from the first read of `lost` until end()).
   */
  readonly lost: Promise<Error | undefined>;
  /** Why the target went away by itself, if it did (as `lost` says it), at once; undefined while it is there. */
  check(): Promise<Error | undefined>;
}

export interface DebugOptions {
  index?: number;
  process?: string;
  /** The local port to attach on (ssh: the tunnel's; local: the agent's). */
  port?: number;
  /** 'ssh' takes the environment + tunnel path even where the target has the debug endpoint. */
  via?: 'auto' | 'ssh';
  /** ssh path: the port the agent listens on inside the instance (else the runtime's usual one). */
  remotePort?: number;
  /** Asked before anything that restarts the app or changes its settings; false cancels. */
  confirm?: (question: string, action: string) => Promise<boolean>;
  /** Progress lines ("Restarting instance 0 under the Node.js inspector…"). */
  progress?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function startDebug(session: Session, appName: string, o: DebugOptions = {}): Promise<DebugHandle> {
  const base = o.via === 'ssh' ? undefined : await session.cc.debug.url();
  if (!base) return startRemoteDebug(session, appName, o);
  const index = o.index ?? 0;
  const type = o.process ?? 'web';
  const app = await findApp(session, appName);
  if (app.state !== 'STARTED')
    throw new CfPushError(`App '${appName}' is stopped, so there is no instance to debug.`, {
      code: 'DebugUnavailable',
      hint: `Start it first: \`cfpush start ${appName}\`.`,
    });
  const proc = (await session.cc.apps.processes(app.guid)).find((p) => p.type === type);
  if (!proc)
    throw new CfPushError(`App '${appName}' has no ${type} process.`, {
      code: 'DebugUnavailable',
      hint: "Name one of the app's process types (see `cfpush apps`).",
    });
  o.progress?.(`Restarting ${appName} instance ${index} under its debug agent…`);
  await session.cc.debug.start(base, proc.guid, index, o.port);
  let info: CcDebugInfo | undefined;
  let ended = false;
  const end = async (e: { restart?: boolean } = {}) => {
    ended = true;
    if (e.restart !== false) await session.cc.debug.stop(base, proc.guid, index);
  };
  try {
    info = await pollUntil(
      () => session.cc.debug.show(base, proc.guid, index),
      (i) => !i || i.listening || i.state === 'CRASHED',
      {
        what: `${appName} instance ${index} to listen for a debugger`,
        timeoutMs: o.timeoutMs ?? 120_000,
        signal: o.signal,
        hint: `See its logs: \`cfpush logs ${appName} --recent\`.`,
      },
    );
    if (!info)
      throw new CfPushError(`${appName} instance ${index} was restarted meanwhile, without its debug agent.`, { code: 'DebugFailed', hint: 'Debug it again.' });
    if (!info.listening)
      throw new CfPushError(`${appName} instance ${index} crashed under ${info.agent}: ${info.details ?? 'no reason given'}.`, {
        code: 'DebugFailed',
        hint: `See its logs: \`cfpush logs ${appName} --recent\`; it was restarted without the agent.`,
      });
  } catch (err) {
    await end().catch(() => {});
    throw o.signal?.aborted ? cancelledError() : err;
  }
  o.progress?.(`${appName} instance ${index}: ${AGENT_NAME[info.runtime]} listening on ${info.host}:${info.port}`);
  const crashesBefore = info.crashes ?? 0;
  const logs = `See its logs: \`cfpush logs ${appName} --recent\`.`;
  const crashed = (why: string | null | undefined) =>
    new CfPushError(`${appName} instance ${index} crashed while being debugged: ${why ?? 'no reason given'}.`, { code: 'DebugFailed', hint: logs });
  // A process that just exited may still count as RUNNING for a moment: ask again briefly before saying why it went.
  const check = async (): Promise<Error | undefined> => {
    for (let i = 0; ; i++) {
      const now = await session.cc.debug.show(base, proc.guid, index);
      if (!now)
        return new CfPushError(`${appName} instance ${index} was restarted without its debug agent.`, {
          code: 'DebugFailed',
          hint: `Debug it again if needed.`,
        });
      if ((now.crashes ?? 0) > crashesBefore) return crashed(now.last_crash ?? now.details);
      if (now.state === 'RUNNING' && now.listening) return undefined;
      if (i >= 10) return crashed(now.details ?? `its agent stopped listening (${now.state})`);
      await sleep(200);
    }
  };
  let lost: Promise<Error | undefined> | undefined;
  const watch = async (): Promise<Error | undefined> => {
    while (!ended) {
      const gone = await check().catch(() => undefined);
      if (gone && !ended) return gone;
      await new Promise((r) => setTimeout(r, 1000).unref());
    }
    return undefined;
  };
  return {
    app: appName,
    appGuid: app.guid,
    process: type,
    index,
    runtime: info.runtime,
    agent: info.agent,
    host: info.host,
    port: info.port,
    appRoot: info.app_root,
    // A foundation from before source_root answers none: app_root, as before.
    sourceRoot: info.source_root ?? info.app_root,
    via: 'local',
    end,
    get lost() {
      return (lost ??= watch());
    },
    check,
  };
}
