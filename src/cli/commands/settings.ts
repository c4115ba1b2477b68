// env, set-env, unset-env, rename, events, buildpacks, stacks, domains,
// create-route, delete-route, create-app-manifest: the cf CLI's names,
// arguments and output, each with --json.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  appEnv,
  appEvents,
  appManifest,
  createRoute,
  deleteRoute,
  listBuildpacks,
  listDomains,
  listStacks,
  renameApp,
  setEnv,
  unsetEnv,
} from '../../core/actors/app-settings';
import { need, parse, spec } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';

const JSON_FLAG = { type: 'boolean', help: 'Print the result as JSON' } as const;
const where = (s: { org: { name: string }; space: { name: string } }) => `in org ${s.org.name} / space ${s.space.name}`;
const block = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}`)
    .join('\n\n');

export const ENV = spec({ name: 'env', args: 'APP', summary: "Show an app's environment variables", flags: { json: JSON_FLAG } });
export const envCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, ENV);
  const s = await session(terminalReporter(!!values.json));
  const { app, env } = await appEnv(s, need(positionals[0], 'APP', ENV));
  if (values.json) return console.log(JSON.stringify(env, null, 2));
  console.log(`Getting env variables for app ${app.name} ${where(s)}...\n`);
  console.log(`System-Provided:\n${block({ ...env.system_env_json, ...env.application_env_json })}\n`);
  const user = env.environment_variables ?? {};
  console.log(Object.keys(user).length ? `User-Provided:\n${block(user)}\n` : 'No user-provided env variables have been set\n');
  console.log(
    Object.keys(env.running_env_json ?? {}).length
      ? `Running Environment Variable Groups:\n${block(env.running_env_json)}\n`
      : 'No running env variables have been set\n',
  );
  console.log(
    Object.keys(env.staging_env_json ?? {}).length
      ? `Staging Environment Variable Groups:\n${block(env.staging_env_json)}`
      : 'No staging env variables have been set',
  );
};

export const SET_ENV = spec({ name: 'set-env', args: 'APP NAME VALUE', summary: 'Set an env variable for an app', flags: { json: JSON_FLAG } });
export const setEnvCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, SET_ENV);
  const [appName, name, value] = [need(positionals[0], 'APP', SET_ENV), need(positionals[1], 'NAME', SET_ENV), positionals[2]];
  if (value === undefined) need(undefined, 'VALUE', SET_ENV);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Setting env variable ${name} for app ${appName} ${where(s)}...`);
  const vars = await setEnv(s, appName, name, value!);
  if (values.json) return console.log(JSON.stringify({ app: appName, environment_variables: vars }, null, 2));
  console.log(`OK\n\nTIP: Use 'cfpush restage ${appName}' to ensure your env variable changes take effect.`);
};

export const UNSET_ENV = spec({ name: 'unset-env', args: 'APP NAME', summary: 'Remove an env variable from an app', flags: { json: JSON_FLAG } });
export const unsetEnvCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, UNSET_ENV);
  const [appName, name] = [need(positionals[0], 'APP', UNSET_ENV), need(positionals[1], 'NAME', UNSET_ENV)];
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Removing env variable ${name} from app ${appName} ${where(s)}...`);
  const removed = await unsetEnv(s, appName, name);
  if (values.json) return console.log(JSON.stringify({ app: appName, name, removed }, null, 2));
  console.log(
    removed ? `OK\n\nTIP: Use 'cfpush restage ${appName}' to ensure your env variable changes take effect.` : `Env variable ${name} was not set.\nOK`,
  );
};

export const RENAME = spec({ name: 'rename', args: 'APP NEW_NAME', summary: 'Rename an app', flags: { json: JSON_FLAG } });
export const renameCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, RENAME);
  const [from, to] = [need(positionals[0], 'APP', RENAME), need(positionals[1], 'NEW_NAME', RENAME)];
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Renaming app ${from} to ${to} ${where(s)}...`);
  const app = await renameApp(s, from, to);
  if (values.json) return console.log(JSON.stringify({ app: { name: app.name, guid: app.guid } }, null, 2));
  console.log('OK');
};

export const EVENTS = spec({ name: 'events', args: 'APP', summary: "Show an app's recent events, newest first", flags: { json: JSON_FLAG } });
export const eventsCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, EVENTS);
  const s = await session(terminalReporter(!!values.json));
  const { app, events } = await appEvents(s, need(positionals[0], 'APP', EVENTS));
  if (values.json) return console.log(JSON.stringify({ app: app.name, events }, null, 2));
  console.log(`Getting events for app ${app.name} ${where(s)}...\n`);
  table(
    ['time', 'event', 'actor', 'description'],
    events.map((e) => [e.created_at, e.type, e.actor?.name ?? '', describe(e)]),
  );
};

