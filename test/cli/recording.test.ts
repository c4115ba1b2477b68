// The exact CC v3 request sequence of push, re-push, droplet push and
// restage, recorded by a proxy between the client and the local foundation
// (cf-reference.md §1.1), with the multipart field names CC expects.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileTokenStore } from '../../src/core/auth/store';
import { loginWithPassword } from '../../src/core/auth/login';
import { push, restage } from '../../src/core/push';
import { stage } from '../../src/core/staging/builder';
import { openSession, setTarget } from '../../src/core/targets';
import type { Session } from '../../src/core/session';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { recordingProxy, sequence, type Recorded } from '../helpers/recorder';
import { buildTestImage, cleanUp, requireEngine } from '../docker/engine';

const quiet = { step() {}, log() {}, warn() {} };

/** Drops polling: a GET repeating the previous one, or the one before (processes / stats pairs). */
/** A push's last steps, the droplet chosen: set it, restart, read the app and its routes while waiting for an instance. */
const START = [
  'PATCH /v3/apps/:guid/relationships/current_droplet',
  'POST /v3/apps/:guid/actions/restart',
  'GET /v3/apps',
  'GET /v3/apps/:guid/routes',
  'GET /v3/apps/:guid/processes',
  'GET /v3/processes/:guid/stats',
];

/**
 * After the restart, the app and its routes are read while the wait (its
 * processes, then their stats) runs: the order among those is the network's.
 * Put in START's order when it is that set, with processes before stats.
 */
function settled(seq: string[]): string[] {
  const at = seq.lastIndexOf('POST /v3/apps/:guid/actions/restart');
  if (at < 0) return seq;
  const tail = seq.slice(at + 1);
  const want = START.slice(2);
  const same = tail.length === want.length && [...tail].sort().join() === [...want].sort().join();
  return same && tail.indexOf(want[2]!) < tail.indexOf(want[3]!) ? [...seq.slice(0, at + 1), ...want] : seq;
}

function steps(log: Recorded[]): string[] {
  const out: string[] = [];
  for (const line of sequence(log)) {
    if (line === 'GET /') continue; // API discovery (links), not a CC v3 step
    if (line.startsWith('GET ') && (out[out.length - 1] === line || out[out.length - 2] === line)) continue;
    out.push(line);
  }
  return out;
}

describe('CC v3 request sequences', { timeout: 300_000 }, () => {
  let c: CliEnv;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let s: Session;
  let dir: string;
  const saved = { ...process.env };

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    Object.assign(process.env, c.env);
    const info = JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8'));
    proxy = await recordingProxy(info.apiUrl);
    // The proxy is a "remote" target: the client cannot tell it from a real CF.
    await setTarget({ name: 'rec', api: proxy.url });
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8'));
    await loginWithPassword({ name: 'rec', api: proxy.url }, creds.username, creds.password, new FileTokenStore());
    s = await openSession({ target: 'rec' });
    dir = join(mkdtempSync(join(tmpdir(), 'cfpush-rec-')), 'hello-node');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
  });
  after(async () => {
    await proxy?.close();
    process.env = saved;
    await c?.cleanup();
  });

  it('push: apply_manifest, job, app lookup, resource_matches with package, upload [resources,bits], build, restart, stats', async () => {
    proxy.log.length = 0;
    await push(s, { dir }, quiet);
    const seq = settled(steps(proxy.log));
    // The package is created while CC matches resources (either may come first); the upload's answer is
    // the READY package (no poll), and a buildpack droplet's record is not read on the way to its start.
    assert.deepEqual([...seq.slice(3, 5)].sort(), ['POST /v3/packages', 'POST /v3/resource_matches']);
    assert.deepEqual(
      [...seq.slice(0, 3), ...seq.slice(5)],
      [
        'POST /v3/spaces/:guid/actions/apply_manifest',
        'GET /v3/jobs/:guid',
        'GET /v3/apps',
        'POST /v3/packages/:guid/upload [resources,bits]',
        'POST /v3/builds',
        'GET /v3/builds/:guid',
        ...START,
      ],
    );
    const apply = proxy.log.find((r) => r.path.endsWith('apply_manifest'))!;
    assert.equal(apply.contentType, 'application/x-yaml');
  });

  it('re-push with nothing changed uploads no bits: only the resources field', async () => {
    proxy.log.length = 0;
    await push(s, { dir }, quiet);
    const upload = proxy.log.find((r) => r.path.endsWith('/upload'))!;
    assert.deepEqual(upload.fields, ['resources']);
    assert.ok(upload.bytes < 2000, `upload body is only the resource list (${upload.bytes} bytes)`);
  });

  it('re-push with one changed file uploads resources + bits', async () => {
    writeFileSync(join(dir, 'changed.txt'), 'x'.repeat(1000));
    proxy.log.length = 0;
    await push(s, { dir }, quiet);
    const upload = proxy.log.find((r) => r.path.endsWith('/upload'))!;
    assert.deepEqual(upload.fields, ['resources', 'bits']);
  });

  it('droplet push: POST /v3/droplets, upload [bits], current_droplet, restart — no package, no build', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cfpush-drop-')), 'd.tgz');
    await stage({ appDir: dir, cacheDir: join(c.home, 'stagecache'), outputDroplet: out });
    proxy.log.length = 0;
    await push(s, { dir, droplet: out }, quiet);
    const seq = steps(proxy.log);
    assert.deepEqual(seq.slice(0, 7), [
      'POST /v3/spaces/:guid/actions/apply_manifest',
      'GET /v3/jobs/:guid',
      'GET /v3/apps',
      'POST /v3/droplets',
      'POST /v3/droplets/:guid/upload [bits]',
      'GET /v3/droplets/:guid',
      'PATCH /v3/apps/:guid/relationships/current_droplet',
    ]);
    assert.ok(!seq.some((l) => l.includes('/v3/packages') || l.includes('/v3/builds')), seq.join('\n'));
  });

  it('docker push (-o IMAGE): docker package, build, droplet, restart — no bits', async (t) => {
    const docker = await requireEngine(t);
    if (!docker) return;
    const img = await buildTestImage(docker, 'rec', readFileSync(join(repoRoot, 'examples', 'hello-docker', 'Dockerfile'), 'utf8'), {
      'server.js': readFileSync(join(repoRoot, 'examples', 'hello-docker', 'server.js'), 'utf8'),
    });
    try {
      proxy.log.length = 0;
      await push(s, { dir, appName: 'rec-docker', dockerImage: img.image }, quiet);
      assert.deepEqual(settled(steps(proxy.log)), [
        'POST /v3/spaces/:guid/actions/apply_manifest',
        'GET /v3/jobs/:guid',
        'GET /v3/apps',
        'POST /v3/packages',
        'GET /v3/packages/:guid',
        'POST /v3/builds',
        'GET /v3/builds/:guid',
        'GET /v3/droplets/:guid',
        ...START,
      ]);
    } finally {
      await cleanUp(docker);
    }
  });

  it('restage: newest READY package, build, stop-less restart with the new droplet (its guid from the build)', async () => {
    proxy.log.length = 0;
    await restage(s, 'hello-node', quiet);
    const seq = steps(proxy.log);
    assert.deepEqual(seq.slice(0, 6), [
      'GET /v3/apps',
      'GET /v3/packages',
      'POST /v3/builds',
      'GET /v3/builds/:guid',
      'PATCH /v3/apps/:guid/relationships/current_droplet',
      'POST /v3/apps/:guid/actions/restart',
    ]);
    const pk = proxy.log.find((r) => r.path === '/v3/packages' && r.method === 'GET');
    assert.ok(pk);
  });
});
