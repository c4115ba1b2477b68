// A data dir written before orgs had quotas and roles: the store adds the
// `default` org quota, puts every org on it and starts empty role lists, so
// `cf org` finds a quota for every org (CC always has one).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Store } from '../../src/foundation/store';
import { cleanup, tempDir } from './helpers';

const dir = tempDir();
after(() => cleanup(dir));

test('an older state.json gets the default org quota, every org on it, and no roles', () => {
  const first = new Store(dir);
  const doc = JSON.parse(JSON.stringify(first.state)) as Record<string, any>;
  delete doc.org_quotas;
  delete doc.roles;
  for (const o of Object.values(doc.orgs) as Record<string, unknown>[]) delete o.quota_guid;
  writeFileSync(join(dir, 'state.json'), JSON.stringify(doc));
  const store = new Store(dir);
  const quotas = store.list('org_quotas');
  assert.deepEqual(
    quotas.map((q) => q.name),
    ['default'],
  );
  for (const o of store.list('orgs')) assert.equal(o.quota_guid, quotas[0]!.guid);
  assert.deepEqual(store.list('roles'), []);
});
