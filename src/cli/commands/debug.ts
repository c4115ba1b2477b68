// `cfpush debug APP`: Debug App for people outside the editor. On the local
// foundation it restarts the instance under its runtime's agent and prints
// where to attach (the instance stays so until `--stop` or a restart). With
// --ssh, or on a target without cf-push's debug endpoint, it sets the agent
// through the app's environment (asking first; -f does not ask), opens a
// `cf ssh -L` tunnel and holds it until interrupted; `--stop` removes the
// agent again. --json prints the attach address as one object.
import { startDebug, type DebugHandle } from '../../core/actors/debug';
import { findApp } from '../../core/push/steps';
import { withoutAgentEnv, debugRuntimeOf } from '../../core/debug/runtimes';
import { CfPushError } from '../../core/errors';
import { parse, need, spec, usageError } from '../args';
import { ask } from '../prompt';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const DEBUG = spec({
  name: 'debug',
  args: 'APP',
  summary: "Restart an app instance under its runtime's debugger and print where to attach",
  flags: {
    'app-instance-index': { type: 'string', short: 'i', arg: 'INDEX', help: 'The instance to debug (default 0)' },
    instance: { type: 'string', arg: 'INDEX', help: 'The same as -i' },
    process: { type: 'string', arg: 'TYPE', help: "The process type (default 'web')" },
    port: { type: 'string', arg: 'PORT', help: 'The local port to attach on (default: a free one)' },
    ssh: { type: 'boolean', help: 'Go through the app environment and an ssh tunnel, as on a remote CF, even on the local foundation' },
    'remote-port': { type: 'string', arg: 'PORT', help: "With --ssh: the agent's port inside the instance (default: the runtime's usual one)" },
    stop: { type: 'boolean', help: 'End debugging: restart the instance (local) or the app (--ssh) without the agent' },
    force: { type: 'boolean', short: 'f', help: 'Do not ask before changing the app (the --ssh path restarts it)' },
    json: { type: 'boolean', help: 'Print the attach address as JSON' },
  },
  notes: [
    'Runtimes: Node.js (inspector), Java (JDWP; JBP_CONFIG_DEBUG honoured), Python (debugpy) and Go (delve) on the local foundation; Node.js and Java over ssh.',
    'Health checks of a debugged instance are suspended on the local foundation, so a breakpoint does not get it restarted.',
  ],
});

function port(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw usageError(`${flag} '${v}' must be a port number from 1 to 65535.`, DEBUG);
  return n;
}

export const debugCmd: Command = async (argv) => {
  const usage = DEBUG;
  const { values, positionals } = parse(argv, usage);
  const appName = need(positionals[0], 'APP', usage);
  const rawIndex = values['app-instance-index'] ?? values.instance;
  const index = rawIndex === undefined ? 0 : Number(rawIndex);
  if (!/^\d+$/.test(rawIndex ?? '0')) throw usageError(`INDEX '${rawIndex}' must be a whole number, 0 or more.`, usage);
  const s = await session(terminalReporter(!!values.json));
  const via = values.ssh ? 'ssh' : 'auto';
  const base = via === 'ssh' ? undefined : await s.cc.debug.url();

  if (values.stop) {
    if (base) {
      const app = await findApp(s, appName);
      const proc = (await s.cc.apps.processes(app.guid)).find((p) => p.type === (values.process ?? 'web'));
      if (proc) await s.cc.debug.stop(base, proc.guid, index);
    } else {
      const app = await findApp(s, appName);
      const droplet = await s.cc.apps.currentDroplet(app.guid).catch(() => undefined);
      const rt = debugRuntimeOf({ buildpacks: droplet?.buildpacks.map((b) => b.name), command: droplet?.process_types.web });
      const change = rt ? withoutAgentEnv(rt, await s.cc.apps.environmentVariables(app.guid)) : {};
      if (Object.keys(change).length) {
        await s.cc.apps.updateEnvironmentVariables(app.guid, change);
        await s.cc.apps.restart(app.guid);
      }
    }
    if (values.json) console.log(JSON.stringify({ app: appName, index, debugging: false }));
    else console.error(`${appName} instance ${index} runs without its debug agent again.`);
    return;
  }

  const handle: DebugHandle = await startDebug(s, appName, {
    index,
    process: values.process,
    port: port(values.port, '--port'),
    remotePort: port(values['remote-port'], '--remote-port'),
    via,
    progress: values.json ? undefined : (line) => console.error(line),
    confirm: values.force
      ? undefined
      : async (question, action) => {
          if (!process.stdin.isTTY)
            throw new CfPushError(`${question} There is no terminal to ask on.`, {
              code: 'DebugUnavailable',
              hint: `Run it again with -f to ${action.toLowerCase()} without asking.`,
            });
          return /^y(es)?$/i.test((await ask(`${question} ${action}? [y/N] `)).trim());
        },
  });
  const out = {
    app: handle.app,
    process: handle.process,
    index: handle.index,
    runtime: handle.runtime,
    agent: handle.agent,
    host: handle.host,
    port: handle.port,
    app_root: handle.appRoot,
    source_root: handle.sourceRoot,
    via: handle.via,
  };
  if (values.json) console.log(JSON.stringify(out));
  else {
    console.log(`${handle.agent} of ${appName} instance ${handle.index} listens on ${handle.host}:${handle.port}`);
    console.log(
      handle.sourceRoot === handle.appRoot
        ? `The app's files are at ${handle.appRoot} in the instance: map that folder to your workspace in the debugger.`
        : `The app's files are at ${handle.appRoot}; its code names them under ${handle.sourceRoot}: map that folder to your workspace in the debugger.`,
    );
    console.log(
      handle.via === 'local'
        ? `Health checks of this instance are suspended. End with: cfpush debug ${appName} --stop${index ? ` -i ${index}` : ''}`
        : 'Holding the ssh tunnel open: press Ctrl-C to close it.',
    );
  }
  if (handle.via === 'ssh') {
    // The tunnel lives as long as this process: until Ctrl-C, or until it breaks.
    const stop = new Promise<'signal'>((resolve) => {
      process.once('SIGINT', () => resolve('signal'));
      process.once('SIGTERM', () => resolve('signal'));
    });
    const why = await Promise.race([stop, handle.lost]);
    await handle.end({ restart: false });
    if (why !== 'signal' && why) {
      console.error(`The ssh tunnel to ${appName} broke: ${why.message}`);
      process.exitCode = 1;
    } else if (!values.json)
      console.error(`Tunnel closed. The agent stays set in ${appName}'s environment: remove it with \`cfpush debug ${appName} --ssh --stop\`.`);
  }
};
