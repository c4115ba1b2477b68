// Registers the built-in broker with its own foundation at every start, as a
// user would with `cf create-service-broker`: one record named `cfpush`
// (kept across restarts, so its offerings and instances keep their guids),
// its URL and password refreshed, its catalog synchronised. New plans are
// public (a convenience of the local foundation; an admin's later
// `disable-service-access` is kept).
import type { Foundation } from '../context';
import { logError } from '../log';
import { syncCatalog } from '../osbapi/catalog';
import { meta } from '../store';
import type { BuiltinBroker } from './server';

export const BUILTIN_BROKER_NAME = 'cfpush';

export async function registerBuiltinBroker(f: Foundation, broker: BuiltinBroker): Promise<void> {
  let rec = f.store.list('service_brokers').find((b) => b.builtin);
  const fields = { url: broker.url, username: broker.username, password: broker.password };
  if (rec) {
    Object.assign(rec, fields);
    f.store.touch(rec);
  } else {
    // A user's broker already named cfpush keeps its name; ours takes another.
    const taken = f.store.list('service_brokers').some((b) => b.name === BUILTIN_BROKER_NAME);
    rec = f.store.put('service_brokers', {
      ...meta(),
      name: taken ? `${BUILTIN_BROKER_NAME}-builtin` : BUILTIN_BROKER_NAME,
      space_guid: null,
      builtin: true,
      ...fields,
    });
  }
  const before = new Set(f.store.list('service_plans').map((p) => p.guid));
  try {
    await syncCatalog(f, rec);
  } catch (err) {
    logError('registering the built-in service broker', err);
    return;
  }
  const offerings = new Set(
    f.store
      .list('service_offerings')
      .filter((o) => o.service_broker_guid === rec.guid)
      .map((o) => o.guid),
  );
  for (const p of f.store.list('service_plans')) {
    if (before.has(p.guid) || !offerings.has(p.service_offering_guid)) continue;
    p.visibility_type = 'public';
    f.store.touch(p);
  }
}
