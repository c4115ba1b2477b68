// push, restage, start, stop, delete, apps, logs.
import { basename, resolve } from 'node:path';
import { appSummaries, processSummaries } from '../../core/actors/app-summary';
import { CfPushError } from '../../core/errors';
import { loadManifest, locateManifest, manifestWarnings, type Manifest } from '../../core/manifest';
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
  type AppOverrides,
  type PushOptions,
} from '../../core/push';
import { formatPreview } from '../../core/push/preview';
import { megabytes, need, parse, spec, usageError, varsFrom } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const PUSH = spec({
  name: 'push',
  args: '[APP]',
  summary: 'Push apps from a folder or manifest',
  flags: {
    path: { type: 'string', short: 'p', arg: 'PATH', help: "App folder, or a .zip, .jar or .war archive (overrides the manifest's path)" },
    manifest: { type: 'string', short: 'f', arg: 'MANIFEST', help: 'Path to the manifest (default: manifest.yml in this folder)' },
    'no-manifest': { type: 'boolean', help: 'Ignore the manifest file' },
    buildpack: { type: 'string', short: 'b', multiple: true, arg: 'BUILDPACK', help: 'Buildpack by name (nodejs_buildpack), folder, zip or Git URL' },
    memory: { type: 'string', short: 'm', arg: 'MEMORY', help: 'Memory limit (256M, 1024M, 1G)' },
    disk: { type: 'string', short: 'k', arg: 'DISK', help: 'Disk limit (256M, 1024M, 1G)' },
    instances: { type: 'string', short: 'i', arg: 'NUM', help: 'Number of instances' },
    'start-command': { type: 'string', short: 'c', arg: 'COMMAND', help: 'Start command; "null" resets it to the buildpack\'s' },
    'health-check-type': { type: 'string', short: 'u', arg: 'TYPE', help: 'Health check type: port, process or http' },
    endpoint: { type: 'string', arg: 'PATH', help: 'Path the http health check requests (with -u http)' },
    'app-start-timeout': { type: 'string', short: 't', arg: 'SECONDS', help: 'Seconds from start to the first healthy response' },
    stack: {
      type: 'string',
      short: 's',
      arg: 'STACK',
      help: 'Stack to stage and run on (cflinuxfs4); with --stage-in-container, the stack image (default cfpush/stack:bookworm)',
    },
    'no-route': { type: 'boolean', help: 'Map no route to the app (removes the routes of an existing app)' },
    'random-route': { type: 'boolean', help: 'Map a random route when the app has none' },
    task: { type: 'boolean', help: 'An app that only runs tasks: staged, not started, no route' },
    var: { type: 'string', multiple: true, arg: 'KEY=VALUE', help: 'Variable for ((KEY)) in the manifest' },
    'vars-file': { type: 'string', multiple: true, arg: 'FILE', help: 'YAML file of manifest variables' },
    'no-start': { type: 'boolean', help: 'Stage but do not start the app' },
    'no-wait': { type: 'boolean', help: 'With --strategy rolling: exit when the first new instance is healthy, the rollout going on' },
    strategy: { type: 'string', arg: 'STRATEGY', help: 'rolling or canary (CC deployments, no downtime), or blue-green (a second app, health-gated swap)' },
    'instance-steps': { type: 'string', arg: 'PERCENTS', help: 'Canary steps as percentages of the instances, like 10,50' },
    'smoke-test-path': { type: 'string', arg: 'PATH', help: 'Blue-green gate: GET this path on the temporary route (default /)' },
    'smoke-test-command': { type: 'string', arg: 'COMMAND', help: 'Blue-green gate: run this command with APP_URL set' },
    droplet: { type: 'string', arg: 'FILE', help: 'Push this droplet .tgz instead of the app files' },
    'stage-locally': { type: 'boolean', help: 'Stage on this machine and push only the droplet' },
    'stage-in-container': { type: 'boolean', help: 'Stage on this machine in the stack container, push only the droplet' },
    preview: { type: 'boolean', help: 'Print what would change and stop' },
    'docker-image': { type: 'string', short: 'o', arg: 'IMAGE', help: 'Docker image to push (docker lifecycle)' },
    'docker-username': { type: 'string', arg: 'USER', help: 'Registry user for -o (password from CF_DOCKER_PASSWORD)' },
    'docker-registry': { type: 'string', arg: 'HOST/REPO', help: 'Where an image built from a Dockerfile goes for a remote target' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
  notes: ['Flags override the manifest for the one app pushed, as in the cf CLI.'],
});

export const pushCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, PUSH);
  const together = (...flags: [string, unknown][]) => {
    const given = flags.filter(([, v]) => v !== undefined && v !== false);
    if (given.length > 1) throw usageError(`The following arguments cannot be used together: ${given.map(([n]) => n).join(', ')}`, PUSH);
  };
  together(['--docker-image, -o', values['docker-image']], ['-p', values.path]);
  together(['--docker-image, -o', values['docker-image']], ['-b', values.buildpack]);
  together(['--no-route', values['no-route']], ['--random-route', values['random-route']]);
  together(['--no-manifest', values['no-manifest']], ['-f', values.manifest]);
  together(['--droplet', values.droplet], ['-p', values.path]);
  if (values['docker-username'] !== undefined && values['docker-image'] === undefined)
    throw usageError("Incorrect Usage: '--docker-image, -o' and '--docker-username' must be used together.", PUSH);
  // Before anything is created on the target: a push that would stop at the package must not start.
  if (values['docker-username'] !== undefined && !process.env.CF_DOCKER_PASSWORD)
    throw new CfPushError('Environment variable CF_DOCKER_PASSWORD not set.', {
      hint: `Set CF_DOCKER_PASSWORD to the registry password of ${values['docker-username']} (it is never taken from a flag or the manifest).`,
    });
  if (values.endpoint !== undefined && (values['health-check-type'] ?? 'http') !== 'http') {
    throw usageError(`The following arguments cannot be used together: --endpoint, --health-check-type=${values['health-check-type']}`, PUSH);
  }
  const overrides = pushOverrides(values);
  const strategy = values.strategy;
  if (strategy !== undefined && strategy !== 'blue-green' && strategy !== 'rolling' && strategy !== 'canary') {
    throw usageError(`--strategy must be blue-green, rolling or canary, not '${strategy}'.`, PUSH);
  }
  const instanceSteps = values['instance-steps'] === undefined ? undefined : parseSteps(values['instance-steps'], strategy);
  if (values.droplet && values['stage-locally']) {
    throw usageError('The following arguments cannot be used together: --droplet, --stage-locally', PUSH);
  }
  const json = !!values.json;
  const r = terminalReporter(json);
  // Manifest problems are reported before anything talks to a target; the
  // preview and the push use this one reading.
  // No manifest and no name: the app is named after the folder it is pushed from (-p, else this one).
  const appName =
    positionals[0] ??
    (values.path && (values['no-manifest'] || !locateManifest(process.cwd(), values.manifest))
      ? basename(resolve(values.path)).replace(/\.(zip|jar|war)$/i, '')
      : values['no-manifest']
        ? basename(process.cwd())
        : undefined);
  const manifest: Manifest = values['no-manifest']
    ? { apps: [{ name: appName!, path: resolve(values.path ?? '.'), raw: { name: appName! } }], diagnostics: [] }
    : await loadManifest({
        dir: process.cwd(),
        file: values.manifest ? resolve(values.manifest) : undefined,
        vars: varsFrom(values.var),
        varsFiles: values['vars-file']?.map((f) => resolve(f)),
        appName,
      });
  for (const w of manifestWarnings(manifest.diagnostics)) r.warn(w);
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
    noWait: values['no-wait'],
    task: values.task,
    overrides,
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
  const apps = await push(s, { ...pushOpts, targetChecked: true, signal: ac.signal }, r).finally(() => process.off('SIGINT', onInterrupt));
  if (json) return console.log(JSON.stringify({ apps }, null, 2));
  for (const a of apps) {
    console.log(`\nname: ${a.name}\nstate: ${a.state}\nroutes: ${a.urls.join(', ') || '(none)'}`);
    if (a.deployment)
      console.log(`deployment: ${a.deployment.reason} (canary step ${a.deployment.canarySteps?.current ?? 1} of ${a.deployment.canarySteps?.total ?? 1})`);
  }
};

