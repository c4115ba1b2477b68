// `cfpush`: the terminal adapter over src/core. One small function per
// command; every error is printed with what to do next and exits non-zero.
import { formatError } from '../core/errors';
import { HelpShown, type Spec } from './args';
import * as apps from './commands/apps';
import * as login from './commands/login';
import type { Command } from './commands/common';
import { DEMO, demoCmd } from './commands/demo';
import { FOUNDATION, foundationCmd } from './commands/foundation';
import { LOGS, logsCmd } from './commands/logs';
import { DETECT, detectCmd, STAGE, stageCmd } from './commands/local';
import { EXPORT, exportCmd } from './commands/export';
import * as routes from './commands/routes';
import * as settings from './commands/settings';
import * as services from './commands/services';
import * as managed from './commands/managed-services';
import * as target from './commands/target';
import * as tasks from './commands/tasks';
import { SSH, sshCmd } from './commands/ssh';
import { DEBUG, debugCmd } from './commands/debug';
import { DOTENV, dotenvCmd } from './commands/dotenv';
import { TRAFFIC, trafficCmd } from './commands/traffic';

/** Every command with its declaration (which gives its summary, usage and --help). */
export const COMMANDS: Record<string, [Command, Spec]> = {
  detect: [detectCmd, DETECT],
  stage: [stageCmd, STAGE],
  export: [exportCmd, EXPORT],
  push: [apps.pushCmd, apps.PUSH],
  restage: [apps.restageCmd, apps.RESTAGE],
  apps: [apps.appsCmd, apps.APPS],
  routes: [routes.routesCmd, routes.ROUTES],
  'map-route': [routes.mapRouteCmd, routes.MAP_ROUTE],
  'unmap-route': [routes.unmapRouteCmd, routes.UNMAP_ROUTE],
  swap: [routes.swapCmd, routes.SWAP],
  traffic: [trafficCmd, TRAFFIC],
  'swap-back': [apps.swapBackCmd, apps.SWAP_BACK],
  'continue-deployment': [apps.continueDeploymentCmd, apps.CONTINUE_DEPLOYMENT],
  'cancel-deployment': [apps.cancelDeploymentCmd, apps.CANCEL_DEPLOYMENT],
  scale: [apps.scaleCmd, apps.SCALE],
  restart: [apps.restartCmd, apps.RESTART],
  start: [apps.startCmd, apps.START],
  stop: [apps.stopCmd, apps.STOP],
  delete: [apps.deleteCmd, apps.DELETE],
  logs: [logsCmd, LOGS],
  events: [settings.eventsCmd, settings.EVENTS],
  env: [settings.envCmd, settings.ENV],
  'set-env': [settings.setEnvCmd, settings.SET_ENV],
  'unset-env': [settings.unsetEnvCmd, settings.UNSET_ENV],
  dotenv: [dotenvCmd, DOTENV],
  rename: [settings.renameCmd, settings.RENAME],
  'create-app-manifest': [settings.createAppManifestCmd, settings.CREATE_APP_MANIFEST],
  buildpacks: [settings.buildpacksCmd, settings.BUILDPACKS],
  stacks: [settings.stacksCmd, settings.STACKS],
  domains: [settings.domainsCmd, settings.DOMAINS],
  'create-route': [settings.createRouteCmd, settings.CREATE_ROUTE],
  'delete-route': [settings.deleteRouteCmd, settings.DELETE_ROUTE],
  marketplace: [managed.marketplaceCmd, managed.MARKETPLACE],
  services: [services.servicesCmd, services.SERVICES],
  'create-service': [managed.createServiceCmd, managed.CREATE_SERVICE],
  'delete-service': [managed.deleteServiceCmd, managed.DELETE_SERVICE],
  'create-user-provided-service': [services.cupsCmd, services.CUPS],
  cups: [services.cupsAliasCmd, services.CUPS_ALIAS],
  'update-user-provided-service': [services.uupsCmd, services.UUPS],
  uups: [services.uupsAliasCmd, services.UUPS_ALIAS],
  'bind-service': [services.bindServiceCmd, services.BIND_SERVICE],
  'unbind-service': [services.unbindServiceCmd, services.UNBIND_SERVICE],
  'create-service-key': [managed.createServiceKeyCmd, managed.CREATE_SERVICE_KEY],
  'service-keys': [managed.serviceKeysCmd, managed.SERVICE_KEYS],
  'service-key': [managed.serviceKeyCmd, managed.SERVICE_KEY],
  'delete-service-key': [managed.deleteServiceKeyCmd, managed.DELETE_SERVICE_KEY],
  'run-task': [tasks.runTaskCmd, tasks.RUN_TASK],
  tasks: [tasks.tasksCmd, tasks.TASKS],
  'terminate-task': [tasks.terminateTaskCmd, tasks.TERMINATE_TASK],
  ssh: [sshCmd, SSH],
  debug: [debugCmd, DEBUG],
  login: [login.loginCmd, login.LOGIN],
  logout: [login.logoutCmd, login.LOGOUT],
  target: [target.targetCmd, target.TARGET],
  'oauth-token': [target.oauthTokenCmd, target.OAUTH_TOKEN],
  foundation: [foundationCmd, FOUNDATION],
  demo: [demoCmd, DEMO],
};

function help(): void {
  console.log('Usage: cfpush COMMAND [ARGS]\n\nCommands:');
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  for (const [name, [, s]] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(width)}   ${s.summary}`);
  console.log("\n'cfpush COMMAND --help' shows a command's flags.");
  console.log('Environment: CFPUSH_HOME (default ~/.cfpush) holds config, tokens and the local foundation.');
}

async function dispatch(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return help();
  const entry = COMMANDS[name];
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
    if (err instanceof HelpShown) return;
    console.error(`FAILED\n${formatError(err)}`);
    process.exitCode = 1;
  });
}
