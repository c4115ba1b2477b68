// `cfpush`: the terminal adapter over src/core. One small function per
// command; every error is printed with what to do next and exits non-zero.
import { formatError } from '../core/errors';
import {
  appsCmd,
  cancelDeploymentCmd,
  continueDeploymentCmd,
  deleteCmd,
  pushCmd,
  restageCmd,
  restartCmd,
  scaleCmd,
  startCmd,
  stopCmd,
  swapBackCmd,
} from './commands/apps';
import { loginCmd, logoutCmd } from './commands/login';
import type { Command } from './commands/common';
import { demoCmd } from './commands/demo';
import { foundationCmd } from './commands/foundation';
import { logsCmd } from './commands/logs';
import { detectCmd, stageCmd } from './commands/local';
import { exportCmd } from './commands/export';
import { mapRouteCmd, routesCmd, swapCmd, unmapRouteCmd } from './commands/routes';
import { oauthTokenCmd, targetCmd } from './commands/target';
import { runTaskCmd, tasksCmd, terminateTaskCmd } from './commands/tasks';
import { trafficCmd } from './commands/traffic';

const commands: Record<string, [Command, string]> = {
  detect: [detectCmd, 'Show which buildpack matches a folder, and why the others do not'],
  stage: [stageCmd, 'Stage a folder locally into a droplet .tgz'],
  export: [exportCmd, "Export an app's droplet (or a droplet .tgz) as a container image"],
  push: [pushCmd, 'Push apps from a folder or manifest'],
  restage: [restageCmd, 'Stage an app again from its last package'],
  apps: [appsCmd, 'List apps in the targeted space'],
  routes: [routesCmd, 'List routes in the targeted space'],
  'map-route': [mapRouteCmd, 'Map a route to an app'],
  'unmap-route': [unmapRouteCmd, 'Unmap a route from an app'],
  swap: [swapCmd, "Exchange two apps' routes"],
  traffic: [trafficCmd, 'Requests and errors per instance, and route moves (--watch)'],
  'swap-back': [swapBackCmd, 'Restore the version a blue-green push replaced'],
  'continue-deployment': [continueDeploymentCmd, 'Roll out the rest of a paused canary deployment'],
  'cancel-deployment': [cancelDeploymentCmd, "Cancel an app's active deployment: the previous version comes back"],
  scale: [scaleCmd, 'Change instances, memory or disk'],
  restart: [restartCmd, 'Restart an app'],
  start: [startCmd, 'Start an app'],
  stop: [stopCmd, 'Stop an app'],
  delete: [deleteCmd, 'Delete an app'],
  logs: [logsCmd, "Show an app's logs"],
  'run-task': [runTaskCmd, "Run a one-off task from an app's droplet"],
  tasks: [tasksCmd, "List an app's tasks"],
  'terminate-task': [terminateTaskCmd, 'Cancel a running task'],
  login: [loginCmd, 'Log in to a Cloud Foundry (password or SSO passcode)'],
  logout: [logoutCmd, 'Forget the tokens of a target'],
  target: [targetCmd, 'Show or set the target (the local foundation by default)'],
  'oauth-token': [oauthTokenCmd, "Print the current target's bearer token"],
  foundation: [foundationCmd, 'Start, stop or inspect the embedded local foundation'],
  demo: [demoCmd, 'Start the local foundation and push examples/hello-node'],
};

function help(): void {
  console.log('Usage: cfpush COMMAND [ARGS]\n\nCommands:');
  for (const [name, [, text]] of Object.entries(commands)) console.log(`  ${name.padEnd(13)} ${text}`);
  console.log('\nEnvironment: CFPUSH_HOME (default ~/.cfpush) holds config, tokens and the local foundation.');
}

async function dispatch(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return help();
  const entry = commands[name];
  if (!entry) {
    console.error(`'${name}' is not a registered command. See 'cfpush help'.`);
    process.exitCode = 1;
    return;
  }
  await entry[0](rest);
}

/** Runs one `cfpush` command line; failures print as the cf CLI does and set the exit code. */
export function runCli(argv: string[]): Promise<void> {
  return dispatch(argv).catch((err) => {
    console.error(`FAILED\n${formatError(err)}`);
    process.exitCode = 1;
  });
}
