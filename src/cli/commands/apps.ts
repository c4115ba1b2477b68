// push, restage, start, stop, delete, apps, logs.
import { basename, resolve } from 'node:path';
import { appSummaries, processSummaries } from '../../core/actors/app-summary';
import { CfPushError } from '../../core/errors';
import { loadManifest, locateManifest } from '../../core/manifest';
import {
  cancelDeployment,
  continueDeployment,
  deleteApp,
  previewPush,
  push,
  restage,
  restartApp,
  scaleApp,
  startApp,
  stopApp,
  swapBack,
  type PushOptions,
} from '../../core/push';
import { formatPreview } from '../../core/push/preview';
import { megabytes, need, parse, varsFrom } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

const PUSH_USAGE =
  'cfpush push [APP] [-p PATH] [-f MANIFEST] [-b BUILDPACK]... [--var KEY=VALUE]... [--vars-file FILE]... [--no-start] ' +
  '[--strategy blue-green|rolling|canary [--instance-steps 10,50]] [--smoke-test-path PATH | --smoke-test-command CMD] [--droplet FILE | --stage-locally | --stage-in-container [--stack IMAGE]] [-o IMAGE [--docker-username USER]] [--docker-registry HOST/REPO] [--preview] [--json]';

export const pushCmd: Command = async (argv) => {
  const { values, positionals } = parse(
    argv,
    {
      path: { type: 'string', short: 'p' },
      manifest: { type: 'string', short: 'f' },
      buildpack: { type: 'string', short: 'b', multiple: true },
      var: { type: 'string', multiple: true },
      'vars-file': { type: 'string', multiple: true },
      'no-start': { type: 'boolean' },
      strategy: { type: 'string' },
      'instance-steps': { type: 'string' },
      'smoke-test-path': { type: 'string' },
      'smoke-test-command': { type: 'string' },
      droplet: { type: 'string' },
      'stage-locally': { type: 'boolean' },
      'stage-in-container': { type: 'boolean' },
      stack: { type: 'string' },
      preview: { type: 'boolean' },
      'docker-image': { type: 'string', short: 'o' },
      'docker-username': { type: 'string' },
      'docker-registry': { type: 'string' },
      json: { type: 'boolean' },
    },
    PUSH_USAGE,
  );
  const strategy = values.strategy;
  if (strategy !== undefined && strategy !== 'blue-green' && strategy !== 'rolling' && strategy !== 'canary') {
    throw new CfPushError(`Incorrect usage: --strategy must be blue-green, rolling or canary, not '${strategy}'.`, { hint: `Usage: ${PUSH_USAGE}` });
  }
  const instanceSteps = values['instance-steps'] === undefined ? undefined : parseSteps(values['instance-steps'], strategy);
  if (values.droplet && values['stage-locally']) {
    throw new CfPushError('Incorrect usage: --droplet and --stage-locally cannot be used together.', { hint: `Usage: ${PUSH_USAGE}` });
  }
  const json = !!values.json;
  const r = terminalReporter(json);
  // Manifest problems are reported before anything talks to a target; the
  // preview and the push use this one reading.
  // No manifest and no name: the app is named after the folder it is pushed from (-p, else this one).
  const appName =
    positionals[0] ??
    (values.path && !locateManifest(process.cwd(), values.manifest) ? basename(resolve(values.path)).replace(/\.(zip|jar|war)$/i, '') : undefined);
  const manifest = await loadManifest({
    dir: process.cwd(),
    file: values.manifest ? resolve(values.manifest) : undefined,
    vars: varsFrom(values.var),
    varsFiles: values['vars-file']?.map((f) => resolve(f)),
    appName,
  });
  const s = await session(r);
  const pushOpts: PushOptions = {
    dir: process.cwd(),
    appName,
    manifestFile: values.manifest ? resolve(values.manifest) : undefined,
    manifest,
    path: values.path,
    buildpacks: values.buildpack,
    vars: varsFrom(values.var),
    varsFiles: values['vars-file']?.map((f) => resolve(f)),
    noStart: values['no-start'],
    strategy,
    instanceSteps,
    droplet: values.droplet,
    dockerImage: values['docker-image'],
    dockerUsername: values['docker-username'],
    dockerRegistry: values['docker-registry'],
    stageLocally: values['stage-locally'] || values['stage-in-container'],
    stageInContainer: values['stage-in-container'] ? { stack: values.stack } : undefined,
    smokeTest:
      values['smoke-test-path'] || values['smoke-test-command'] ? { path: values['smoke-test-path'], command: values['smoke-test-command'] } : undefined,
  };
  // What will change, before anything does (`--preview` stops here).
  const preview = await previewPush(s, pushOpts);
  if (values.preview) {
    if (json) return console.log(JSON.stringify(preview, null, 2));
    return console.log(formatPreview(preview, s.target.name));
  }
  r.step(formatPreview(preview, s.target.name));
  // Ctrl-C cancels: the push stops and removes the apps it had created; a second Ctrl-C quits at once.
  const ac = new AbortController();
  const onInterrupt = () => {
    if (ac.signal.aborted) process.exit(130);
    r.warn('Cancelling the push (Ctrl-C again to quit at once)');
    ac.abort();
  };
  process.on('SIGINT', onInterrupt);
  const apps = await push(s, { ...pushOpts, signal: ac.signal }, r).finally(() => process.off('SIGINT', onInterrupt));
  if (json) return console.log(JSON.stringify({ apps }, null, 2));
  for (const a of apps) {
    console.log(`\nname: ${a.name}\nstate: ${a.state}\nroutes: ${a.urls.join(', ') || '(none)'}`);
    if (a.deployment)
      console.log(`deployment: ${a.deployment.reason} (canary step ${a.deployment.canarySteps?.current ?? 1} of ${a.deployment.canarySteps?.total ?? 1})`);
  }
};

