// target, oauth-token.
import { listTargets, currentTargetName, setTarget } from '../../core/targets';
import { parse } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const targetCmd: Command = async (argv) => {
  const { values, positionals } = parse(
    argv,
    {
      api: { type: 'string', short: 'a' },
      org: { type: 'string', short: 'o' },
      space: { type: 'string', short: 's' },
      'skip-ssl-validation': { type: 'boolean' },
      list: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    'cfpush target [NAME] [-a API] [-o ORG] [-s SPACE] [--skip-ssl-validation] [--list] [--json]',
  );
  if (values.list) {
    const current = await currentTargetName();
    const all = await listTargets();
    if (values.json) return console.log(JSON.stringify({ current, targets: all }, null, 2));
    for (const t of all) console.log(`${t.name === current ? '*' : ' '} ${t.name}  ${t.api}${t.local ? '  (local foundation)' : ''}`);
    return;
  }
  const changing = positionals[0] || values.api || values.org || values.space || values['skip-ssl-validation'];
  if (changing) {
    await setTarget({
      name: positionals[0],
      api: values.api,
      org: values.org,
      space: values.space,
      skipSslValidation: values['skip-ssl-validation'] || undefined,
    });
  }
  const s = await session(terminalReporter(!!values.json));
  const info = { target: s.target.name, api: s.target.api, org: s.org.name, space: s.space.name, local: !!s.target.local };
  if (values.json) return console.log(JSON.stringify(info, null, 2));
  console.log(`target:  ${info.target}${info.local ? ' (local foundation)' : ''}\nAPI:     ${info.api}\norg:     ${info.org}\nspace:   ${info.space}`);
};

export const oauthTokenCmd: Command = async (argv) => {
  parse(argv, {}, 'cfpush oauth-token');
  const s = await session(terminalReporter(false));
  console.log(`bearer ${await s.cc.token()}`);
};
