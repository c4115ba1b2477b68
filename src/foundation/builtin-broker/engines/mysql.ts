// MariaDB (docs/design/services.md §5.2), offered as `mysql`: one mariadbd on
// 127.0.0.1 from a generated my.cnf (small buffers: a developer's machine),
// initialised by mariadb-install-db with an admin `cfpush`@127.0.0.1 whose
// password derives from the engine's secret (so the admin works the same
// whether the foundation is root or not; root keeps socket-only access). A
// tenant is a database and a user with every privilege on it; a binding's
// login is one more such user. SQL goes in on stdin (passwords stay out of
// `ps`).
import { chownSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CfPushError } from '../../../core/errors';
import type { Credentials, Engine, EngineOptions, Probe } from './engine';
import { checkedName, dbName, userName } from './ids';
import { run, runOk, type ServiceUser } from './privileges';
import { safeSecret } from './secrets';
import { commonCredentials, ServerEngine, userInfo, type EngineServerSpec, type Setup } from './server-engine';

const SERVER = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const CLIENT = '/usr/bin/mariadb';
const ADMIN = 'cfpush';

const id = (name: string) => `\`${checkedName(name)}\``;
/** In GRANT ... ON db.*, `_` is a wildcard: escaped, the grant names exactly this db. */
const grantDb = (db: string) => `\`${checkedName(db).replace(/_/g, '\\_')}\``;
const account = (user: string) => `'${checkedName(user)}'@'%'`;
const lit = (s: string) => `'${safeSecret(s)}'`;

class MariaDB extends ServerEngine {
  readonly kind = 'mysql' as const;
  readonly pkg = 'mariadb-server';
  protected readonly systemUser = 'mysql';

  async probe(): Promise<Probe> {
    const r = await run(undefined, SERVER, ['--version']);
    if (r.code === 127)
      return {
        installed: false,
        reason: 'MariaDB (the mysql service) is not installed: install the Debian package mariadb-server (apt-get install mariadb-server).',
      };
    const v = /Ver\s+([\d.]+)/.exec(r.stdout);
    if (!v) return { installed: false, reason: `mariadbd does not run (${(r.stderr || r.stdout).trim()}): reinstall the Debian package mariadb-server.` };
    return { installed: true, version: v[1]! };
  }

  protected async init(s: Setup): Promise<void> {
    this.writeConfig(s);
    const adminSql = join(s.serverDir, 'admin.sql');
    writeFileSync(
      adminSql,
      `FLUSH PRIVILEGES;\nCREATE USER '${ADMIN}'@'127.0.0.1' IDENTIFIED BY ${lit(s.adminPassword)};\nGRANT ALL PRIVILEGES ON *.* TO '${ADMIN}'@'127.0.0.1' WITH GRANT OPTION;\n`,
      { mode: 0o600 },
    );
    const args = [`--defaults-file=${this.cnf(s)}`, '--skip-test-db', '--auth-root-authentication-method=socket', `--extra-file=${adminSql}`];
    if (s.user) args.push(`--user=${s.user.name}`);
    try {
      await runOk(undefined, 'Initialising MariaDB (mariadb-install-db)', INSTALL_DB, args, { cwd: s.serverDir, timeoutMs: 120_000 });
    } finally {
      rmSync(adminSql, { force: true });
    }
  }

  protected spec(s: Setup): EngineServerSpec {
    const port = s.record.port;
    return {
      name: 'MariaDB',
      file: SERVER,
      args: [`--defaults-file=${this.cnf(s)}`],
      cwd: s.serverDir,
      ports: [port],
      stopSignal: 'SIGTERM', // normal shutdown
      ready: async () => (await this.sql(s, 'SELECT 1;').catch(() => '')).trim() === '1',
      beforeStart: () => {
        this.writeConfig(s);
        return Promise.resolve();
      },
      startTimeoutMs: 60_000,
      stopTimeoutMs: 60_000,
    };
  }

  async createTenant(tenant: string): Promise<Credentials> {
    const db = dbName(tenant);
    const owner = userName(tenant);
    return this.serial(async (s) => {
      const pw = this.password(s, owner);
      await this.sql(s, [`CREATE DATABASE IF NOT EXISTS ${id(db)};`, ...this.grantAll(db, owner, pw)].join('\n'));
      return credentials(s.record.port, db, owner, pw);
    });
  }

