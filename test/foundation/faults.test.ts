// Fault test (issues 3 and 13): the foundation runs as a real daemon
// (`cfpush foundation start`); 50 times in a row a command is started (a
// push: staging and start; a restart; a delete) and the foundation is
// SIGKILLed at a random moment during it, then started again. After every
// restart: the state loads and parses, no app or staging process of the
// killed foundation is left (every process carrying this data dir's marker
// descends from the new foundation), every app that is STARTED answers
// through the router within 5 s of the restart, a command that finished
// before the kill holds (a pushed app is there and STARTED, a deleted one is
// gone), and nothing the state does not list is left in the blob store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FOUNDATION_ENV } from '../../src/foundation/env';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { cleanup, http, nodeApp, until } from './helpers';
import { alive, daemonApi, descendsFrom, killMarked, okCli, processesWithEnv, runCli, snapshotCli } from './supervisor-helpers';

const ROUNDS = 50;
const APPS = ['fault-a', 'fault-b', 'fault-c'];
const ANSWER_WITHIN_MS = 5000;

interface Info {
  pid: number;
  apiUrl: string;
  routerUrl: string;
}

describe('kill -9 during pushes, restarts and deletes', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let dataDir: string;
  let cli: string;
  const dirs: Record<string, string> = {};

  before(async () => {
    cli = await snapshotCli();
    c = await cliEnv();
    dataDir = join(c.home, 'foundation');
    for (const name of APPS) {
      const dir = nodeApp(name, `require('http').createServer((q, s) => s.end('fault-ok ' + process.env.CF_INSTANCE_INDEX)).listen(process.env.PORT);`);
      writeFileSync(join(dir, 'manifest.yml'), `---\napplications:\n- name: ${name}\n  memory: 64M\n  command: node server.js\n`);
      dirs[name] = dir;
    }
    await okCli(cli, c.env, ['foundation', 'start'], c.home);
  });

  after(async () => {
    if (c) await runCli(cli, c.env, ['foundation', 'stop'], c.home);
    if (dataDir) killMarked(dataDir);
    await c?.cleanup();
    if (cli) cleanup(join(cli, '..', '..'));
    for (const d of Object.values(dirs)) cleanup(d);
  });

  const info = (): Info => JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8')) as Info;

  function run(args: string[], name: string): { done: Promise<number | null>; kill(): void } {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dirs[name], env: c.env, stdio: 'ignore' });
    const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { done, kill: () => child.kill('SIGKILL') };
  }
  const push = (name: string) => run(['push'], name);

  async function answers(routerUrl: string, name: string, deadline: number): Promise<void> {
    await until(
      async () => {
        const r = await http(`${routerUrl}/`, { headers: { host: `${name}.localhost` } });
        return r.status === 200 && r.text.startsWith('fault-ok');
      },
      Math.max(0, deadline - Date.now()),
      `${name} answering through the router`,
      25,
    );
  }

  test(`${ROUNDS} rounds: push, restart or delete, SIGKILL the foundation at a random moment, restart it`, async (ctx) => {
    // One undisturbed push to learn how long a push takes here.
    let t = Date.now();
    assert.equal(await push(APPS[0]!).done, 0, 'a first, undisturbed push succeeds');
    const pushMs = Date.now() - t;
    /** What the last command that finished before a kill left: the app pushed (or restarted), or deleted. */
    const exists = new Map<string, boolean>([[APPS[0]!, true]]);
    const kills = { early: 0, late: 0 };
    const ops = { push: 0, restart: 0, delete: 0 };
    let slowest = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const name = APPS[round % APPS.length]!;
      // A push (re)creates; an existing app is also restarted or deleted.
      const op = !exists.get(name) ? 'push' : (['push', 'restart', 'delete'] as const)[Math.floor(Math.random() * 3)]!;
      ops[op]++;
      const before = info();
      const p = run(op === 'push' ? ['push'] : op === 'restart' ? ['restart', name] : ['delete', name, '-f'], name);
      const delay = Math.floor(Math.random() * pushMs * 1.1);
      const finished = await Promise.race([p.done.then((code) => code === 0), new Promise<false>((r) => setTimeout(() => r(false), delay))]);
      process.kill(before.pid, 'SIGKILL');
      p.kill();
      await p.done;
      if (finished) exists.set(name, op !== 'delete');
      kills[finished ? 'late' : 'early']++;
      const leftovers = processesWithEnv(FOUNDATION_ENV, dataDir);

      t = Date.now();
      const restarted = await runCli(cli, c.env, ['foundation', 'start'], c.home);
      assert.equal(restarted.code, 0, `round ${round}: restart failed\n${restarted.stdout}\n${restarted.stderr}`);
      const now = info();
      assert.notEqual(now.pid, before.pid);
      assert.equal(alive(before.pid), false);

      // The state is whole: it parses, and the API serves it.
      const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
      assert.equal(state.version, 1);
      const api = await daemonApi(now.apiUrl, dataDir);
      const apps = (await api.get('/v3/apps?per_page=100')).json.resources as any[];
      const started = apps.filter((a) => a.state === 'STARTED');
      // What finished before the kill holds; an app whose command was cut short may be either way.
      if (finished) {
        const present = apps.some((a) => a.name === name);
        assert.equal(present, op !== 'delete', `round ${round}: ${op} ${name} finished before the kill`);
        if (op !== 'delete')
          assert.ok(
            started.some((a) => a.name === name),
            `round ${round}: ${name} STARTED after its ${op} finished`,
          );
      } else {
        // The next round knows the truth from the state, not from what was attempted.
        exists.set(
          name,
          apps.some((a) => a.name === name),
        );
      }
      for (const [n, there] of exists)
        if (n !== name)
          assert.equal(
            apps.some((a) => a.name === n),
            there,
            `round ${round}: ${n} untouched`,
          );

      // Every STARTED app answers within 5 s of the restart.
      const deadline = t + ANSWER_WITHIN_MS;
      try {
        await Promise.all(started.map((a) => answers(now.routerUrl, a.name, deadline)));
        slowest = Math.max(slowest, Date.now() - t);
      } catch (err) {
        // What the foundation saw, so a failure in CI can be read without a re-run.
        const stats = await Promise.all(
          started.map(async (a) => `${a.name}: ${JSON.stringify((await api.get(`/v3/apps/${a.guid}/processes/web/stats`)).json)}`),
        );
        const log = readFileSync(join(dataDir, 'foundation.log'), 'utf8').split('\n').slice(-40).join('\n');
        throw new Error(
          `round ${round}: ${op} ${name} (${finished ? 'finished' : 'cut'} at ${delay} ms; restart took ${Date.now() - t} ms): ${(err as Error).message}\n` +
            `${stats.join('\n')}\nfoundation.log:\n${log}`,
          { cause: err },
        );
      }

      // No orphans: what the killed foundation ran is gone; what runs now belongs to the new one.
      for (const pid of leftovers) assert.equal(alive(pid), false, `round ${round}: leftover ${pid} still runs`);
      for (const pid of processesWithEnv(FOUNDATION_ENV, dataDir)) {
        assert.ok(descendsFrom(pid, now.pid), `round ${round}: process ${pid} does not belong to the running foundation`);
      }
    }
    ctx.diagnostic(`slowest restart until every STARTED app answered: ${slowest} ms (limit ${ANSWER_WITHIN_MS})`);
    // The random moments did land on both sides of a command's end, mostly during it, and every kind of command was cut.
    assert.ok(kills.early > 0, `kills during a command: ${kills.early}, after: ${kills.late}`);
    assert.ok(ops.push > 0 && ops.restart > 0 && ops.delete > 0, `commands: ${JSON.stringify(ops)}`);

    // After the last start's sweep: no package blob that no package lists, no build cache of a gone app.
    const api = await daemonApi(info().apiUrl, dataDir);
    const appGuids = new Set(((await api.get('/v3/apps?per_page=100')).json.resources as any[]).map((a) => a.guid));
    await until(
      async () => {
        const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
        const listed = new Set<string>(
          Object.values(state.packages as Record<string, { files: { sha1: string }[] }>).flatMap((p) => p.files.map((f) => f.sha1)),
        );
        const blobs = readdirSync(join(dataDir, 'blobs')).flatMap((shard) => readdirSync(join(dataDir, 'blobs', shard)));
        // (The caches every app shares stay: compressed droplet segments and host runtimes, gc.ts.)
        const caches = readdirSync(join(dataDir, 'cache')).filter((n) => n !== 'droplet-segments' && n !== 'runtimes');
        return blobs.every((b) => listed.has(b)) && caches.every((g) => appGuids.has(g));
      },
      10_000,
      'unlisted blobs and caches of gone apps swept',
    );
  });

  test('a clean stop leaves no app process behind', async () => {
    const pid = info().pid;
    await okCli(cli, c.env, ['foundation', 'stop'], c.home);
    assert.equal(alive(pid), false);
    await until(async () => processesWithEnv(FOUNDATION_ENV, dataDir).length === 0, 10_000, 'app processes gone');
  });
});
