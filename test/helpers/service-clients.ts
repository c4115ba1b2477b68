// Clients of the built-in broker's engines, driven through their own CLIs
// (psql, mariadb, redis-cli, amqp-tools) with the credentials an app gets:
// write a value, read it back, and say what a login can reach. Shared by the
// engine tests and the cf CLI tests of the built-in broker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Credentials, EngineKind } from '../../src/foundation/builtin-broker/engines/engine';

/** A client of one engine: writes a value, reads it back, with the credentials an app gets. */
export interface Client {
  tool: string;
  toolPkg: string;
  write(c: Credentials, value: string): void;
  /** The value, or undefined when the credentials cannot read it (refused, unknown user...). */
  read(c: Credentials): string | undefined;
  /** Can credentials `a` read tenant `b`'s data (b's database / db index / vhost)? */
  reaches(a: Credentials, b: Credentials): boolean;
}

export function sh(file: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): { code: number; out: string } {
  const r = spawnSync(file, args, { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

export const psql = (c: Credentials, sql: string, db = c.name as string) =>
  sh('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(c.port), '-U', c.username as string, '-d', db, '-c', sql], {
    PGPASSWORD: c.password as string,
  });
export const maria = (c: Credentials, sql: string, db = c.name as string) =>
  sh('mariadb', ['--no-defaults', '--protocol=TCP', '-h', '127.0.0.1', '-P', String(c.port), '-u', c.username as string, '-N', '-B', '-D', db, '-e', sql], {
    MYSQL_PWD: c.password as string,
  });
export const rcli = (c: Credentials, args: string[], db = c.database as number) =>
  sh('redis-cli', ['-h', '127.0.0.1', '-p', String(c.port), '--user', c.username as string, '--no-auth-warning', '-n', String(db), ...args], {
    REDISCLI_AUTH: c.password as string,
  });
const amqpUrl = (a: Credentials, vhost = a.vhost as string) =>
  `amqp://${encodeURIComponent(a.username as string)}:${encodeURIComponent(a.password as string)}@127.0.0.1:${a.port}/${vhost}`;

export const CLIENTS: Record<EngineKind, Client> = {
  postgresql: {
    tool: 'psql',
    toolPkg: 'postgresql-client',
    write: (c, v) => assert.equal(psql(c, `CREATE TABLE IF NOT EXISTS probe (v text); DELETE FROM probe; INSERT INTO probe VALUES ('${v}')`).code, 0),
    read: (c) => {
      const r = psql(c, 'SELECT v FROM probe');
      return r.code === 0 ? r.out.trim() : undefined;
    },
    reaches: (a, b) => psql(a, 'SELECT 1', b.name as string).code === 0,
  },
  mysql: {
    tool: 'mariadb',
    toolPkg: 'mariadb-client',
    write: (c, v) => assert.equal(maria(c, `CREATE TABLE IF NOT EXISTS probe (v text); DELETE FROM probe; INSERT INTO probe VALUES ('${v}')`).code, 0),
    read: (c) => {
      const r = maria(c, 'SELECT v FROM probe');
      return r.code === 0 ? r.out.trim() : undefined;
    },
    reaches: (a, b) => maria(a, 'SELECT 1', b.name as string).code === 0,
  },
  redis: {
    tool: 'redis-cli',
    toolPkg: 'redis-tools',
    write: (c, v) => assert.equal(rcli(c, ['SET', 'probe', v]).out.trim(), 'OK'),
    read: (c) => {
      const r = rcli(c, ['GET', 'probe']);
      return r.code === 0 && !/^(NOPERM|WRONGPASS|ERR|NOAUTH)/m.test(r.out) ? r.out.trim() : undefined;
    },
    reaches: (a, b) => !/NOPERM|WRONGPASS/.test(rcli(a, ['GET', 'probe'], b.database as number).out),
  },
  rabbitmq: {
    tool: 'amqp-get',
    toolPkg: 'amqp-tools',
    // A durable queue holding one message: write replaces it, read peeks at it (gets it and puts it back).
    write: (c, v) => {
      assert.equal(sh('amqp-declare-queue', ['--url', c.uri as string, '-d', '-q', 'probe']).code, 0);
      sh('amqp-delete-queue', ['--url', c.uri as string, '-q', 'probe']);
      assert.equal(sh('amqp-declare-queue', ['--url', c.uri as string, '-d', '-q', 'probe']).code, 0);
      assert.equal(sh('amqp-publish', ['--url', c.uri as string, '-r', 'probe', '-p', '-b', v]).code, 0);
    },
    read: (c) => {
      const r = sh('amqp-get', ['--url', c.uri as string, '-q', 'probe']);
      if (r.code !== 0) return undefined;
      sh('amqp-publish', ['--url', c.uri as string, '-r', 'probe', '-p', '-b', r.out]);
      return r.out.trim();
    },
    reaches: (a, b) => sh('amqp-declare-queue', ['--url', amqpUrl(a, b.vhost as string), '-q', 'x']).code === 0,
  },
};

/** Local addresses listening on `port` (/proc/net/tcp{,6}, hex as the kernel writes them). */
export function listeners(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'latin1').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c[3] === '0A' && c[1]?.endsWith(`:${hex}`)) out.push(c[1].split(':')[0]!);
    }
  }
  return out;
}
