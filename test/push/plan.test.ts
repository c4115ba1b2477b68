// The push plan (issue 14): which steps each kind of push takes, as a table,
// without a server; then the plan run against a fake CC client, to show the
// named requests each sequence makes in order.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CcClient } from '../../src/core/cc/client';
import type { AppManifest } from '../../src/core/manifest/types';
import { deployApp } from '../../src/core/push/deploy';
import type { PushOptions } from '../../src/core/push';
import { planApp, pushSteps, type Before } from '../../src/core/push/plan';
import type { Session } from '../../src/core/session';

const app = (extra: Partial<AppManifest> = {}): AppManifest => ({ name: 'web', path: '/app', raw: { name: 'web' }, ...extra });
const STARTED: Before = { state: 'STARTED' };
const STOPPED: Before = { state: 'STOPPED' };
const docker = { docker: { image: 'nginx:1' } };
const dockerfile = { docker: { image: 'cfpush-local/web' }, dockerfile: '/app/Dockerfile' } as Partial<AppManifest>;

interface Row {
  what: string;
  app?: Partial<AppManifest>;
  opts?: Partial<PushOptions>;
  before?: Before;
  rollout: string;
  steps: string[];
  note?: RegExp;
}

const TABLE: Row[] = [
  { what: 'first push of a new app', rollout: 'restart', steps: ['upload-bits', 'stage', 'restart', 'wait-running'] },
  // CF stages every push; with nothing changed, resource matching uploads no file (steps.ts) but the steps stay.
  { what: 're-push with changes', before: STARTED, rollout: 'restart', steps: ['upload-bits', 'stage', 'restart', 'wait-running'] },
  { what: 're-push without changes', before: STARTED, rollout: 'restart', steps: ['upload-bits', 'stage', 'restart', 'wait-running'] },
  { what: 're-push of a stopped app starts it', before: STOPPED, rollout: 'restart', steps: ['upload-bits', 'stage', 'restart', 'wait-running'] },
  { what: '--no-start, new app', opts: { noStart: true }, rollout: 'restart', steps: ['upload-bits'] },
  { what: '--task, new app: staged, droplet set, not started', opts: { task: true }, rollout: 'restart', steps: ['upload-bits', 'stage', 'set-droplet'] },
  {
    what: '--task, running app: staged, droplet set, stopped',
    opts: { task: true, strategy: 'rolling' },
    before: STARTED,
    rollout: 'restart',
    steps: ['upload-bits', 'stage', 'set-droplet', 'stop'],
  },
  { what: '--no-start, running app: stopped, not staged', opts: { noStart: true }, before: STARTED, rollout: 'restart', steps: ['upload-bits', 'stop'] },
  { what: '--droplet', opts: { droplet: '/tmp/d.tgz' }, before: STARTED, rollout: 'restart', steps: ['upload-droplet', 'restart', 'wait-running'] },
  {
    what: '--droplet --no-start: the droplet becomes current',
    opts: { droplet: '/tmp/d.tgz', noStart: true },
    before: STARTED,
    rollout: 'restart',
    steps: ['upload-droplet', 'set-droplet', 'stop'],
  },
  { what: '--stage-locally', opts: { stageLocally: true }, rollout: 'restart', steps: ['stage-locally', 'upload-droplet', 'restart', 'wait-running'] },
  { what: 'docker image (-o)', app: docker, rollout: 'restart', steps: ['docker-package', 'stage', 'restart', 'wait-running'] },
  {
    what: 'docker image, --no-start on a running app',
    app: docker,
    opts: { noStart: true },
    before: STARTED,
    rollout: 'restart',
    steps: ['docker-package', 'stop'],
  },
  { what: 'a folder with a Dockerfile', app: dockerfile, rollout: 'restart', steps: ['build-image', 'docker-package', 'stage', 'restart', 'wait-running'] },
  { what: 'rolling, running app', opts: { strategy: 'rolling' }, before: STARTED, rollout: 'rolling', steps: ['upload-bits', 'stage', 'deploy'] },
  {
    what: 'rolling, new app: a plain start',
    opts: { strategy: 'rolling' },
    rollout: 'restart',
    steps: ['upload-bits', 'stage', 'restart', 'wait-running'],
    note: /not running yet.*rolling needs a live version/,
  },
  {
    what: 'canary, running app',
    opts: { strategy: 'canary', instanceSteps: [10, 50] },
    before: STARTED,
    rollout: 'canary',
    steps: ['upload-bits', 'stage', 'deploy'],
  },
  {
    what: 'blue-green, running app',
    opts: { strategy: 'blue-green' },
    before: STARTED,
    rollout: 'blue-green',
    steps: ['upload-bits', 'stage', 'restart', 'wait-running'],
  },
  {
    what: 'blue-green, stopped app: a plain push',
    opts: { strategy: 'blue-green' },
    before: STOPPED,
    rollout: 'restart',
    steps: ['upload-bits', 'stage', 'restart', 'wait-running'],
    note: /blue-green needs a live version/,
  },
  {
    what: 'blue-green with --droplet',
    opts: { strategy: 'blue-green', droplet: '/tmp/d.tgz' },
    before: STARTED,
    rollout: 'blue-green',
    steps: ['upload-droplet', 'restart', 'wait-running'],
  },
];

describe('push plan: steps by kind of push', () => {
  for (const row of TABLE) {
    test(row.what, () => {
      const plan = planApp(app(row.app), row.opts ?? {}, row.before);
      assert.equal(plan.rollout, row.rollout);
      assert.equal(plan.existed, !!row.before);
      assert.deepEqual(pushSteps(plan), row.steps);
      if (row.note) assert.match(plan.note ?? '', row.note);
      else assert.equal(plan.note, undefined);
    });
  }
});

