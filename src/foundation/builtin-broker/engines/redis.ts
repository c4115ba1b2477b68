// Redis 7 (docs/design/services.md §5.3): one redis-server on 127.0.0.1 with
// ACLs from an aclfile (the default user off, an admin with a hashed
// password). A tenant is a logical database n (1-255): its owner and each
// binding's login are ACL users that may SELECT only n (`-select
// +select|n`, which Redis 7.0 accepts with a deprecation warning in its log)
// and may not run admin or dangerous commands, nor MOVE/COPY (which take a
// db index and would write into another tenant's db). Apps keep their key
// names; the uri ends in /n so clients select it.
//
// Known limit: Redis has no per-database ACL, so every login can also use db
// 0, which no tenant owns: a client that ignores the uri's /n (host, port
// and password only) lands in db 0 and shares it with other such clients. No
// tenant's own db is reachable by another's login.
import { chownSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CfPushError } from '../../../core/errors';
import type { Credentials, Engine, EngineOptions, Probe } from './engine';
import { checkedName, userName } from './ids';
import { run, type ServiceUser } from './privileges';
import { safeSecret } from './secrets';
import { commonCredentials, ServerEngine, userInfo, type EngineServerSpec, type Setup } from './server-engine';

const SERVER = '/usr/bin/redis-server';
const CLI = '/usr/bin/redis-cli';
const ADMIN = 'cfpush-admin';
/** Logical databases 1-255 go to tenants; 0 is the one every login can use (see above). */
const DATABASES = 256;

/** A tenant user's rules for database n. */
const rules = (n: number, pw: string) => `reset on >${safeSecret(pw)} ~* &* +@all -@admin -@dangerous +flushdb +keys +info -move -copy -select +select|${n}`;

class Redis extends ServerEngine {
  readonly kind = 'redis' as const;
  readonly pkg = 'redis-server';
  protected readonly systemUser = 'redis';

  async probe(): Promise<Probe> {
    const r = await run(undefined, SERVER, ['--version']);
    if (r.code === 127) return { installed: false, reason: 'Redis is not installed: install the Debian package redis-server (apt-get install redis-server).' };
    const v = /v=([\d.]+)/.exec(r.stdout);
    if (!v) return { installed: false, reason: `redis-server does not run (${(r.stderr || r.stdout).trim()}): reinstall the Debian package redis-server.` };
    return { installed: true, version: v[1]! };
  }

  protected init(s: Setup): Promise<void> {
    const hash = createHash('sha256').update(s.adminPassword).digest('hex');
    writeOwned(s.user, join(s.serverDir, 'users.acl'), `user default off\nuser ${ADMIN} on #${hash} ~* &* +@all\n`);
    return Promise.resolve();
  }

  protected spec(s: Setup): EngineServerSpec {
    const conf = join(s.serverDir, 'redis.conf');
    const port = s.record.port;
    return {
      name: 'Redis',
      file: SERVER,
      args: [conf],
      cwd: s.serverDir,
      ports: [port],
      stopSignal: 'SIGTERM', // saves, fsyncs the append-only file, exits
      ready: async () => (await this.cli(s, ['PING']).catch(() => '')).trim() === 'PONG',
      beforeStart: () => {
        const lines = [
          'bind 127.0.0.1',
          `port ${port}`,
          'protected-mode yes',
          'daemonize no',
          'supervised no',
          'logfile ""',
          `dir ${s.serverDir}`,
          `aclfile ${join(s.serverDir, 'users.acl')}`,
          `databases ${DATABASES}`,
          'appendonly yes',
          'save ""',
        ];
        writeOwned(s.user, conf, lines.join('\n') + '\n');
        return Promise.resolve();
      },
      startTimeoutMs: 30_000,
      stopTimeoutMs: 30_000,
    };
  }

