// marketplace, create-service, delete-service, create-service-key,
// service-key, service-keys, delete-service-key: the cf CLI's names, flags and
// meaning. As cf does, create/delete stop waiting once the broker is working
// on it (the job is POLLING) unless -w is given.
import { existsSync, readFileSync } from 'node:fs';
import { createService, createServiceKey, deleteService, deleteServiceKey, listServiceKeys, marketplace, serviceKey } from '../../core/actors/managed-services';
import { need, parse, spec, usageError, type Spec } from '../args';
import { terminalReporter } from '../reporter';
import { table } from './apps';
import { session, type Command } from './common';

const JSON_FLAG = { type: 'boolean', help: 'Print the result as JSON' } as const;
const FORCE = { type: 'boolean', short: 'f', help: 'Do not ask for confirmation (cfpush never asks; accepted as cf takes it)' } as const;
const WAIT = { type: 'boolean', short: 'w', help: 'Wait for the operation to complete (else stop once the broker is working on it)' } as const;
const PARAMS = { type: 'string', short: 'c', arg: 'JSON', help: 'Parameters for the broker: a JSON object, or a file holding one' } as const;

/** `-c '{"a":1}'` or `-c params.json`; as cf, checked to be a JSON object before any request. */
export function jsonObjectArg(v: string | undefined, s: Spec): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  const text = existsSync(v) ? readFileSync(v, 'utf8') : v;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw usageError(
      `Invalid configuration provided for -c flag: '${v.slice(0, 40)}' is not a JSON object or a file holding one, e.g. -c '{"key":"value"}'.`,
      s,
    );
  }
  return parsed as Record<string, unknown>;
}

const tagsOf = (v: string | undefined) =>
  v
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);

export const MARKETPLACE = spec({
  name: 'marketplace',
  summary: 'List service offerings and their plans in the marketplace of the targeted space',
  flags: {
    'service-offering': { type: 'string', short: 'e', arg: 'OFFERING', help: "Show one offering's plans" },
    'service-broker': { type: 'string', short: 'b', arg: 'BROKER', help: "Only this broker's offerings" },
    json: JSON_FLAG,
  },
});
export const marketplaceCmd: Command = async (argv) => {
  const { values } = parse(argv, MARKETPLACE);
  const offering = values['service-offering'];
  const s = await session(terminalReporter(!!values.json));
  const list = await marketplace(s, { offering, broker: values['service-broker'] });
  if (values.json) return console.log(JSON.stringify({ service_offerings: list }, null, 2));
  if (offering) {
    console.log(`Getting service plan information for service offering ${offering} in org ${s.org.name} / space ${s.space.name}...\n`);
    if (!list.length) return console.log(`No service offerings found.`);
    for (const o of list) {
      console.log(`broker: ${o.broker}`);
      table(
        ['   plan', 'description', 'free or paid'],
        o.plans.map((p) => [`   ${p.name}`, p.description, p.free ? 'free' : 'paid']),
      );
      console.log('');
    }
    return;
  }
  console.log(`Getting all service offerings from marketplace in org ${s.org.name} / space ${s.space.name}...\n`);
  table(
    ['offering', 'plans', 'description', 'broker'],
    list.map((o) => [o.name, o.plans.map((p) => p.name).join(', '), o.description, o.broker]),
  );
  console.log("\nTIP: Use 'cfpush marketplace -e SERVICE_OFFERING' to view descriptions of individual plans of a given service offering.");
};

export const CREATE_SERVICE = spec({
  name: 'create-service',
  args: 'SERVICE_OFFERING PLAN SERVICE_INSTANCE',
  summary: 'Create a service instance from a marketplace offering and plan',
  flags: {
    broker: { type: 'string', short: 'b', arg: 'BROKER', help: 'The broker offering it (when several offer one name)' },
    config: PARAMS,
    tags: { type: 'string', short: 't', arg: 'TAGS', help: 'Comma-separated tags, e.g. "db, cache"' },
    wait: WAIT,
    json: JSON_FLAG,
  },
});
export const createServiceCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, CREATE_SERVICE);
  const s0 = CREATE_SERVICE;
  const [offering, plan, name] = [need(positionals[0], 'SERVICE_OFFERING', s0), need(positionals[1], 'PLAN', s0), need(positionals[2], 'SERVICE_INSTANCE', s0)];
  const parameters = jsonObjectArg(values.config, s0);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Creating service instance ${name} in org ${s.org.name} / space ${s.space.name}...\n`);
  const created = await createService(s, { offering, plan, name, broker: values.broker, parameters, tags: tagsOf(values.tags) }, { wait: !!values.wait });
  if (values.json) return console.log(JSON.stringify({ service_instance: created.instance, state: created.state }, null, 2));
  console.log(
    created.state === 'succeeded' ? `Service instance ${name} created.\nOK` : `Create in progress. Use 'cfpush services' to check operation status.\nOK`,
  );
};

export const DELETE_SERVICE = spec({
  name: 'delete-service',
  args: 'SERVICE_INSTANCE',
  summary: 'Delete a service instance (its bindings and keys first)',
  flags: { force: FORCE, wait: WAIT, json: JSON_FLAG },
});
export const deleteServiceCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, DELETE_SERVICE);
  const name = need(positionals[0], 'SERVICE_INSTANCE', DELETE_SERVICE);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Deleting service instance ${name} in org ${s.org.name} / space ${s.space.name}...\n`);
  const r = await deleteService(s, name, { wait: !!values.wait });
  if (values.json) return console.log(JSON.stringify({ service_instance: name, ...r }, null, 2));
  if (!r.deleted) return console.log(`Service instance ${name} did not exist.\nOK`);
  console.log(r.state === 'succeeded' ? `Service instance ${name} deleted.\nOK` : `Delete in progress. Use 'cfpush services' to check operation status.\nOK`);
};

