// detect and stage: run the buildpacks on this machine, before any push.
import { basename, join, resolve } from 'node:path';
import { cfpushHome } from '../../core/paths';
import { stage } from '../../core/staging/builder';
import { detect, formatDetectReport } from '../../core/staging/detect';
import { parse } from '../args';
import type { Command } from './common';

export const detectCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, buildpack: { type: 'string', short: 'b', multiple: true } }, 'cfpush detect [DIR] [-b BUILDPACK]... [--json]');
  const report = await detect(resolve(positionals[0] ?? '.'), { buildpacks: values.buildpack });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatDetectReport(report));
  if (!report.selected && report.lifecycle !== 'docker') process.exitCode = 1;
};

export const stageCmd: Command = async (argv) => {
  const { values, positionals } = parse(
    argv,
    { buildpack: { type: 'string', short: 'b', multiple: true }, output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
    'cfpush stage [DIR] [-b BUILDPACK]... [-o FILE] [--json]',
  );
  const dir = resolve(positionals[0] ?? '.');
  const name = basename(dir);
  const out = resolve(values.output ?? `${name}.droplet.tgz`);
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`   [STG/0] ${line}\n`);
  const res = await stage({
    appDir: dir,
    buildpacks: values.buildpack,
    cacheDir: join(cfpushHome(), 'cache', 'stage', name),
    outputDroplet: out,
    log,
  });
  if (values.json) return console.log(JSON.stringify(res, null, 2));
  console.log(`\nDroplet: ${out}\nbuildpacks: ${res.buildpacks.map((b) => `${b.name} ${b.version}`).join(', ')}\nstack: ${res.stack}\nstart command: ${res.startCommand || '(none)'}`);
};