  async createTenant(id: string): Promise<Credentials> {
    const owner = userName(id);
    return this.serial(async (s) => {
      const users = await this.users(s);
      let n = users.get(owner);
      if (n === undefined) {
        const used = new Set(users.values());
        n = [...Array(DATABASES).keys()].find((i) => i > 0 && !used.has(i));
        if (n === undefined)
          throw new CfPushError(
            `Redis has no free database left for a new service instance (all ${DATABASES - 1} are in use): delete a Redis service instance first.`,
          );
        await this.cli(s, ['-n', String(n), 'FLUSHDB']);
      }
      const pw = this.password(s, owner);
      await this.cli(s, [], `ACL SETUSER ${checkedName(owner)} ${rules(n, pw)}\nACL SAVE\n`);
      return credentials(s.record.port, n, owner, pw);
    });
  }

  async createLogin(tenant: string, login: string): Promise<Credentials> {
    const owner = userName(tenant);
    const user = userName(login);
    return this.serial(async (s) => {
      const n = (await this.users(s)).get(owner);
      if (n === undefined) throw new CfPushError(`Redis has no database for service instance ${tenant}: create the service instance first.`);
      const pw = this.password(s, user);
      await this.cli(s, [], `ACL SETUSER ${checkedName(user)} ${rules(n, pw)}\nACL SAVE\n`);
      return credentials(s.record.port, n, user, pw);
    });
  }

  async dropLogin(_tenant: string, login: string): Promise<void> {
    const user = userName(login);
    return this.serial(async (s) => {
      // ACL DELUSER also disconnects the user's clients.
      await this.cli(s, [], `ACL DELUSER ${checkedName(user)}\nACL SAVE\n`);
    });
  }

  async dropTenant(id: string): Promise<void> {
    const owner = userName(id);
    return this.serial(async (s) => {
      const users = await this.users(s);
      const n = users.get(owner);
      if (n === undefined) return;
      const theirs = [...users].filter(([, db]) => db === n).map(([u]) => checkedName(u));
      await this.cli(s, [], `ACL DELUSER ${theirs.join(' ')}\nACL SAVE\n`);
      await this.cli(s, ['-n', String(n), 'FLUSHDB']);
    });
  }

  /** Tenant users and the database each may select, from ACL LIST. */
  private async users(s: Setup): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const line of (await this.cli(s, ['ACL', 'LIST'])).split('\n')) {
      const m = /^user (u_[0-9a-f]{32}) .*\+select\|(\d+)/.exec(line);
      if (m) out.set(m[1]!, Number(m[2]));
    }
    return out;
  }

  /** redis-cli as the admin: `args` as one command, or commands on stdin (what carries a password). */
  private async cli(s: Setup, args: string[], input?: string): Promise<string> {
    const r = await run(undefined, CLI, ['-h', '127.0.0.1', '-p', String(s.record.port), '--user', ADMIN, '--no-auth-warning', ...args], {
      input,
      env: { ...process.env, REDISCLI_AUTH: s.adminPassword },
      timeoutMs: 30_000,
    });
    const err = r.stdout.split('\n').find((l) => /^(\(error\) )?(ERR|NOPERM|WRONGPASS|NOAUTH|LOADING|MISCONF|BUSY)\b/.test(l));
    if (r.code !== 0 || err) throw new Error(`Redis admin command (redis-cli) failed: ${(err ?? r.stderr ?? r.stdout).trim().slice(0, 500)}`);
    return r.stdout;
  }
}

function credentials(port: number, n: number, user: string, pw: string): Credentials {
  return { ...commonCredentials(`redis://${userInfo(user, pw)}127.0.0.1:${port}/${n}`, port, user, pw), name: String(n), database: n };
}

/** A file the server (running as `user`) reads or rewrites. */
function writeOwned(user: ServiceUser | undefined, file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  if (user) chownSync(file, user.uid, user.gid);
}

export function redis(opts: EngineOptions): Engine {
  return new Redis(opts);
}