/** `--instance-steps 10,50`: ascending percentages 1-100, canary only (as the cf CLI checks them). */
function parseSteps(raw: string, strategy: string | undefined): number[] {
  if (strategy !== 'canary') throw new CfPushError('Incorrect usage: --instance-steps applies to --strategy canary only.', { hint: `Usage: ${PUSH_USAGE}` });
  const steps = raw.split(',').map((x) => Number(x.trim()));
  if (!steps.length || steps.some((n) => !Number.isInteger(n) || n < 1 || n > 100) || steps.some((n, i) => i > 0 && n < steps[i - 1]!)) {
    throw new CfPushError(`Incorrect usage: --instance-steps must be ascending whole percentages between 1 and 100, like 10,50 (got '${raw}').`, {
      hint: `Usage: ${PUSH_USAGE}`,
    });
  }
  return steps;
}

/** `continue-deployment APP [--no-wait]` and `cancel-deployment APP`, as in the cf CLI. */
export const continueDeploymentCmd: Command = async (argv) => {
  const usage = 'cfpush continue-deployment APP [--no-wait] [--json]';
  const { values, positionals } = parse(argv, { 'no-wait': { type: 'boolean' }, json: { type: 'boolean' } }, usage);
  const r = terminalReporter(!!values.json);
  const d = await continueDeployment(await session(r), need(positionals[0], 'APP', usage), r, { wait: !values['no-wait'] });
  if (values.json) return console.log(JSON.stringify({ deployment: d }, null, 2));
  console.log(`${positionals[0]}: deployment ${d.status.value} ${d.status.reason}`);
};

export const cancelDeploymentCmd: Command = async (argv) => {
  const usage = 'cfpush cancel-deployment APP [--json]';
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
  const r = terminalReporter(!!values.json);
  const d = await cancelDeployment(await session(r), need(positionals[0], 'APP', usage), r);
  if (values.json) return console.log(JSON.stringify({ deployment: d }, null, 2));
  console.log(`${positionals[0]}: deployment ${d.status.value} ${d.status.reason}`);
};