export const CREATE_SERVICE_KEY = spec({
  name: 'create-service-key',
  args: 'SERVICE_INSTANCE SERVICE_KEY',
  summary: 'Create a key (credentials for use outside an app) for a service instance',
  flags: { config: PARAMS, json: JSON_FLAG },
});
export const createServiceKeyCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, CREATE_SERVICE_KEY);
  const [si, key] = [need(positionals[0], 'SERVICE_INSTANCE', CREATE_SERVICE_KEY), need(positionals[1], 'SERVICE_KEY', CREATE_SERVICE_KEY)];
  const parameters = jsonObjectArg(values.config, CREATE_SERVICE_KEY);
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Creating service key ${key} for service instance ${si}...\n`);
  const created = await createServiceKey(s, si, key, parameters);
  if (values.json) return console.log(JSON.stringify({ service_instance: si, service_key: key, created }, null, 2));
  console.log(created ? 'OK' : `Service key ${key} already exists\nOK`);
};

export const SERVICE_KEY = spec({
  name: 'service-key',
  args: 'SERVICE_INSTANCE SERVICE_KEY',
  summary: "Show a service key's credentials",
  flags: { guid: { type: 'boolean', help: "Print the key's guid only" }, json: JSON_FLAG },
});
export const serviceKeyCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, SERVICE_KEY);
  const [si, key] = [need(positionals[0], 'SERVICE_INSTANCE', SERVICE_KEY), need(positionals[1], 'SERVICE_KEY', SERVICE_KEY)];
  const s = await session(terminalReporter(!!values.json || !!values.guid));
  const found = await serviceKey(s, si, key, !!values.guid);
  if (values.json) return console.log(JSON.stringify({ name: key, ...found }, null, 2));
  if (values.guid) return console.log(found.guid);
  console.log(`Getting key ${key} for service instance ${si}...\n`);
  console.log(JSON.stringify(found.details, null, 2));
};

export const SERVICE_KEYS = spec({
  name: 'service-keys',
  args: 'SERVICE_INSTANCE',
  summary: 'List the keys of a service instance',
  flags: { json: JSON_FLAG },
});
export const serviceKeysCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, SERVICE_KEYS);
  const si = need(positionals[0], 'SERVICE_INSTANCE', SERVICE_KEYS);
  const s = await session(terminalReporter(!!values.json));
  const keys = await listServiceKeys(s, si);
  if (values.json) return console.log(JSON.stringify({ service_keys: keys }, null, 2));
  console.log(`Getting keys for service instance ${si}...\n`);
  table(
    ['name', 'last operation', 'message'],
    keys.map((k) => [k.name, k.lastOperation ?? '', k.message ?? '']),
  );
};

export const DELETE_SERVICE_KEY = spec({
  name: 'delete-service-key',
  args: 'SERVICE_INSTANCE SERVICE_KEY',
  summary: 'Delete a service key (its credentials stop working)',
  flags: { force: FORCE, json: JSON_FLAG },
});
export const deleteServiceKeyCmd: Command = async (argv) => {
  const { values, positionals } = parse(argv, DELETE_SERVICE_KEY);
  const [si, key] = [need(positionals[0], 'SERVICE_INSTANCE', DELETE_SERVICE_KEY), need(positionals[1], 'SERVICE_KEY', DELETE_SERVICE_KEY)];
  const s = await session(terminalReporter(!!values.json));
  if (!values.json) console.log(`Deleting key ${key} for service instance ${si}...\n`);
  const deleted = await deleteServiceKey(s, si, key);
  if (values.json) return console.log(JSON.stringify({ service_instance: si, service_key: key, deleted }, null, 2));
  console.log(deleted ? 'OK' : `Service key ${key} does not exist for service instance ${si}.\nOK`);
};
