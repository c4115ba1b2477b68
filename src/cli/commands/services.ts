// create-user-provided-service (cups), update-user-provided-service (uups),
// services, bind-service, unbind-service: the cf CLI's names and flags.
import { existsSync, readFileSync } from 'node:fs';
import { bindService, createUserProvidedService, listServices, unbindService, updateUserProvidedService } from '../../core/actors/services';
import type { UserProvidedFields } from '../../core/cc/requests/services';
import { need, parse, spec, usageError, type Spec } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';
import { jsonObjectArg } from './managed-services';

const JSON_FLAG = { type: 'boolean', help: 'Print the result as JSON' } as const;
const UPS_FLAGS = {
  credentials: { type: 'string', short: 'p', arg: 'CREDENTIALS', help: 'Credentials as a JSON object, or a file holding one' },
  'syslog-drain-url': { type: 'string', short: 'l', arg: 'URL', help: 'URL to which logs of bound apps are streamed' },
  'route-service-url': { type: 'string', short: 'r', arg: 'URL', help: 'URL to which requests for bound routes are forwarded' },
  tags: { type: 'string', short: 't', arg: 'TAGS', help: 'Comma-separated tags, e.g. "db, postgres"' },
  json: JSON_FLAG,
} as const;

export const CUPS = spec({
  name: 'create-user-provided-service',
  args: 'SERVICE_INSTANCE',
  summary: 'Make a user-provided service instance available to apps in this space (alias cups)',
  flags: UPS_FLAGS,
});
export const UUPS = spec({
  name: 'update-user-provided-service',
  args: 'SERVICE_INSTANCE',
  summary: 'Update a user-provided service instance (alias uups)',
  flags: UPS_FLAGS,
});

/** `-p '{"k":"v"}'` or `-p creds.json`; cf's comma list of names to prompt for needs a terminal cfpush does not take over. */
function fieldsOf(v: { credentials?: string; 'syslog-drain-url'?: string; 'route-service-url'?: string; tags?: string }, s: Spec): UserProvidedFields {
  const out: UserProvidedFields = {};
  if (v.credentials !== undefined) {
    const text = existsSync(v.credentials) ? readFileSync(v.credentials, 'utf8') : v.credentials;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw usageError(`-p must be a JSON object or a file holding one (got '${v.credentials.slice(0, 40)}'), e.g. -p '{"uri":"postgres://..."}'.`, s);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usageError('-p must be a JSON object, e.g. -p \'{"uri":"postgres://..."}\'.', s);
    out.credentials = parsed as Record<string, unknown>;
  }
  if (v['syslog-drain-url'] !== undefined) out.syslog_drain_url = v['syslog-drain-url'];
  if (v['route-service-url'] !== undefined) out.route_service_url = v['route-service-url'];
  if (v.tags !== undefined)
    out.tags = v.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  return out;
}

function upsCmd(s: typeof CUPS, verb: 'Creating' | 'Updating', op: typeof createUserProvidedService): Command {
  return async (argv) => {
    const { values, positionals } = parse(argv, s);
    const name = need(positionals[0], 'SERVICE_INSTANCE', s);
    const fields = fieldsOf(values, s);
    const sess = await session(terminalReporter(!!values.json));
    if (!values.json) console.log(`${verb} user provided service ${name} in org ${sess.org.name} / space ${sess.space.name}...`);
    const si = await op(sess, name, fields);
    if (values.json) return console.log(JSON.stringify({ service_instance: si }, null, 2));
    console.log(verb === 'Updating' ? "OK\n\nTIP: Use 'cfpush restage' for any bound apps to ensure your env variable changes take effect." : 'OK');
  };
}
export const cupsCmd = upsCmd(CUPS, 'Creating', createUserProvidedService);
export const uupsCmd = upsCmd(UUPS, 'Updating', updateUserProvidedService);
// cf's short names: the same commands, their help and usage under the alias.
export const CUPS_ALIAS = spec({ ...CUPS, name: 'cups' });
export const UUPS_ALIAS = spec({ ...UUPS, name: 'uups' });
export const cupsAliasCmd = upsCmd(CUPS_ALIAS, 'Creating', createUserProvidedService);
export const uupsAliasCmd = upsCmd(UUPS_ALIAS, 'Updating', updateUserProvidedService);

export const SERVICES = spec({ name: 'services', summary: 'List service instances in the targeted space', flags: { json: JSON_FLAG } });
export const servicesCmd: Command = async (argv) => {
  const { values } = parse(argv, SERVICES);
  const s = await session(terminalReporter(!!values.json));
  const list = await listServices(s);
  if (values.json) return console.log(JSON.stringify({ services: list }, null, 2));
  console.log(`Getting service instances in org ${s.org.name} / space ${s.space.name}...\n`);
  table(
    ['name', 'offering', 'plan', 'bound apps', 'last operation', 'broker'],
    list.map((x) => [x.name, x.offering, x.plan ?? '', x.boundApps.join(', '), x.lastOperation ?? '', x.broker ?? '']),
  );
};

export const BIND_SERVICE = spec({
  name: 'bind-service',
  args: 'APP SERVICE_INSTANCE',
  summary: 'Bind a service instance to an app (its credentials reach the app in VCAP_SERVICES)',
  flags: {
    'binding-name': { type: 'string', arg: 'NAME', help: 'Name of the binding in VCAP_SERVICES' },
    config: { type: 'string', short: 'c', arg: 'JSON', help: 'Binding parameters for the broker: a JSON object, or a file holding one' },
    json: JSON_FLAG,
  },
});
export const bindServiceCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, BIND_SERVICE);
  const [app, si] = [need(positionals[0], 'APP', BIND_SERVICE), need(positionals[1], 'SERVICE_INSTANCE', BIND_SERVICE)];
  const parameters = jsonObjectArg(values.config, BIND_SERVICE);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Binding service instance ${si} to app ${app} in org ${s.org.name} / space ${s.space.name}...`);
  const bound = await bindService(s, app, si, values['binding-name'], parameters);
  if (values.json) return console.log(JSON.stringify({ app, service_instance: si, created: bound }, null, 2));
  console.log(
    bound
      ? `OK\n\nTIP: Use 'cfpush restage ${app}' to ensure your env variable changes take effect`
      : `App ${app} is already bound to service instance ${si}.\nOK`,
  );
};

export const UNBIND_SERVICE = spec({
  name: 'unbind-service',
  args: 'APP SERVICE_INSTANCE',
  summary: 'Unbind a service instance from an app',
  flags: { json: JSON_FLAG },
});
export const unbindServiceCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, UNBIND_SERVICE);
  const [app, si] = [need(positionals[0], 'APP', UNBIND_SERVICE), need(positionals[1], 'SERVICE_INSTANCE', UNBIND_SERVICE)];
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Unbinding app ${app} from service ${si} in org ${s.org.name} / space ${s.space.name}...`);
  const removed = await unbindService(s, app, si);
  if (values.json) return console.log(JSON.stringify({ app, service_instance: si, removed }, null, 2));
  console.log(removed ? 'OK' : `Binding between ${si} and ${app} did not exist\nOK`);
};
