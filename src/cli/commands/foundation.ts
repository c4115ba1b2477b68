// foundation start | stop | status: the embedded local Cloud Foundry.
import { resolve } from 'node:path';
import { cliEntry, defaultFoundationDir, localPorts } from '../../core/paths';
import { DEFAULT_STACK_IMAGE, ensureStackImage } from '../../core/docker/stack';
import { APP_RUNTIMES, parseAppRuntime } from '../../foundation/stack-instances';
import { daemonStatus, runForeground, startDaemon, stopDaemon } from '../../foundation/daemon';
import { parse, spec, usageError } from '../args';
import type { Command } from './common';

export const FOUNDATION = spec({
  name: 'foundation',
  args: 'start|stop|status',
  summary: 'Start, stop or inspect the embedded local foundation',
  flags: {
    'data-dir': { type: 'string', arg: 'DIR', help: 'Where its state lives (default $CFPUSH_HOME/foundation)' },
    'api-port': { type: 'string', arg: 'N', help: 'Port of the CC v3 API and UAA (start)' },
    'router-port': { type: 'string', arg: 'N', help: 'Port of the router that serves *.localhost (start)' },
    'ssh-port': { type: 'string', arg: 'N', help: "Port of cf ssh's endpoint (start; default 2222 when free, or CFPUSH_SSH_PORT)" },
    host: { type: 'string', arg: 'ADDR', help: 'Address to listen on (start; default 127.0.0.1: not reachable from other machines)' },
    'app-runtime': { type: 'string', arg: 'process|container', help: 'Run buildpack instances as host processes or stack containers (start)' },
    stack: { type: 'string', arg: 'IMAGE', help: 'Stack image for --app-runtime container (start)' },
    foreground: { type: 'boolean', help: 'Run in this terminal instead of in the background (start)' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
  notes: ['start: run it in the background; stop: stop it and its apps; status: is it running, and where.'],
});

function port(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw usageError(`${flag} '${v}' is not a port number (1-65535).`, FOUNDATION);
  return n;
}

export const foundationCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, FOUNDATION);
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultFoundationDir();
  const apiPort = port(values['api-port'], '--api-port', localPorts().api);
  const routerPort = port(values['router-port'], '--router-port', localPorts().router);
  // `cf ssh`'s endpoint: CFPUSH_SSH_PORT, else 2222 when free, else a free port (server.ts).
  const sshGiven = values['ssh-port'] ?? (process.env.CFPUSH_SSH_PORT || undefined);
  const sshPort = sshGiven === undefined ? undefined : port(sshGiven, '--ssh-port', 0);
  switch (positionals[0]) {
    case 'start': {
      // 127.0.0.1 unless told otherwise: the foundation's API and apps are not reachable from other machines.
      const host = values.host || undefined;
      // Buildpack instances as host processes (default) or as containers of the stack image (stack-instances.ts).
      const given = values['app-runtime'] ?? (process.env.CFPUSH_APP_RUNTIME || undefined);
      const appRuntime = given === undefined ? undefined : parseAppRuntime(given);
      if (given !== undefined && !appRuntime) {
        throw usageError(`--app-runtime '${given}' is not one of ${APP_RUNTIMES.join(', ')}.`, FOUNDATION);
      }
      const stackImage = values.stack || process.env.CFPUSH_STACK_IMAGE || undefined;
      // The stack image must be there (or pullable) before buildpack instances can run in it.
      if (appRuntime === 'container' && !values.foreground) await ensureStackImage({ image: stackImage });
      if (values.foreground) return runForeground({ dataDir, apiPort, routerPort, sshPort, host, appRuntime, stackImage });
      const info = await startDaemon({ dataDir, apiPort, routerPort, sshPort, host, appRuntime, stackImage, cliPath: cliEntry() });
      if (values.json) return console.log(JSON.stringify(info, null, 2));
      console.log(
        `Local foundation running.\nAPI:    ${info.apiUrl}\nRouter: ${info.routerUrl} (apps at http://<app>.localhost:${routerPort})\nSSH:    port ${info.sshPort} (cf ssh)\nData:   ${dataDir}${appRuntime === 'container' ? `\nApps:   buildpack instances run in ${stackImage || DEFAULT_STACK_IMAGE} containers` : ''}`,
      );
      return;
    }
    case 'stop': {
      await stopDaemon(dataDir);
      console.log('Local foundation stopped.');
      return;
    }
    case 'status': {
      const st = await daemonStatus(dataDir);
      if (values.json) return console.log(JSON.stringify(st, null, 2));
      console.log(
        st.running
          ? `running (pid ${st.pid})\nAPI:    ${st.apiUrl}\nRouter: ${st.routerUrl}`
          : st.unresponsive
            ? `running (pid ${st.pid}) but not answering at ${st.apiUrl}: busy, or hung (restart it with \`cfpush foundation stop\` and \`start\`)`
            : 'not running (start it with `cfpush foundation start`)',
      );
      if (!st.running) process.exitCode = 3;
      return;
    }
    default:
      throw usageError(`unknown foundation command '${positionals[0] ?? ''}'.`, FOUNDATION);
  }
};
