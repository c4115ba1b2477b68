// target, oauth-token.
import { listTargets, currentTargetName, setTarget } from '../../core/targets';
import { parse, spec } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const TARGET = spec({
  name: 'target',
  args: '[NAME]',
  summary: 'Show or set the target (the local foundation by default)',
  flags: {
    api: { type: 'string', short: 'a', arg: 'API', help: 'API URL of a Cloud Foundry to add as target NAME' },
    org: { type: 'string', short: 'o', arg: 'ORG', help: 'Org to target' },
    space: { type: 'string', short: 's', arg: 'SPACE', help: 'Space to target' },
    'skip-ssl-validation': { type: 'boolean', help: "Do not verify the target's TLS certificate (only for a target you trust)" },
    list: { type: 'boolean', help: 'List the targets' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
});

export const targetCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, TARGET);
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

export const OAUTH_TOKEN = spec({ name: 'oauth-token', summary: "Print the current target's bearer token", flags: {} });

export const oauthTokenCmd: Command = async (argv) => {
  parse(argv, OAUTH_TOKEN);
  const s = await session(terminalReporter(false));
  console.log(`bearer ${await s.cc.token()}`);
};
