// detect and stage: run the buildpacks on this machine, before any push (the
// local foundation's installed ones, in its order, when it is the target).
import { basename, extname, join, resolve } from 'node:path';
import { openAppPath } from '../../core/bits';
import { cfpushHome } from '../../core/paths';
import { localInstalledBuildpacks } from '../../core/targets';
import { stage, StagingError } from '../../core/staging/builder';
import { stagingFailed } from '../../core/push/steps';
import { detect, formatDetectReport } from '../../core/staging/detect';
import { connectEngine } from '../../core/docker/engine';
import { ensureStackImage } from '../../core/docker/stack';
import { stackRunner } from '../../core/docker/stack-runner';
import type { ScriptRunner } from '../../core/staging/run';
import { parse, spec, usageError } from '../args';
import type { Command } from './common';

const PATH_FLAG = {
  type: 'string',
  short: 'p',
  arg: 'PATH',
  help: 'App folder, or a built .jar, .war or .zip (as cf push -p); also the first argument',
} as const;
const BUILDPACK_FLAG = {
  type: 'string',
  short: 'b',
  multiple: true,
  arg: 'BUILDPACK',
  help: 'Buildpack by name, folder, zip or Git URL (skips detection)',
} as const;

export const DETECT = spec({
  name: 'detect',
  args: '[PATH]',
  summary: 'Show which buildpack matches a folder, and why the others do not',
  flags: { path: PATH_FLAG, buildpack: BUILDPACK_FLAG, json: { type: 'boolean', help: 'Print the result as JSON' } },
});

export const STAGE = spec({
  name: 'stage',
  args: '[PATH]',
  summary: 'Stage a folder locally into a droplet .tgz',
  flags: {
    path: PATH_FLAG,
    buildpack: BUILDPACK_FLAG,
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'Droplet file to write (default NAME.droplet.tgz)' },
    'in-container': { type: 'boolean', help: 'Run the buildpack scripts in the stack container, as vcap' },
    stack: { type: 'string', arg: 'IMAGE', help: 'Stack image for --in-container (default cfpush/stack:bookworm)' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const detectCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, DETECT);
  // PATH as cf push's -p: a folder, or an archive (app.jar, app.war, app.zip) unpacked for the look.
  const app = await openAppPath(resolve(values.path ?? positionals[0] ?? '.'));
  // On the local foundation: its installed buildpacks in its order, as its staging detects.
  const report = await detect(app.dir, { buildpacks: values.buildpack, installed: await localInstalledBuildpacks() }).finally(() => app.close());
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatDetectReport(report));
  if (!report.selected && report.lifecycle !== 'docker') process.exitCode = 1;
};

export const stageCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, STAGE);
  if (values.stack && !values['in-container']) throw usageError('--stack needs --in-container.', STAGE);
  const path = resolve(values.path ?? positionals[0] ?? '.');
  const name = basename(path, extname(path) === '.jar' || extname(path) === '.war' || extname(path) === '.zip' ? extname(path) : '');
  const out = resolve(values.output ?? `${name}.droplet.tgz`);
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`   [STG/0] ${line}\n`);
  let runner: ScriptRunner | undefined;
  let stackImage: string | undefined;
  if (values['in-container']) {
    // Parity staging: the same builder, its buildpack scripts in a stack container.
    const docker = await connectEngine();
    stackImage = (await ensureStackImage({ image: values.stack, docker, log })).image;
    runner = stackRunner({ docker, image: stackImage });
  }
  const app = await openAppPath(path);
  const res = await stage(
    {
      appDir: app.dir,
      buildpacks: values.buildpack,
      // In-container stagings keep their own cache: its files belong to what ran in the container.
      cacheDir: join(cfpushHome(), 'cache', runner ? 'stage-in-container' : 'stage', name),
      outputDroplet: out,
      log,
    },
    { runner, installed: await localInstalledBuildpacks() },
  )
    .catch((err: unknown) => {
      // As the target reports it: CC's error id (BuildpackCompileFailed for exit 223, ...), then the builder's message.
      throw err instanceof StagingError ? stagingFailed(name, err.errorId, err.message) : err;
    })
    .finally(() => app.close());
  if (values.json) return console.log(JSON.stringify({ ...res, ...(stackImage ? { stackImage } : {}) }, null, 2));
  console.log(
    `\nDroplet: ${out}\nbuildpacks: ${res.buildpacks.map((b) => `${b.name} ${b.version}`).join(', ')}\nstack: ${res.stack}${stackImage ? ` (scripts ran in ${stackImage})` : ''}\nstart command: ${res.startCommand || '(none)'}`,
  );
};
