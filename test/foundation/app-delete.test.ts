// Deleting an app reaches the disk in one state write: every state.json the
// foundation writes while an app (with routes, droplets and a service
// binding) is deleted holds the whole app or none of it. A foundation killed
// mid-delete once came back with the app and no processes; `cf restart` then
// left it STARTED with nothing running (faults.test.ts, round by chance).
// The writes are observed where the store renames its temp file onto
// state.json: the foundation runs in this process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { basename } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunningFoundation } from '../../src/foundation/server';
import { Api, cleanup, nodeApp, push, startTestFoundation, tempDir } from './helpers';

interface StateDoc {
  apps: Record<string, unknown>;
  processes: Record<string, { app_guid: string }>;
  droplets: Record<string, { app_guid: string }>;
  packages: Record<string, { app_guid: string }>;
  routes: Record<string, { destinations: { app_guid: string }[] }>;
  service_bindings?: Record<string, { app_guid?: string }>;
}

/** What of app `guid` a written state holds: each kind of record, counted. */
function holds(doc: StateDoc, guid: string): Record<string, number> {
  const of = (rs: Record<string, { app_guid?: string }> = {}) => Object.values(rs).filter((r) => r.app_guid === guid).length;
  return {
    app: doc.apps[guid] ? 1 : 0,
    processes: of(doc.processes),
    droplets: of(doc.droplets),
    packages: of(doc.packages),
    destinations: Object.values(doc.routes).flatMap((r) => r.destinations.filter((d) => d.app_guid === guid)).length,
    bindings: of(doc.service_bindings),
  };
}

describe('app delete', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  let f: RunningFoundation | undefined;
  const rename = fs.rename;
  const renameP = fs.promises.rename;
  after(async () => {
    fs.rename = rename;
    fs.promises.rename = renameP;
    await f?.close();
    for (const d of dirs) cleanup(d);
  });

  test('every state written while an app is deleted holds all of the app or none of it', async () => {
    const dataDir = tempDir('cfpush-delete-');
    dirs.push(dataDir);
    f = await startTestFoundation(dataDir);
    const api = await Api.connect(f);
    const dir = nodeApp('goner', `require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);`);
    dirs.push(dir);
    // Two stagings: two droplets whose bits go after the records.
    await push(api, 'goner', dir, '  command: node server.js\n');
    fs.writeFileSync(`${dir}/extra.txt`, 'changed');
    const { app } = await push(api, 'goner', dir, '  command: node server.js\n');
    const space = await api.space();
    const ups = await api.post('/v3/service_instances', {
      type: 'user-provided',
      name: 'db',
      credentials: { u: 1 },
      relationships: { space: { data: { guid: space.guid } } },
    });
    const bound = await api.post('/v3/service_credential_bindings', {
      type: 'app',
      relationships: { app: { data: { guid: app.guid } }, service_instance: { data: { guid: ups.json.guid } } },
    });
    assert.ok(bound.status < 300, bound.text);

    const written: StateDoc[] = [];
    const seen = (from: fs.PathLike, to: fs.PathLike) => {
      if (basename(String(to)) === 'state.json') written.push(JSON.parse(fs.readFileSync(from, 'utf8')) as StateDoc);
    };
    (fs as { rename: unknown }).rename = (from: string, to: string, cb: (err: NodeJS.ErrnoException | null) => void) => {
      seen(from, to);
      return rename(from, to, cb);
    };
    fs.promises.rename = (from, to) => {
      seen(from, to);
      return renameP(from, to);
    };
    const before = holds(JSON.parse(fs.readFileSync(`${dataDir}/state.json`, 'utf8')) as StateDoc, app.guid);
    assert.ok(before.processes > 0 && before.droplets === 2 && before.destinations > 0 && before.bindings === 1, JSON.stringify(before));
    const del = await api.del(`/v3/apps/${app.guid}`);
    assert.equal(del.status, 202, del.text);
    const job = await api.job(del.headers.location as string);
    assert.equal(job.state, 'COMPLETE', JSON.stringify(job.errors));
    fs.rename = rename;
    fs.promises.rename = renameP;

    assert.ok(written.length > 0, 'the delete was written');
    const none = { app: 0, processes: 0, droplets: 0, packages: 0, destinations: 0, bindings: 0 };
    for (const [i, doc] of written.entries()) {
      const h = holds(doc, app.guid);
      if (h.app) assert.deepEqual(h, { ...before, app: 1 }, `write ${i + 1} of ${written.length} holds part of the app`);
      else assert.deepEqual(h, none, `write ${i + 1} of ${written.length} holds part of the app`);
    }
    assert.deepEqual(holds(written.at(-1)!, app.guid), none, 'the last write has none of it');
  });
});