export const restageCmd: Command = async (argv) => {
  const usage = 'cfpush restage APP [--json]';
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
  const r = terminalReporter(!!values.json);
  const app = await restage(await session(r), need(positionals[0], 'APP', usage), r);
  if (values.json) return console.log(JSON.stringify({ app }, null, 2));
  console.log(`\nname: ${app.name}\nstate: ${app.state}\nroutes: ${app.urls.join(', ')}`);
};

function simple(op: typeof startApp | typeof stopApp, verb: string): Command {
  return async (argv) => {
    const usage = `cfpush ${verb} APP [--json]`;
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, usage);
    const r = terminalReporter(!!values.json);
    const app = await op(await session(r), need(positionals[0], 'APP', usage), r);
    if (values.json) console.log(JSON.stringify({ app }, null, 2));
    else console.log(`${app.name}: ${app.state}`);
  };
}
export const startCmd = simple(startApp, 'start');
export const stopCmd = simple(stopApp, 'stop');
export const restartCmd = simple(restartApp, 'restart');
export const swapBackCmd = simple(swapBack, 'swap-back');

export const scaleCmd: Command = async (argv) => {
  const usage = 'cfpush scale APP [-i INSTANCES] [-m MEMORY] [-k DISK] [--json]';
  const { values, positionals } = parse(
    argv,
    { instances: { type: 'string', short: 'i' }, memory: { type: 'string', short: 'm' }, disk: { type: 'string', short: 'k' }, json: { type: 'boolean' } },
    usage,
  );
  const mb = (v: string | undefined, flag: string) => megabytes(v, flag, usage);
  const r = terminalReporter(!!values.json);
  const app = await scaleApp(
    await session(r),
    need(positionals[0], 'APP', usage),
    { instances: values.instances === undefined ? undefined : Number(values.instances), memoryMb: mb(values.memory, '-m'), diskMb: mb(values.disk, '-k') },
    r,
  );
  if (values.json) console.log(JSON.stringify({ app }, null, 2));
  else console.log(`OK\n${app.name}: ${app.state}`);
};

export const deleteCmd: Command = async (argv) => {
  const usage = 'cfpush delete APP [-f]';
  const { positionals } = parse(argv, { force: { type: 'boolean', short: 'f' } }, usage);
  const r = terminalReporter(false);
  await deleteApp(await session(r), need(positionals[0], 'APP', usage), r);
  console.log('OK');
};

export const appsCmd: Command = async (argv) => {
  const { values } = parse(argv, { json: { type: 'boolean' } }, 'cfpush apps [--json]');
  const r = terminalReporter(!!values.json);
  const s = await session(r);
  const summaries = await appSummaries(s, { routes: true });
  const rows = summaries.map((x) => {
    const processes = processSummaries(x);
    const web = processes.find((p) => p.type === 'web');
    return {
      name: x.app.name,
      guid: x.app.guid,
      state: x.app.state,
      lifecycle: x.app.lifecycle.type,
      instances: { running: web?.running ?? 0, desired: web?.desired ?? 0 },
      processes: processes.map((p) => ({ type: p.type, running: p.running, desired: p.desired })),
      routes: x.routes.map((rt) => rt.url),
      urls: x.routes.map((rt) => s.routeUrl(rt.url)),
    };
  });
  if (values.json) return console.log(JSON.stringify({ org: s.org.name, space: s.space.name, apps: rows }, null, 2));
  console.log(`Getting apps in org ${s.org.name} / space ${s.space.name}\n`);
  // As `cf apps`: every process, "type:running/desired".
  table(
    ['name', 'requested state', 'processes', 'routes'],
    rows.map((x) => [x.name, x.state.toLowerCase(), x.processes.map((p) => `${p.type}:${p.running}/${p.desired}`).join(', '), x.routes.join(', ')]),
  );
};

export function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('   ')
      .trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  if (rows.length === 0) console.log('No items found.');
}

export function notFound(what: string): never {
  throw new CfPushError(`${what} not found.`);
}