  async createLogin(tenant: string, login: string): Promise<Credentials> {
    const db = dbName(tenant);
    const user = userName(login);
    return this.serial(async (s) => {
      const found = await this.sql(s, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${checkedName(db)}';`);
      if (found.trim() !== '1') throw new CfPushError(`MariaDB has no database for service instance ${tenant}: create the service instance first.`);
      const pw = this.password(s, user);
      await this.sql(s, this.grantAll(db, user, pw).join('\n'));
      return credentials(s.record.port, db, user, pw);
    });
  }

  async dropLogin(_tenant: string, login: string): Promise<void> {
    const user = userName(login);
    return this.serial(async (s) => {
      await this.sql(s, `DROP USER IF EXISTS ${account(user)};`);
    });
  }

  async dropTenant(tenant: string): Promise<void> {
    const db = dbName(tenant);
    const owner = userName(tenant);
    return this.serial(async (s) => {
      // Every user granted on the db: the owner and the bindings' logins.
      const users = (await this.sql(s, `SELECT DISTINCT User FROM mysql.db WHERE Db = '${checkedName(db).replace(/_/g, '\\\\_')}';`))
        .split('\n')
        .filter((l) => l.trim())
        .map(checkedName);
      const drops = [...new Set([...users, owner])].map((u) => `DROP USER IF EXISTS ${account(u)};`);
      await this.sql(s, [`DROP DATABASE IF EXISTS ${id(db)};`, ...drops].join('\n'));
    });
  }

  private grantAll(db: string, user: string, pw: string): string[] {
    return [
      `CREATE USER IF NOT EXISTS ${account(user)} IDENTIFIED BY ${lit(pw)};`,
      `ALTER USER ${account(user)} IDENTIFIED BY ${lit(pw)};`,
      `GRANT ALL PRIVILEGES ON ${grantDb(db)}.* TO ${account(user)};`,
    ];
  }

  private cnf(s: Setup): string {
    return join(s.serverDir, 'my.cnf');
  }

  private writeConfig(s: Setup): void {
    const d = s.serverDir;
    const lines = [
      '[mysqld]',
      `datadir=${join(d, 'data')}`,
      'bind-address=127.0.0.1',
      `port=${s.record.port}`,
      `socket=${join(d, 'mysqld.sock')}`,
      `pid-file=${join(d, 'mysqld.pid')}`,
      'skip-name-resolve',
      // A developer's machine: small buffers and logs, no performance schema.
      'innodb_buffer_pool_size=32M',
      'innodb_log_file_size=16M',
      'performance_schema=OFF',
    ];
    writeReadable(s.user, this.cnf(s), lines.join('\n') + '\n');
  }

  /** Runs SQL as the admin over TCP; answers the tab-separated rows. */
  private sql(s: Setup, sql: string): Promise<string> {
    const args = ['--no-defaults', '--protocol=TCP', '-h', '127.0.0.1', '-P', String(s.record.port), '-u', ADMIN, '-N', '-B'];
    return runOk(undefined, 'MariaDB admin command (mariadb)', CLIENT, args, {
      input: sql,
      env: { ...process.env, MYSQL_PWD: s.adminPassword },
      timeoutMs: 30_000,
    });
  }
}

function credentials(port: number, db: string, user: string, pw: string): Credentials {
  const uri = `mysql://${userInfo(user, pw)}127.0.0.1:${port}/${db}?reconnect=true`;
  return {
    ...commonCredentials(uri, port, user, pw),
    name: db,
    database: db,
    jdbcUrl: `jdbc:mysql://127.0.0.1:${port}/${db}?user=${encodeURIComponent(user)}&password=${encodeURIComponent(pw)}`,
  };
}

/** A config file the server reads as `user` (no secrets in it). */
function writeReadable(user: ServiceUser | undefined, file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o644 });
  if (user) chownSync(file, user.uid, user.gid);
}

export function mysql(opts: EngineOptions): Engine {
  return new MariaDB(opts);
}
