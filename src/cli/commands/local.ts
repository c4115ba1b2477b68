// detect and stage: run the buildpacks on this machine, before any push (the
// local foundation's installed ones, in its order, when it is the target).
import { basename, join, resolve } from 'node:path';
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
    { json: { type: 'boolean' }, buildpack: { type: 'string', short: 'b', multiple: true } },
    'cfpush detect [DIR] [-b BUILDPACK]... [--json]',
  );
  // On the local foundation: its installed buildpacks in its order, as its staging detects.
  const report = await detect(resolve(positionals[0] ?? '.'), { buildpacks: values.buildpack, installed: await localInstalledBuildpacks() });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatDetectReport(report));
  if (!report.selected && report.lifecycle !== 'docker') process.exitCode = 1;
};

export const stageCmd: Command = async (argv) => {
  const usage = 'cfpush stage [DIR] [-b BUILDPACK]... [-o FILE] [--in-container [--stack IMAGE]] [--json]';
  const { values, positionals } = parse(
    argv,
    {
      buildpack: { type: 'string', short: 'b', multiple: true },
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      'in-container': { type: 'boolean' },
      stack: { type: 'string' },
    },
    usage,
  );
  if (values.stack && !values['in-container']) throw new CfPushError('Incorrect usage: --stack needs --in-container.', { hint: `Usage: ${usage}` });
  const dir = resolve(positionals[0] ?? '.');
  const name = basename(dir);
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
  const res = await stage(
    {
      appDir: dir,
      buildpacks: values.buildpack,
      // In-container stagings keep their own cache: its files belong to what ran in the container.
      cacheDir: join(cfpushHome(), 'cache', runner ? 'stage-in-container' : 'stage', name),
      outputDroplet: out,
      log,
    },
    { runner, installed: await localInstalledBuildpacks() },
  );
  if (values.json) return console.log(JSON.stringify({ ...res, ...(stackImage ? { stackImage } : {}) }, null, 2));
  console.log(
    `\nDroplet: ${out}\nbuildpacks: ${res.buildpacks.map((b) => `${b.name} ${b.version}`).join(', ')}\nstack: ${res.stack}${stackImage ? ` (scripts ran in ${stackImage})` : ''}\nstart command: ${res.startCommand || '(none)'}`,
  );
};
