// Debug App on a Cloud Foundry without cf-push's debug endpoint (and on the
// local one when asked): the five steps a CF developer does by hand, with the
// user's consent for each change. The agent goes in through the app's
// environment (NODE_OPTIONS / JAVA_OPTS, listening on the instance's
// loopback), ssh is enabled if the user agrees, the app restarts, and a
// `cf ssh -L` tunnel brings the agent's port to this machine. A failure or a
// cancel after a change takes the change back (the variable as it was, ssh as
// it was, the app restarted) so nothing is left half-done; ending with a
// restart removes the agent and turns ssh off again if Debug App turned it on.
import { pollUntil, throwIfAborted } from '../push/poll';
import { findApp } from '../push/steps';
import { CfPushError, cancelledError } from '../errors';
import type { Session } from '../session';
import { sshEndpoint } from '../ssh/endpoint';
import { openTunnel, type Tunnel } from '../ssh/forward';
import { AGENT_NAME, agentEnv, agentEnvPort, DEFAULT_DEBUG_PORT, debugRuntimeOf, hasAgentEnv, withoutAgentEnv, type DebugRuntime } from '../debug/runtimes';
import type { DebugHandle, DebugOptions } from './debug';

/** Where the agent listens inside the instance: its loopback, reached through the tunnel only. */
const AGENT_HOST = '127.0.0.1';