function describe(e: { data?: unknown }): string {
  const req = (e.data as { request?: Record<string, unknown> } | undefined)?.request;
  if (!req) return '';
  return Object.entries(req)
    .filter(([, v]) => v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

export const BUILDPACKS = spec({ name: 'buildpacks', summary: "List the target's buildpacks in detection order", flags: { json: JSON_FLAG } });
export const buildpacksCmd: Command = async (argv) => {
  const { values } = parse(argv, BUILDPACKS);
  const s = await session(terminalReporter(!!values.json));
  const bps = await listBuildpacks(s);
  if (values.json) return console.log(JSON.stringify({ buildpacks: bps }, null, 2));
  console.log('Getting buildpacks...\n');
  table(
    ['position', 'name', 'stack', 'enabled', 'locked', 'filename'],
    bps.map((b) => [String(b.position ?? ''), b.name, b.stack ?? '', String(b.enabled ?? ''), String(b.locked ?? ''), b.filename ?? '']),
  );
};

export const STACKS = spec({ name: 'stacks', summary: "List the target's stacks", flags: { json: JSON_FLAG } });
export const stacksCmd: Command = async (argv) => {
  const { values } = parse(argv, STACKS);
  const s = await session(terminalReporter(!!values.json));
  const stacks = await listStacks(s);
  if (values.json) return console.log(JSON.stringify({ stacks }, null, 2));
  console.log('Getting stacks...\n');
  table(
    ['name', 'description'],
    stacks.map((x) => [x.name, x.description ?? '']),
  );
};

export const DOMAINS = spec({ name: 'domains', summary: 'List the domains routes can use', flags: { json: JSON_FLAG } });
export const domainsCmd: Command = async (argv) => {
  const { values } = parse(argv, DOMAINS);
  const s = await session(terminalReporter(!!values.json));
  const domains = await listDomains(s);
  if (values.json) return console.log(JSON.stringify({ domains: domains.map((d) => ({ name: d.name, internal: d.internal, guid: d.guid })) }, null, 2));
  console.log(`Getting domains ${where(s)}...\n`);
  table(
    ['name', 'availability', 'internal'],
    domains.map((d) => [d.name, d.relationships?.organization?.data ? 'private' : 'shared', d.internal ? 'true' : '']),
  );
};

const ROUTE_FLAGS = {
  hostname: { type: 'string', short: 'n', arg: 'HOST', help: 'Hostname of the route (HOST.DOMAIN)' },
  path: { type: 'string', arg: 'PATH', help: 'Path of the route (DOMAIN/PATH)' },
} as const;
const routeText = (domain: string, o: { hostname?: string; path?: string }) => `${o.hostname ? `${o.hostname}.` : ''}${domain}${o.path ?? ''}`;

export const CREATE_ROUTE = spec({
  name: 'create-route',
  args: 'DOMAIN',
  summary: 'Create a route in the targeted space (mapped to no app yet)',
  flags: { ...ROUTE_FLAGS, json: JSON_FLAG },
});
export const createRouteCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, CREATE_ROUTE);
  const domain = need(positionals[0], 'DOMAIN', CREATE_ROUTE);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Creating route ${routeText(domain, values)} ${where(s)}...`);
  const route = await createRoute(s, domain, { host: values.hostname, path: values.path });
  if (values.json) return console.log(JSON.stringify({ route: { guid: route.guid, url: route.url } }, null, 2));
  console.log(`Route ${route.url} has been created.\nOK`);
};

export const DELETE_ROUTE = spec({
  name: 'delete-route',
  args: 'DOMAIN',
  summary: 'Delete a route',
  flags: {
    ...ROUTE_FLAGS,
    force: { type: 'boolean', short: 'f', help: 'Do not ask for confirmation (cfpush never asks; accepted as cf takes it)' },
    json: JSON_FLAG,
  },
});
export const deleteRouteCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, DELETE_ROUTE);
  const domain = need(positionals[0], 'DOMAIN', DELETE_ROUTE);
  const s = await session(terminalReporter(!!values.json));
  const text = routeText(domain, values);
  if (!values.json) console.log(`Deleting route ${text}...`);
  const removed = await deleteRoute(s, domain, { host: values.hostname, path: values.path });
  if (values.json) return console.log(JSON.stringify({ route: text, removed }, null, 2));
  console.log(
    removed
      ? 'OK'
      : `Unable to delete. Route with host '${values.hostname ?? ''}' and domain '${domain}'${values.path ? ` and path '${values.path}'` : ''} not found.\nOK`,
  );
};

export const CREATE_APP_MANIFEST = spec({
  name: 'create-app-manifest',
  args: 'APP',
  summary: "Write a manifest of an app's current settings (APP_manifest.yml)",
  flags: { path: { type: 'string', short: 'p', arg: 'PATH', help: 'File to write (default ./APP_manifest.yml)' }, json: JSON_FLAG },
});
export const createAppManifestCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, CREATE_APP_MANIFEST);
  const name = need(positionals[0], 'APP', CREATE_APP_MANIFEST);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Creating an app manifest from current settings of app ${name} ${where(s)}...`);
  const { yaml } = await appManifest(s, name);
  const file = resolve(values.path ?? `${name}_manifest.yml`);
  writeFileSync(file, yaml);
  if (values.json) return console.log(JSON.stringify({ app: name, file }, null, 2));
  console.log(`Manifest file created successfully at ${file}\nOK`);
};
