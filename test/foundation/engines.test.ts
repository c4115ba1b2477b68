// The built-in broker's engines against real servers (issue 19): per engine,
// tenants get working credentials on one shared server, cannot reach each
// other's data, logins see their tenant's data and leave nothing behind when
// dropped, the server listens on 127.0.0.1 only and runs as the package's
// user when we are root, comes back after a SIGKILL, and a new Engine over the
// same dir (a restarted foundation, also one whose predecessor was kill -9'd
// and left the server running) keeps port and credentials. Clients are the
// engines' own CLIs (psql, mariadb, redis-cli, amqp-tools). A missing package
// skips with its name, and fails in CI.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import type { Credentials, Engine, EngineKind, EngineOptions } from '../../src/foundation/builtin-broker/engines/engine';
import { engines, removeServerFiles } from '../../src/foundation/builtin-broker/engines/index';
import { mysql } from '../../src/foundation/builtin-broker/engines/mysql';
import { postgresql } from '../../src/foundation/builtin-broker/engines/postgresql';
import { rabbitmq } from '../../src/foundation/builtin-broker/engines/rabbitmq';
import { redis } from '../../src/foundation/builtin-broker/engines/redis';
import { eventually } from '../helpers/eventually';
import { needTool } from '../helpers/toolchain';
import { CLIENTS, listeners, maria, psql, type Client } from '../helpers/service-clients';

const FACTORIES: Record<EngineKind, (o: EngineOptions) => Engine> = { postgresql, mysql, redis, rabbitmq };

/** Live processes whose command line, working dir or environment names `files` (a server's files; redis-server rewrites its title, epmd runs in /). */
function processesWith(files: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const state = readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.[0];
      if (state === 'Z') continue;
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if ([readFileSync(`/proc/${name}/cmdline`, 'latin1'), readFileSync(`/proc/${name}/environ`, 'latin1'), cwd].some((t) => t.includes(files)))
        out.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};
const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

const SYSTEM_USER: Record<EngineKind, string> = { postgresql: 'postgres', mysql: 'mysql', redis: 'redis', rabbitmq: 'rabbitmq' };
const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

/** The engine is installed (and its client), or the test skips naming the package (fails in CI). */
async function needEngine(t: TestContext, e: Engine, client: Client): Promise<boolean> {
  const p = await e.probe();
  if (!p.installed) {
    assert.match(p.reason, new RegExp(`apt-get install ${e.pkg}`), 'the reason names the package to install');
    if (required) assert.fail(p.reason);
    t.skip(p.reason);
    return false;
  }
  return needTool(t, client.tool, client.toolPkg);
}

// The "killed foundation": a process that starts the engine's server and is then SIGKILLed.
if (process.env.CFPUSH_ENGINE_CHILD) {
  const [kind, dir] = process.env.CFPUSH_ENGINE_CHILD.split(':', 2) as [EngineKind, string];
  const e = FACTORIES[kind]({ dir, log: () => {} });
  void e.ensureServer().then(() => {
    process.stdout.write(`${e.pid()}\n`);
    setInterval(() => {}, 60_000);
  });
} else {
  for (const kind of Object.keys(FACTORIES) as EngineKind[]) engineSuite(kind);
  serverFilesSuite();

  describe('engines()', () => {
    test('gives each engine <data dir>/services/<kind>', () => {
      const all = engines('/data', () => {});
      assert.deepEqual(Object.keys(all).sort(), ['mysql', 'postgresql', 'rabbitmq', 'redis']);
      for (const [kind, e] of Object.entries(all)) assert.equal(e.kind, kind);
    });
  });
}