/** A CC client whose named requests are recorded and answered from `answers` (group.method → value). */
function fakeCc(answers: Record<string, unknown>): { cc: CcClient; calls: string[] } {
  const calls: string[] = [];
  const group = (name: string) =>
    new Proxy(
      {},
      {
        get:
          (_t, method: string) =>
          async (...args: unknown[]) => {
            calls.push(`${name}.${method}`);
            const a = answers[`${name}.${method}`];
            return typeof a === 'function' ? (a as (...x: unknown[]) => unknown)(...args) : a;
          },
      },
    );
  const cc = new Proxy(
    { api: 'https://api.example.com' },
    {
      get: (t, prop: string) => {
        if (prop in t) return (t as Record<string, unknown>)[prop];
        if (prop === 'link') return async () => undefined; // no log-cache: staging logs are skipped
        if (prop === 'token') return async () => 'token';
        return group(prop);
      },
    },
  ) as unknown as CcClient;
  return { cc, calls };
}

const ccApp = (state: 'STARTED' | 'STOPPED') => ({ guid: 'app-guid', name: 'web', state, lifecycle: { type: 'buildpack', data: {} } });
const quiet = { step() {}, log() {}, warn() {} };

function session(cc: CcClient): Session {
  return {
    target: { name: 't', api: 'https://api.example.com' },
    cc,
    org: { guid: 'o', name: 'org' },
    space: { guid: 's', name: 'space' },
    routeUrl: (u) => `https://${u}`,
  };
}

describe('push plan run against a fake CC client: the named requests, in order', () => {
  test('first push of bits: package with match, upload, build, restart, wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfpush-plan-'));
    writeFileSync(join(dir, 'index.js'), 'console.log(1)\n');
    let started = false;
    const { cc, calls } = fakeCc({
      'apps.find': () => ccApp(started ? 'STARTED' : 'STOPPED'),
      'resourceMatches.match': [],
      'packages.createBits': { guid: 'pkg' },
      'packages.upload': {},
      'packages.get': { guid: 'pkg', state: 'READY' },
      'builds.create': { guid: 'b', state: 'STAGING' },
      'builds.get': { guid: 'b', state: 'STAGED', droplet: { guid: 'd' } },
      'droplets.get': { guid: 'd', state: 'STAGED' },
      'apps.setCurrentDroplet': {},
      'apps.restart': () => {
        started = true;
        return ccApp('STARTED');
      },
      'apps.processStats': [{ process: { type: 'web', instances: 1 }, stats: [{ state: 'RUNNING' }] }],
      'apps.routes': [],
    });
    const out = await deployApp(session(cc), app({ path: dir }), { dir }, quiet, { before: null });
    assert.equal(out.state, 'STARTED');
    // The package is asked for before the resource match answers (they run side by side); a buildpack
    // droplet is not read (its guid is in the build); the app and its routes are read as the wait begins.
    assert.deepEqual(calls, [
      'apps.find',
      'packages.createBits',
      'resourceMatches.match',
      'packages.upload',
      'packages.get',
      'builds.create',
      'builds.get',
      'apps.setCurrentDroplet',
      'apps.restart',
      'apps.find',
      'apps.routes',
      'apps.processStats',
    ]);
  });

  test('--no-start of a running app: the package is uploaded, the app stopped, nothing staged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfpush-plan-'));
    writeFileSync(join(dir, 'index.js'), 'console.log(1)\n');
    const { cc, calls } = fakeCc({
      'apps.find': ccApp('STARTED'),
      'resourceMatches.match': [],
      'packages.createBits': { guid: 'pkg' },
      'packages.upload': {},
      'packages.get': { guid: 'pkg', state: 'READY' },
      'apps.stop': ccApp('STOPPED'),
      'apps.routes': [],
    });
    await deployApp(session(cc), app({ path: dir }), { dir, noStart: true }, quiet, { before: STARTED });
    assert.deepEqual(calls, [
      'apps.find',
      'packages.createBits',
      'resourceMatches.match',
      'packages.upload',
      'packages.get',
      'apps.stop',
      'apps.find',
      'apps.routes',
    ]);
    assert.ok(!calls.some((c) => c.startsWith('builds.')), 'no staging');
  });

  test('a rolling push of a running app creates a deployment instead of restarting', async () => {
    const { cc, calls } = fakeCc({
      'apps.find': ccApp('STARTED'),
      'packages.createDocker': { guid: 'pkg' },
      'packages.get': { guid: 'pkg', state: 'READY' },
      'builds.create': { guid: 'b', state: 'STAGING' },
      'builds.get': { guid: 'b', state: 'STAGED', droplet: { guid: 'd' } },
      'droplets.get': { guid: 'd', state: 'STAGED', execution_metadata: '{"ports":[{"Port":8080,"Protocol":"tcp"}]}' },
      'deployments.create': { guid: 'dep', status: { value: 'ACTIVE', reason: 'DEPLOYING' } },
      'deployments.get': { guid: 'dep', status: { value: 'FINALIZED', reason: 'DEPLOYED' } },
      'apps.routes': [],
    });
    await deployApp(session(cc), app(docker), { dir: '/app', strategy: 'rolling' }, quiet, { before: STARTED });
    assert.deepEqual(calls, [
      'apps.find',
      'packages.createDocker',
      'packages.get',
      'builds.create',
      'builds.get',
      'droplets.get',
      'deployments.create',
      'deployments.get',
      'apps.find',
      'apps.routes',
    ]);
  });
});
