// PostgreSQL (docs/design/services.md §5.1): one cluster initialised with
// initdb (scram-sha-256 everywhere, superuser `cfpush`), run in the
// foreground by `postgres` on 127.0.0.1 with no Unix socket. A tenant is a
// database owned by its own role; a binding's login is a role that is a
// member of the owner and takes on its role at login (ALTER ROLE ... SET
// role), so it sees the same tables and what it creates belongs to the owner.
// The server is driven through psql; SQL goes in on stdin (passwords stay out
// of `ps`), where psql runs each statement on its own so CREATE DATABASE is
// not inside a transaction block.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { CfPushError } from '../../../core/errors';
import type { Credentials, EngineOptions, Probe, Engine } from './engine';
import { checkedName, dbName, userName } from './ids';
import { run, runOk } from './privileges';
import { safeSecret } from './secrets';
import { runsWith } from './server-process';
import { commonCredentials, ServerEngine, userInfo, type EngineServerSpec, type Setup } from './server-engine';

const ROOT = '/usr/lib/postgresql';
const ADMIN = 'cfpush';

/** The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin). */
function binDir(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const majors = readdirSync(ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] && join(ROOT, majors[0], 'bin');
}

/** PG* variables of the foundation's environment must not redirect the admin's psql. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG'))), ...extra };
}

const q = (name: string) => `"${checkedName(name)}"`;
const lit = (s: string) => `'${safeSecret(s)}'`;

class PostgreSQL extends ServerEngine {
  readonly kind = 'postgresql' as const;
  readonly pkg = 'postgresql';
  protected readonly systemUser = 'postgres';

  async probe(): Promise<Probe> {
    const bin = binDir();
    if (!bin) return { installed: false, reason: 'PostgreSQL is not installed: install the Debian package postgresql (apt-get install postgresql).' };
    const r = await run(undefined, join(bin, 'postgres'), ['--version']);
    const v = /PostgreSQL\)\s+([\d.]+)/.exec(r.stdout);
    if (!v)
      return { installed: false, reason: `PostgreSQL in ${bin} does not run (${(r.stderr || r.stdout).trim()}): reinstall the Debian package postgresql.` };
    return { installed: true, version: v[1]! };
  }

  protected async init(s: Setup): Promise<void> {
    const pwFile = join(s.serverDir, 'admin.pw');
    writeFileSync(pwFile, s.adminPassword + '\n', { mode: 0o600 });
    if (s.user) chownSync(pwFile, s.user.uid, s.user.gid);
    try {
      await runOk(
        s.user,
        'Initialising PostgreSQL (initdb)',
        join(binDir()!, 'initdb'),
        ['-D', join(s.serverDir, 'data'), '-U', ADMIN, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'],
        { cwd: s.serverDir, env: cleanEnv({}), timeoutMs: 120_000 },
      );
    } finally {
      rmSync(pwFile, { force: true });
    }
  }

  protected spec(s: Setup): EngineServerSpec {
    const data = join(s.serverDir, 'data');
    const port = s.record.port;
    return {
      name: 'PostgreSQL',
      file: join(binDir()!, 'postgres'),
      args: ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', 'unix_socket_directories=', '-c', 'logging_collector=off'],
      env: cleanEnv({}),
      cwd: s.serverDir,
      ports: [port],
      stopSignal: 'SIGINT', // fast shutdown: ends sessions, checkpoints, exits
      ready: async () =>
        (await run(undefined, join(binDir()!, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2'], { env: cleanEnv({}) })).code === 0,
      // A postmaster.pid whose pid now belongs to another program (the server was SIGKILLed) would stop postgres starting.
      beforeStart: async () => {
        const lock = join(data, 'postmaster.pid');
        const pid = Number(readText(lock).split('\n')[0]);
        if (pid && !runsWith(pid, data)) rmSync(lock, { force: true });
      },
      // No tenant may connect to the admin's databases (PUBLIC may, by default).
      afterReady: async () => {
        await this.psql(s, 'REVOKE CONNECT ON DATABASE postgres, template1 FROM PUBLIC;');
      },
      startTimeoutMs: 60_000,
      stopTimeoutMs: 30_000,
    };
  }

  async createTenant(id: string): Promise<Credentials> {
    const db = dbName(id);
    const owner = userName(id);
    return this.serial(async (s) => {
      const pw = this.password(s, owner);
      const [role, database] = await this.exists(s, owner, db);
      await this.psql(
        s,
        [
          `${role ? 'ALTER' : 'CREATE'} ROLE ${q(owner)} LOGIN PASSWORD ${lit(pw)};`,
          database ? '' : `CREATE DATABASE ${q(db)} OWNER ${q(owner)};`,
          `REVOKE ALL ON DATABASE ${q(db)} FROM PUBLIC;`,
        ].join('\n'),
      );
      return credentials(s.record.port, db, owner, pw);
    });
  }

  async createLogin(tenant: string, login: string): Promise<Credentials> {
    const db = dbName(tenant);
    const owner = userName(tenant);
    const user = userName(login);
    return this.serial(async (s) => {
      const [, database] = await this.exists(s, owner, db);
      if (!database) throw new CfPushError(`PostgreSQL has no database for service instance ${tenant}: create the service instance first.`);
      const [role] = await this.exists(s, user, db);
      const pw = this.password(s, user);
      await this.psql(
        s,
        [
          `${role ? 'ALTER' : 'CREATE'} ROLE ${q(user)} LOGIN PASSWORD ${lit(pw)};`,
          `GRANT ${q(owner)} TO ${q(user)};`,
          `ALTER ROLE ${q(user)} SET role = ${q(owner).replace(/"/g, "'")};`,
        ].join('\n'),
      );
      return credentials(s.record.port, db, user, pw);
    });
  }

  async dropLogin(tenant: string, login: string): Promise<void> {
    const db = dbName(tenant);
    const owner = userName(tenant);
    const user = userName(login);
    return this.serial(async (s) => {
      const [role, database] = await this.exists(s, user, db);
      if (!role) return;
      // What the login made as itself (before SET role took effect) goes to the owner.
      if (database && (await this.exists(s, owner, db))[0]) await this.psql(s, `REASSIGN OWNED BY ${q(user)} TO ${q(owner)};\nDROP OWNED BY ${q(user)};`, db);
      await this.dropRoles(s, [user]);
    });
  }

  async dropTenant(id: string): Promise<void> {
    const db = dbName(id);
    const owner = userName(id);
    return this.serial(async (s) => {
      const members = (
        await this.psql(
          s,
          `SELECT m.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member JOIN pg_roles o ON o.oid = a.roleid WHERE o.rolname = '${checkedName(owner)}';`,
        )
      )
        .split('\n')
        .filter((l) => l.trim());
      await this.psql(s, `DROP DATABASE IF EXISTS ${q(db)} WITH (FORCE);`);
      await this.dropRoles(s, [...members.map(checkedName), owner]);
    });
  }

  /** Ends the roles' sessions and drops them. */
  private async dropRoles(s: Setup, roles: string[]): Promise<void> {
    if (roles.length === 0) return;
    const list = roles.map((r) => `'${checkedName(r)}'`).join(', ');
    await this.psql(
      s,
      [`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename IN (${list});`, ...roles.map((r) => `DROP ROLE IF EXISTS ${q(r)};`)].join(
        '\n',
      ),
    );
  }

  /** Do the role and the database exist? */
  private async exists(s: Setup, role: string, db: string): Promise<[boolean, boolean]> {
    const out = await this.psql(
      s,
      `SELECT (SELECT count(*) FROM pg_roles WHERE rolname = '${checkedName(role)}'), (SELECT count(*) FROM pg_database WHERE datname = '${checkedName(db)}');`,
    );
    const [r, d] = out.trim().split('|');
    return [r === '1', d === '1'];
  }

  /** Runs SQL as the superuser over TCP; answers psql's unaligned output. */
  private psql(s: Setup, sql: string, db = 'postgres'): Promise<string> {
    const args = ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(s.record.port), '-U', ADMIN, '-d', db, '-f', '-'];
    return runOk(undefined, 'PostgreSQL admin command (psql)', join(binDir()!, 'psql'), args, {
      input: sql,
      env: cleanEnv({ PGPASSWORD: s.adminPassword, PGCONNECT_TIMEOUT: '10' }),
    });
  }
}

function credentials(port: number, db: string, user: string, pw: string): Credentials {
  const uri = `postgres://${userInfo(user, pw)}127.0.0.1:${port}/${db}`;
  return {
    ...commonCredentials(uri, port, user, pw),
    name: db,
    database: db,
    jdbcUrl: `jdbc:postgresql://127.0.0.1:${port}/${db}?user=${encodeURIComponent(user)}&password=${encodeURIComponent(pw)}`,
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function postgresql(opts: EngineOptions): Engine {
  return new PostgreSQL(opts);
}