/** `--instance-steps 10,50`: ascending percentages 1-100, canary only (as the cf CLI checks them). */
function parseSteps(raw: string, strategy: string | undefined): number[] {
  if (strategy !== 'canary') throw usageError('--instance-steps applies to --strategy canary only.', PUSH);
  const steps = raw.split(',').map((x) => Number(x.trim()));
  if (!steps.length || steps.some((n) => !Number.isInteger(n) || n < 1 || n > 100) || steps.some((n, i) => i > 0 && n < steps[i - 1]!)) {
    throw usageError(`--instance-steps must be ascending whole percentages between 1 and 100, like 10,50 (got '${raw}').`, PUSH);
  }
  return steps;
}

/** The flags that override the manifest, checked as the cf CLI checks them. */
function pushOverrides(v: ReturnType<typeof parse<typeof PUSH.flags>>['values']): AppOverrides {
  const whole = (x: string | undefined, flag: string, min: number): number | undefined => {
    if (x === undefined) return undefined;
    const n = Number(x);
    if (!/^\d+$/.test(x) || n < min) throw usageError(`${flag} '${x}' must be a whole number${min ? ` of at least ${min}` : ''}.`, PUSH);
    return n;
  };
  let hc = v['health-check-type'];
  if (hc === 'none') hc = 'process'; // cf's old name for it
  if (hc !== undefined && hc !== 'port' && hc !== 'process' && hc !== 'http') {
    throw usageError(`-u '${hc}' is not a health check type: use port, process or http.`, PUSH);
  }
  if (v.endpoint !== undefined && !v.endpoint.startsWith('/')) throw usageError(`--endpoint '${v.endpoint}' must be a path starting with /.`, PUSH);
  return {
    memoryMb: megabytes(v.memory, '-m', PUSH),
    diskMb: megabytes(v.disk, '-k', PUSH),
    instances: whole(v.instances, '-i', 0),
    command: v['start-command'],
    healthCheckType: hc,
    healthCheckHttpEndpoint: v.endpoint,
    timeout: whole(v['app-start-timeout'], '-t', 1),
    // With --stage-in-container, -s names the stack image to stage in instead.
    stack: v['stage-in-container'] ? undefined : v.stack,
    noRoute: v['no-route'] || v.task || undefined,
    randomRoute: v['random-route'] || undefined,
  };
}