export async function startRemoteDebug(session: Session, appName: string, o: DebugOptions): Promise<DebugHandle> {
  const index = o.index ?? 0;
  const type = o.process ?? 'web';
  const cc = session.cc;
  const app = await findApp(session, appName);
  // A restart would start it: refuse before anything changes, as the local path does.
  if (app.state !== 'STARTED')
    throw new CfPushError(`App '${appName}' is stopped, so there is no instance to debug.`, {
      code: 'DebugUnavailable',
      hint: `Start it first: \`cfpush start ${appName}\`.`,
    });
  const proc = (await cc.apps.processes(app.guid)).find((p) => p.type === type);
  if (!proc)
    throw new CfPushError(`App '${appName}' has no ${type} process.`, {
      code: 'DebugUnavailable',
      hint: "Name one of the app's process types (see `cfpush apps`).",
    });
  const droplet = await cc.apps.currentDroplet(app.guid).catch(() => undefined);
  const runtime = debugRuntimeOf({ buildpacks: droplet?.buildpacks.map((b) => b.name), command: proc.command ?? droplet?.process_types[type] });
  if (runtime !== 'node' && runtime !== 'java')
    throw new CfPushError(
      runtime
        ? `Debugging a ${runtime === 'go' ? 'Go' : 'Python'} app on ${session.target.name} is not offered: its agent (${AGENT_NAME[runtime]}) needs a wrapper in the droplet, which only the local foundation adds.`
        : `cf-push cannot tell which runtime ${appName} runs (buildpack ${droplet?.buildpacks.at(-1)?.name ?? 'unknown'}), so it has no debug agent to set.`,
      { code: 'DebugUnavailable', hint: 'Over ssh, Debug App handles Node.js and Java apps; push this one to the local foundation to debug it there.' },
    );
  const ask = async (question: string, action: string) => {
    if (o.signal?.aborted) throw cancelledError();
    if (o.confirm && !(await o.confirm(question, action))) throw cancelledError();
  };

  const undo: (() => Promise<unknown>)[] = [];
  let tunnel: Tunnel | undefined;
  try {
    const ssh = await cc.apps.sshEnabled(app.guid);
    if (!ssh.enabled) {
      // CC's reasons: "Disabled globally", "Disabled for space NAME", "Disabled for app NAME" (whose name may hold "space").
      if (/^disabled globally/i.test(ssh.reason))
        throw new CfPushError(`SSH is disabled for every app on ${session.target.name}: ${ssh.reason}.`, {
          code: 'SshDisabled',
          hint: "Only the platform's operator can allow it; Debug App needs it on a Cloud Foundry without cf-push's debug endpoint.",
        });
      if (/^disabled for space/i.test(ssh.reason))
        throw new CfPushError(`SSH is disabled for the space ${session.space.name}: ${ssh.reason}.`, {
          code: 'SshDisabled',
          hint: `A space manager can allow it: \`cf allow-space-ssh ${session.space.name}\`.`,
        });
      await ask(`SSH is disabled for ${appName}. Enable it (cf enable-ssh) so the debugger can reach the instance?`, 'Enable SSH');
      await cc.apps.setSsh(app.guid, true);
      undo.push(() => cc.apps.setSsh(app.guid, false));
    }
    const env = await cc.apps.environmentVariables(app.guid);
    const remotePort = o.remotePort ?? agentEnvPort(runtime, env) ?? DEFAULT_DEBUG_PORT[runtime];
    const change = agentEnv(runtime, AGENT_HOST, remotePort, env)!;
    const needed = !hasAgentEnv(runtime, env) || agentEnvPort(runtime, env) !== remotePort || !ssh.enabled;
    const [name, value] = Object.entries(change)[0]!;
    const withoutAgent = async () => cc.apps.updateEnvironmentVariables(app.guid, withoutAgentEnv(runtime, await cc.apps.environmentVariables(app.guid)));
    if (needed) {
      await ask(`Debugging ${appName} sets ${name}="${value}" and restarts the app (every instance).`, 'Restart with Debugger');
      await cc.apps.updateEnvironmentVariables(app.guid, change);
      // Undone: the variable exactly as it was (an agent of the app's own included), unless someone changed it since.
      const before = env[name];
      undo.push(async () => {
        const now = await cc.apps.environmentVariables(app.guid);
        await cc.apps.updateEnvironmentVariables(app.guid, now[name] === value ? { [name]: before ?? null } : withoutAgentEnv(runtime, now));
        await cc.apps.restart(app.guid);
      });
      o.progress?.(`Restarting ${appName} with ${AGENT_NAME[runtime]} on port ${remotePort}…`);
      await cc.apps.restart(app.guid);
    }
    await pollUntil(
      () => cc.processes.stats(proc.guid),
      (s) => s.some((x) => x.index === index && x.state === 'RUNNING'),
      {
        what: `${appName} instance ${index} to run`,
        timeoutMs: o.timeoutMs ?? 180_000,
        signal: o.signal,
        hint: `See its logs: \`cfpush logs ${appName} --recent\`.`,
      },
    );
    o.progress?.(`Opening an ssh tunnel to ${appName} instance ${index}…`);
    const ep = await sshEndpoint(session, appName, { index, process: type });
    tunnel = await openTunnel(ep, [{ localHost: '127.0.0.1', localPort: o.port ?? 0, remoteHost: AGENT_HOST, remotePort }]);
    const appRoot = await remoteCwd(tunnel);
    // Cancelled while the tunnel opened: nothing to attach to, everything undone.
    throwIfAborted(o.signal);
    const at = tunnel.listening[0]!;
    o.progress?.(`${appName} instance ${index}: ${AGENT_NAME[runtime]} reachable on ${at.host}:${at.port} (ssh tunnel to port ${remotePort})`);
    const t = tunnel;
    let broken: Error | undefined;
    void t.closed.then((err) => (broken = err));
    return {
      app: appName,
      appGuid: app.guid,
      process: type,
      index,
      runtime: runtime as DebugRuntime,
      agent: AGENT_NAME[runtime],
      host: at.host,
      port: at.port,
      appRoot,
      // Node and Java only here (above): their code runs from, and is named in, the app's folder.
      sourceRoot: appRoot,
      via: 'ssh',
      lost: t.closed,
      check: async () => broken,
      end: async (e = {}) => {
        await t.close();
        if (e.restart !== false) {
          // As before Debug App: no agent, and ssh off again when it turned it on.
          await withoutAgent();
          if (!ssh.enabled) await cc.apps.setSsh(app.guid, false);
          await cc.apps.restart(app.guid);
        }
      },
    };
  } catch (err) {
    await tunnel?.close().catch(() => {});
    for (const u of undo.reverse()) await u().catch(() => {});
    throw o.signal?.aborted ? cancelledError() : err;
  }
}

/** The instance's working directory (CF: /home/vcap/app), where the app's files are. */
async function remoteCwd(t: Tunnel): Promise<string> {
  const ch = await t.session({ command: 'pwd' });
  let out = '';
  ch.stream.on('data', (d: Buffer) => (out += d.toString()));
  ch.stream.end();
  await ch.exited;
  return out.trim() || '/home/vcap/app';
}
