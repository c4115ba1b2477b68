// `cfpush dotenv APP`: the app's VCAP_SERVICES, VCAP_APPLICATION and own
// variables into a .env file, to run or debug it outside the foundation
// against the same services (cf has no such command; SAP's default-env
// plugin does this as default-env.json).
import { resolve } from 'node:path';
import { appRunEnv, gitIgnores, writeDotenv } from '../../core/actors/local-run-env';
import { need, parse, spec } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const DOTENV = spec({
  name: 'dotenv',
  args: 'APP',
  summary: "Write the app's VCAP_SERVICES, VCAP_APPLICATION and variables into a .env file",
  flags: {
    file: { type: 'string', short: 'o', arg: 'FILE', help: 'The file to write (default: .env here); its other keys are kept' },
    json: { type: 'boolean', help: 'Print what was written as JSON' },
  },
  notes: ['The file holds credentials: it is written readable by you only. Keep it out of version control.'],
});

export const dotenvCmd: Command = async (argv) => {
  const usage = DOTENV;
  const { values, positionals } = parse(argv, usage);
  const appName = need(positionals[0], 'APP', usage);
  const s = await session(terminalReporter(!!values.json));
  const file = resolve(values.file ?? '.env');
  const vars = await appRunEnv(s, appName);
  const out = await writeDotenv(file, vars, `${appName} on ${s.target.name} (${s.org.name}/${s.space.name})`);
  const ignored = await gitIgnores(file);
  if (ignored === false) process.stderr.write(`Warning: ${file} is not ignored by git: add it to .gitignore, it holds credentials.\n`);
  if (values.json) return console.log(JSON.stringify({ app: appName, file, ...out, git_ignored: ignored ?? null }, null, 2));
  console.log(`Wrote ${out.written.join(', ')} of ${appName} to ${file}${out.kept ? ` (kept ${out.kept} other variable(s))` : ''}.`);
  console.log('It holds credentials: keep it out of version control.');
};