/** `continue-deployment APP [--no-wait]` and `cancel-deployment APP`, as in the cf CLI. */
export const CONTINUE_DEPLOYMENT = spec({
  name: 'continue-deployment',
  args: 'APP',
  summary: 'Roll out the rest of a paused canary deployment',
  flags: {
    'no-wait': { type: 'boolean', help: 'Exit when the rollout has started, without waiting for it' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const continueDeploymentCmd: Command = async (argv) => {
  const usage = CONTINUE_DEPLOYMENT;
  const { values, positionals } = parse(argv, usage);
  const r = terminalReporter(!!values.json);
  const d = await continueDeployment(await session(r), need(positionals[0], 'APP', usage), r, { wait: !values['no-wait'] });
  if (values.json) return console.log(JSON.stringify({ deployment: d }, null, 2));
  console.log(`${positionals[0]}: deployment ${d.status.value} ${d.status.reason}`);
};

export const CANCEL_DEPLOYMENT = spec({
  name: 'cancel-deployment',
  args: 'APP',
  summary: "Cancel an app's active deployment: the previous version comes back",
  flags: { json: { type: 'boolean', help: 'Print the result as JSON' } },
});

export const cancelDeploymentCmd: Command = async (argv) => {
  const usage = CANCEL_DEPLOYMENT;
  const { values, positionals } = parse(argv, usage);
  const r = terminalReporter(!!values.json);
  const d = await cancelDeployment(await session(r), need(positionals[0], 'APP', usage), r);
  if (values.json) return console.log(JSON.stringify({ deployment: d }, null, 2));
  console.log(`${positionals[0]}: deployment ${d.status.value} ${d.status.reason}`);
};

export const RESTAGE = spec({
  name: 'restage',
  args: 'APP',
  summary: 'Stage an app again from its last package',
  flags: { json: { type: 'boolean', help: 'Print the result as JSON' } },
});

export const restageCmd: Command = async (argv) => {
  const usage = RESTAGE;
  const { values, positionals } = parse(argv, usage);
  const r = terminalReporter(!!values.json);
  const app = await restage(await session(r), need(positionals[0], 'APP', usage), r);
  if (values.json) return console.log(JSON.stringify({ app }, null, 2));
  console.log(`\nname: ${app.name}\nstate: ${app.state}\nroutes: ${app.urls.join(', ')}`);
};

function simpleSpec(name: string, summary: string) {
  return spec({ name, args: 'APP', summary, flags: { json: { type: 'boolean', help: 'Print the result as JSON' } } });
}
export const START = simpleSpec('start', 'Start an app');
export const STOP = simpleSpec('stop', 'Stop an app');
export const RESTART = simpleSpec('restart', 'Restart an app');
export const SWAP_BACK = simpleSpec('swap-back', 'Restore the version a blue-green push replaced');

function simple(op: typeof startApp | typeof stopApp, usage: ReturnType<typeof simpleSpec>): Command {
  return async (argv) => {
    const { values, positionals } = parse(argv, usage);
    const r = terminalReporter(!!values.json);
    const app = await op(await session(r), need(positionals[0], 'APP', usage), r);
    if (values.json) console.log(JSON.stringify({ app }, null, 2));
    else console.log(`${app.name}: ${app.state}`);
  };
}
export const startCmd = simple(startApp, START);
export const stopCmd = simple(stopApp, STOP);
export const restartCmd = simple(restartApp, RESTART);
export const swapBackCmd = simple(swapBack, SWAP_BACK);

export const SCALE = spec({
  name: 'scale',
  args: 'APP',
  summary: 'Change instances, memory or disk',
  flags: {
    instances: { type: 'string', short: 'i', arg: 'INSTANCES', help: 'Number of instances' },
    memory: { type: 'string', short: 'm', arg: 'MEMORY', help: 'Memory limit (256M, 1024M, 1G)' },
    disk: { type: 'string', short: 'k', arg: 'DISK', help: 'Disk limit (256M, 1024M, 1G)' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const scaleCmd: Command = async (argv) => {
  const usage = SCALE;
  const { values, positionals } = parse(argv, usage);
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

export const DELETE = spec({
  name: 'delete',
  args: 'APP',
  summary: 'Delete an app',
  flags: { force: { type: 'boolean', short: 'f', help: 'Do not ask for confirmation (cfpush never asks; accepted as cf takes it)' } },
});

export const deleteCmd: Command = async (argv) => {
  const usage = DELETE;
  const { positionals } = parse(argv, usage);
  const r = terminalReporter(false);
  await deleteApp(await session(r), need(positionals[0], 'APP', usage), r);
  console.log('OK');
};

export const APPS = spec({ name: 'apps', summary: 'List apps in the targeted space', flags: { json: { type: 'boolean', help: 'Print the result as JSON' } } });

export const appsCmd: Command = async (argv) => {
  const { values } = parse(argv, APPS);
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
