// detect and stage: run the buildpacks on this machine, before any push (the
// local foundation's installed ones, in its order, when it is the target).
import { basename, extname, join, resolve } from 'node:path';
import { openAppPath } from '../../core/bits';
import { cfpushHome } from '../../core/paths';
import { localInstalledBuildpacks } from '../../core/targets';
import { stage } from '../../core/staging/builder';
import { detect, formatDetectReport } from '../../core/staging/detect';
import { CfPushError } from '../../core/errors';
import { connectEngine } from '../../core/docker/engine';
import { ensureStackImage } from '../../core/docker/stack';
import { stackRunner } from '../../core/docker/stack-runner';
import type { ScriptRunner } from '../../core/staging/run';
import { parse } from '../args';
import type { Command } from './common';

export const detectCmd: Command = async (argv) => {
  const { values, positionals } = parse(
    argv,
    { json: { type: 'boolean' }, buildpack: { type: 'string', short: 'b', multiple: true }, path: { type: 'string', short: 'p' } },
    'cfpush detect [PATH | -p PATH] [-b BUILDPACK]... [--json]',
  );
  // PATH as cf push's -p: a folder, or an archive (app.jar, app.war, app.zip) unpacked for the look.
  const app = await openAppPath(resolve(values.path ?? positionals[0] ?? '.'));
  // On the local foundation: its installed buildpacks in its order, as its staging detects.
  const report = await detect(app.dir, { buildpacks: values.buildpack, installed: await localInstalledBuildpacks() }).finally(() => app.close());
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatDetectReport(report));
  if (!report.selected && report.lifecycle !== 'docker') process.exitCode = 1;
};

export const stageCmd: Command = async (argv) => {
  const usage = 'cfpush stage [PATH | -p PATH] [-b BUILDPACK]... [-o FILE] [--in-container [--stack IMAGE]] [--json]';
  const { values, positionals } = parse(
    argv,
    {
      buildpack: { type: 'string', short: 'b', multiple: true },
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      'in-container': { type: 'boolean' },
      stack: { type: 'string' },
      path: { type: 'string', short: 'p' },
    },
    usage,
  );
  if (values.stack && !values['in-container']) throw new CfPushError('Incorrect usage: --stack needs --in-container.', { hint: `Usage: ${usage}` });
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
  ).finally(() => app.close());
  if (values.json) return console.log(JSON.stringify({ ...res, ...(stackImage ? { stackImage } : {}) }, null, 2));
  console.log(
    `\nDroplet: ${out}\nbuildpacks: ${res.buildpacks.map((b) => `${b.name} ${b.version}`).join(', ')}\nstack: ${res.stack}${stackImage ? ` (scripts ran in ${stackImage})` : ''}\nstart command: ${res.startCommand || '(none)'}`,
  );
};
