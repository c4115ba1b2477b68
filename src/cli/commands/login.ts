// login / logout: tokens go to CFPUSH_HOME/tokens.json (0600), never to config.
import { FileTokenStore } from '../../core/auth/store';
import { loginPrompts, loginWithPasscode, loginWithPassword, logout } from '../../core/auth/login';
import { CfPushError } from '../../core/errors';
import { currentTargetName, listTargets, setTarget } from '../../core/targets';
import { parse } from '../args';
import { ask } from '../prompt';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

const USAGE = 'cfpush login [-a API] [--name TARGET] [-u USERNAME] [-p PASSWORD] [--sso | --sso-passcode CODE] [-o ORG] [-s SPACE] [--skip-ssl-validation]';

export const loginCmd: Command = async (argv) => {
  const { values } = parse(
    argv,
    {
      api: { type: 'string', short: 'a' },
      name: { type: 'string' },
      username: { type: 'string', short: 'u' },
      password: { type: 'string', short: 'p' },
      sso: { type: 'boolean' },
      'sso-passcode': { type: 'string' },
      org: { type: 'string', short: 'o' },
      space: { type: 'string', short: 's' },
      'skip-ssl-validation': { type: 'boolean' },
    },
    USAGE,
  );
  const wanted = values.name ?? (values.api ? undefined : await currentTargetName());
  let target = (await listTargets()).find((t) => t.name === wanted);
  if (values.api) {
    const name = values.name ?? new URL(values.api).hostname;
    target = await setTarget({ name, api: values.api, org: values.org, space: values.space, skipSslValidation: values['skip-ssl-validation'] || undefined });
  } else if (target) {
    target = await setTarget({ name: target.name, org: values.org, space: values.space });
  }
  if (!target) throw new CfPushError('No target to log in to.', { hint: `Give its API: ${USAGE}` });
  if (target.local) {
    console.log('The local foundation logs you in by itself; nothing to do.');
    return;
  }
  const store = new FileTokenStore();
  const t = { name: target.name, api: target.api, skipSslValidation: target.skipSslValidation };
  const info = await loginPrompts(t);
  console.log(`API endpoint: ${target.api}`);
  if (values.sso || values['sso-passcode']) {
    const code = values['sso-passcode'] ?? (await ask(`Temporary Authentication Code ( Get one at ${info.passcodeUrl} ): `, true));
    await loginWithPasscode(t, code, store);
  } else {
    const username = values.username ?? process.env.CF_USERNAME ?? (await ask(`${info.prompts.username?.[1] ?? 'Email'}: `));
    if (values.password) process.stderr.write('Warning: -p puts the password in your shell history and process list; prefer the prompt or CF_PASSWORD.\n');
    const password = values.password ?? process.env.CF_PASSWORD ?? (await ask(`${info.prompts.password?.[1] ?? 'Password'}: `, true));
    await loginWithPassword(t, username, password, store);
  }
  const s = await session(terminalReporter(false));
  console.log(`Authenticating...\nOK\n\ntarget:  ${s.target.name}\nAPI:     ${s.target.api}\norg:     ${s.org.name}\nspace:   ${s.space.name}`);
};

export const logoutCmd: Command = async (argv) => {
  const { values } = parse(argv, { name: { type: 'string' } }, 'cfpush logout [--name TARGET]');
  const name = values.name ?? (await currentTargetName());
  await logout({ name }, new FileTokenStore());
  console.log(`Logged out of ${name}.\nOK`);
};
