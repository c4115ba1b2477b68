// foundation start | stop | status: the embedded local Cloud Foundry.
import { resolve } from 'node:path';
import { CfPushError } from '../../core/errors';
import { cliEntry, defaultFoundationDir, localPorts } from '../../core/paths';
import { DEFAULT_STACK_IMAGE, ensureStackImage } from '../../core/docker/stack';
import { APP_RUNTIMES, parseAppRuntime } from '../../foundation/stack-instances';
import { daemonStatus, runForeground, startDaemon, stopDaemon } from '../../foundation/daemon';
import { parse } from '../args';
import type { Command } from './common';

const USAGE =
  'cfpush foundation start|stop|status [--data-dir DIR] [--api-port N] [--router-port N] [--ssh-port N] [--host ADDR] [--app-runtime process|container] [--stack IMAGE] [--foreground] [--json]';

function port(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new CfPushError(`Incorrect usage: ${flag} '${v}' is not a port number (1-65535).`, { hint: `Usage: ${USAGE}` });
  return n;
}

export const foundationCmd: Command = async (argv) => {
  const { values, positionals } = parse(
    argv,
    {
      'data-dir': { type: 'string' },
      'api-port': { type: 'string' },
      'router-port': { type: 'string' },
      'ssh-port': { type: 'string' },
      foreground: { type: 'boolean' },
      host: { type: 'string' },
      'app-runtime': { type: 'string' },
      stack: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
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
        throw new CfPushError(`Incorrect usage: --app-runtime '${given}' is not one of ${APP_RUNTIMES.join(', ')}.`, { hint: `Usage: ${USAGE}` });
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
      throw new CfPushError(`Incorrect usage: unknown foundation command '${positionals[0] ?? ''}'.`, { hint: `Usage: ${USAGE}` });
  }
};