function engineSuite(kind: EngineKind): void {
  describe(`${kind} engine`, { timeout: 600_000 }, () => {
    const client = CLIENTS[kind];
    const base = mkdtempSync(join(tmpdir(), `cfpush-eng-${kind}-`));
    const dir = join(base, 'services', kind);
    const log: string[] = [];
    const make = () => FACTORIES[kind]({ dir, log: (l) => log.push(l) });
    let e = make();
    const others: Engine[] = [];
    let skip = false;
    const A = randomUUID();
    const B = randomUUID();
    const L = randomUUID();
    let credsA: Credentials;
    let credsB: Credentials;
    let serverFiles = '';

    after(async () => {
      for (const x of [e, ...others]) await x.stop().catch(() => {});
      if (serverFiles) {
        const left = processesWith(serverFiles);
        assert.deepEqual(left, [], `no ${kind} process is left behind`);
      }
      removeServerFiles(dir);
      rmSync(base, { recursive: true, force: true });
    });

    test('probe names the version, or the package to install', async (t) => {
      skip = !(await needEngine(t, e, client));
      if (skip) return;
      const p = await e.probe();
      assert.ok(p.installed && /^\d+\.\d+/.test(p.version), JSON.stringify(p));
    });

    test('createTenant: working credentials; two tenants share one server; the same id answers the same credentials', async (t) => {
      if (skip) return t.skip('not installed');
      const began = Date.now();
      await e.ensureServer();
      t.diagnostic(`first start: ${Date.now() - began} ms`);
      serverFiles = realpathSync(join(dir, 'server'));
      credsA = await e.createTenant(A);
      const pid = e.pid();
      credsB = await e.createTenant(B);
      assert.equal(e.pid(), pid, 'one server process for both tenants');
      for (const k of ['uri', 'url', 'hostname', 'host', 'port', 'username', 'password']) assert.ok(credsA[k] !== undefined, `credentials carry ${k}`);
      assert.equal(credsA.uri, credsA.url);
      assert.equal(credsA.host, '127.0.0.1');
      if (kind === 'postgresql' || kind === 'mysql') assert.match(credsA.jdbcUrl as string, /^jdbc:/);
      if (kind === 'rabbitmq') assert.deepEqual(credsA.uris, [credsA.uri]);
      client.write(credsA, 'alpha');
      client.write(credsB, 'beta');
      assert.equal(client.read(credsA), 'alpha');
      assert.equal(client.read(credsB), 'beta');
      assert.deepEqual(await e.createTenant(A), credsA);
      const rss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      t.diagnostic(`server RSS with two tenants: ${Math.round(rss / 1024)} MB`);
    });

    test("a tenant's credentials cannot reach another tenant's data", (t) => {
      if (skip) return t.skip('not installed');
      assert.equal(client.reaches(credsA, credsB), false, 'A cannot reach B');
      assert.equal(client.reaches(credsB, credsA), false, 'B cannot reach A');
      if (kind === 'postgresql') {
        assert.notEqual(psql(credsA, 'SELECT 1', 'postgres').code, 0, 'nor the postgres database');
        assert.notEqual(psql(credsA, 'SELECT 1', 'template1').code, 0, 'nor template1');
      }
      if (kind === 'mysql') assert.notEqual(maria(credsA, 'SELECT 1', 'mysql').code, 0, 'nor the mysql database');
    });

    test('createLogin: a second login sees and writes the same data; dropLogin removes it', async (t) => {
      if (skip) return t.skip('not installed');
      const login = await e.createLogin(A, L);
      assert.notEqual(login.username, credsA.username);
      assert.equal(client.read(login), 'alpha');
      client.write(login, 'gamma');
      assert.equal(client.read(credsA), 'gamma', 'the owner sees what the login wrote');
      assert.equal(client.reaches(login, credsB), false);
      await e.dropLogin(A, L);
      assert.equal(client.read(login), undefined, 'a dropped login no longer connects');
      assert.equal(client.read(credsA), 'gamma', "the tenant's data stays");
      await e.dropLogin(A, L); // again: fine
    });

    test('the server listens on 127.0.0.1 only and, as root, runs as the package user', (t) => {
      if (skip) return t.skip('not installed');
      assert.deepEqual([...new Set(listeners(credsA.port as number))], ['0100007F']);
      if (process.getuid?.() === 0) {
        const uid = Number(spawnSync('id', ['-u', SYSTEM_USER[kind]], { encoding: 'utf8' }).stdout.trim());
        assert.equal(uidOf(e.pid()!), uid);
      }
    });

    test('a server killed with SIGKILL is started again and the credentials still work', async (t) => {
      if (skip) return t.skip('not installed');
      const old = e.pid()!;
      process.kill(old, 'SIGKILL');
      await eventually('the server back', async () => (e.pid() && e.pid() !== old && client.read(credsA) === 'gamma') || undefined, 120_000);
      assert.ok(
        log.some((l) => /exited unexpectedly/.test(l)),
        log.join('\n'),
      );
    });

    test('a new Engine over the same dir (foundation restart) keeps port and credentials', async (t) => {
      if (skip) return t.skip('not installed');
      await e.stop();
      assert.equal(e.pid(), undefined);
      e = make();
      await e.ensureServer();
      assert.deepEqual(await e.createTenant(A), credsA);
      assert.equal(client.read(credsA), 'gamma');
    });

    test('after a kill -9 of the foundation, the orphaned server is stopped and started again on the same port', async (t) => {
      if (skip) return t.skip('not installed');
      await e.stop();
      const child = spawn(process.execPath, [__filename], {
        env: { ...process.env, CFPUSH_ENGINE_CHILD: `${kind}:${dir}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const orphan = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d) => resolve(Number(String(d).trim())));
        child.once('exit', (code) => reject(new Error(`the child foundation exited (${code})`)));
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.ok(alive(orphan), 'the server outlives its killed foundation');
      e = make();
      await e.ensureServer();
      assert.notEqual(e.pid(), orphan);
      assert.equal(alive(orphan), false, 'the orphan was stopped');
      assert.ok(log.some((l) => /an earlier foundation left running/.test(l)));
      assert.equal(client.read(credsA), 'gamma');
    });

    test('dropTenant leaves no database or user behind; an unknown id is fine', async (t) => {
      if (skip) return t.skip('not installed');
      const login = await e.createLogin(B, randomUUID());
      await e.dropTenant(B);
      assert.equal(client.read(credsB), undefined, "the dropped tenant's owner cannot connect");
      assert.equal(client.read(login), undefined, "nor its binding's login");
      await e.dropTenant(B);
      await e.dropTenant(randomUUID());
      // A tenant made again with the same id starts empty.
      const again = await e.createTenant(B);
      assert.equal(client.read(again), kind === 'redis' ? '' : undefined);
      await e.dropTenant(B);
      await e.dropTenant(A);
      assert.equal(client.read(credsA), undefined);
    });

    test('a bad id is refused before it reaches the server', async (t) => {
      if (skip) return t.skip('not installed');
      await assert.rejects(e.createTenant("x'; DROP DATABASE postgres; --"), /is not a guid/);
    });
  });
}

function serverFilesSuite(): void {
  describe('where the server files live when root', { timeout: 300_000 }, () => {
    test('a data dir the postgres user cannot traverse (under /root) keeps the files under /var/lib/cf-push, a reachable one in place', async (t) => {
      if (process.getuid?.() !== 0) return t.skip('needs root');
      const e0 = postgresql({ dir: '/nonexistent', log: () => {} });
      if (!(await needEngine(t, e0, CLIENTS.postgresql))) return;
      const hidden = mkdtempSync('/root/cfpush-eng-');
      const open = mkdtempSync(join(tmpdir(), 'cfpush-eng-open-'));
      chmodSync(open, 0o755);
      const engines: Engine[] = [];
      try {
        for (const [base, shared] of [
          [hidden, true],
          [open, false],
        ] as const) {
          const dir = join(base, 'services', 'postgresql');
          const e = postgresql({ dir, log: () => {} });
          engines.push(e);
          const c = await e.createTenant(randomUUID());
          CLIENTS.postgresql.write(c, 'here');
          assert.equal(CLIENTS.postgresql.read(c), 'here');
          assert.equal(lstatSync(join(dir, 'server')).isSymbolicLink(), shared);
          if (shared) assert.match(realpathSync(join(dir, 'server')), /^\/var\/lib\/cf-push\/services\/postgresql-[0-9a-f]{16}$/);
          assert.equal((lstatSync(join(dir, 'engine.json')).mode & 0o777).toString(8), '600');
          await e.stop();
        }
      } finally {
        for (const e of engines) await e.stop();
        for (const base of [hidden, open]) {
          removeServerFiles(join(base, 'services', 'postgresql'));
          rmSync(base, { recursive: true, force: true });
        }
      }
    });
  });
}
