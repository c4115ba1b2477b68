// login / logout: tokens go to CFPUSH_HOME/tokens.json (0600), never to config.
import { FileTokenStore } from '../../core/auth/store';
import { loginPrompts, loginWithPasscode, loginWithPassword, logout } from '../../core/auth/login';
import { CfPushError } from '../../core/errors';
import { currentTargetName, listTargets, setTarget } from '../../core/targets';
import { parse, spec, usageOf } from '../args';
import { ask } from '../prompt';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const LOGIN = spec({
  name: 'login',
  summary: 'Log in to a Cloud Foundry (password or SSO passcode)',
  flags: {
    api: { type: 'string', short: 'a', arg: 'API', help: 'API URL (adds or updates the target)' },
    name: { type: 'string', arg: 'TARGET', help: 'Name of the target (default: the API host)' },
    username: { type: 'string', short: 'u', arg: 'USERNAME', help: 'User name (or CF_USERNAME; else asked)' },
    password: { type: 'string', short: 'p', arg: 'PASSWORD', help: 'Password (or CF_PASSWORD; else asked, which keeps it out of history)' },
    sso: { type: 'boolean', help: 'Log in with a one-time passcode from the SSO page' },
    'sso-passcode': { type: 'string', arg: 'CODE', help: 'The one-time passcode' },
    org: { type: 'string', short: 'o', arg: 'ORG', help: 'Org to target' },
    space: { type: 'string', short: 's', arg: 'SPACE', help: 'Space to target' },
    'skip-ssl-validation': { type: 'boolean', help: "Do not verify the target's TLS certificate" },
  },
});
const USAGE = usageOf(LOGIN);

export const loginCmd: Command = async (argv) => {
  const { values } = parse(argv, LOGIN);
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

export const LOGOUT = spec({
  name: 'logout',
  summary: 'Forget the tokens of a target',
  flags: { name: { type: 'string', arg: 'TARGET', help: 'The target (default: the current one)' } },
});

export const logoutCmd: Command = async (argv) => {
  const { values } = parse(argv, LOGOUT);
  const name = values.name ?? (await currentTargetName());
  await logout({ name }, new FileTokenStore());
  console.log(`Logged out of ${name}.\nOK`);
};
