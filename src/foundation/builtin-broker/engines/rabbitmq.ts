// RabbitMQ (docs/design/services.md §5.4): one node, private to this data
// dir: its own node name, HOME (Erlang cookie), mnesia and log folders, and
// its own epmd on a private port, all on 127.0.0.1 (the Erlang distribution
// too), so it never meets the distro's or another foundation's node.
// RUNNING_UNDER_SYSTEMD makes Debian's rabbitmq-server script exec the Erlang
// VM instead of waiting on it, so the pid we spawn is the broker's and
// SIGTERM stops it gracefully. A tenant is a vhost; its owner and each
// binding's login are users with full permissions on it. Driven by
// rabbitmqctl (an Erlang CLI node, ~1 s per call), as the server's user.
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfPushError } from '../../../core/errors';
import type { Credentials, Engine, EngineOptions, Probe } from './engine';
import { checkedName, userName, vhostName } from './ids';
import { run, type ServiceUser } from './privileges';
import { freePort } from './record';
import { randomSecret, safeSecret } from './secrets';
import { commonCredentials, ServerEngine, userInfo, type EngineServerSpec, type Setup } from './server-engine';

const BIN = '/usr/lib/rabbitmq/bin';
const ADMIN = 'cfpush-admin';
const LOOPBACK_DIST = '-kernel inet_dist_use_interface {127,0,0,1}';

class RabbitMQ extends ServerEngine {
  readonly kind = 'rabbitmq' as const;
  readonly pkg = 'rabbitmq-server';
  protected readonly systemUser = 'rabbitmq';

  async probe(): Promise<Probe> {
    const r = await run(undefined, 'dpkg-query', ['-W', '-f', '${Status}|${Version}', 'rabbitmq-server']);
    const [status, version] = r.stdout.split('|');
    if (r.code !== 0 || !status?.endsWith(' installed') || !version) {
      return { installed: false, reason: 'RabbitMQ is not installed: install the Debian package rabbitmq-server (apt-get install rabbitmq-server).' };
    }
    return { installed: true, version: version.replace(/^\d+:/, '').replace(/-[^-]*$/, '') };
  }

  protected override async extraPorts(): Promise<Record<string, number>> {
    return { dist: await freePort(), epmd: await freePort() };
  }

  protected init(s: Setup): Promise<void> {
    const d = s.serverDir;
    writeOwned(s.user, join(d, '.erlang.cookie'), randomSecret(24), 0o400);
    writeOwned(s.user, join(d, 'enabled_plugins'), '[].\n', 0o600);
    writeOwned(
      s.user,
      join(d, 'rabbitmq.conf'),
      // An admin with a random password, or RabbitMQ would create guest/guest.
      [`listeners.tcp.default = 127.0.0.1:${s.record.port}`, `default_user = ${ADMIN}`, `default_pass = ${safeSecret(s.adminPassword)}`, ''].join('\n'),
      0o600,
    );
    return Promise.resolve();
  }

  protected spec(s: Setup): EngineServerSpec {
    return {
      name: 'RabbitMQ',
      file: join(BIN, 'rabbitmq-server'),
      args: [],
      env: this.env(s),
      cwd: s.serverDir,
      ports: [s.record.port, s.record.ports!.dist!],
      stopSignal: 'SIGTERM', // rabbit's signal handler stops the node gracefully
      ready: async () => (await this.ctl(s, ['await_startup', '--timeout', '10'])).code === 0,
      // The node's private epmd outlives it; nothing else uses its port.
      afterStop: async () => {
        await run(undefined, 'epmd', ['-kill'], { env: this.env(s) });
      },
      startTimeoutMs: 120_000,
      stopTimeoutMs: 60_000,
    };
  }

  async createTenant(tenant: string): Promise<Credentials> {
    const vhost = vhostName(tenant);
    const owner = userName(tenant);
    return this.serial(async (s) => {
      await this.ctlOk(s, ['add_vhost', vhost], /already exists/i);
      const pw = await this.addUser(s, vhost, owner);
      return credentials(s.record.port, vhost, owner, pw);
    });
  }

  async createLogin(tenant: string, login: string): Promise<Credentials> {
    const vhost = vhostName(tenant);
    const user = userName(login);
    return this.serial(async (s) => {
      const vhosts = await this.ctlOk(s, ['list_vhosts', '--no-table-headers', 'name']);
      if (!vhosts.split('\n').includes(vhost))
        throw new CfPushError(`RabbitMQ has no vhost for service instance ${tenant}: create the service instance first.`);
      const pw = await this.addUser(s, vhost, user);
      return credentials(s.record.port, vhost, user, pw);
    });
  }

  async dropLogin(_tenant: string, login: string): Promise<void> {
    const user = userName(login);
    return this.serial(async (s) => {
      await this.ctlOk(s, ['delete_user', user], /does not exist|not found|no_such_user/i);
    });
  }

  async dropTenant(tenant: string): Promise<void> {
    const vhost = vhostName(tenant);
    const owner = userName(tenant);
    return this.serial(async (s) => {
      const perms = await this.ctl(s, ['list_permissions', '-p', vhost, '--formatter', 'json']);
      const users =
        perms.code === 0 ? (JSON.parse(perms.stdout || '[]') as { user: string }[]).map((p) => p.user).filter((u) => /^u_[0-9a-f]{32}$/.test(u)) : [];
      for (const u of new Set([...users, owner])) await this.ctlOk(s, ['delete_user', checkedName(u)], /does not exist|not found|no_such_user/i);
      await this.ctlOk(s, ['delete_vhost', vhost], /does not exist|not found|no_such_vhost/i);
    });
  }

  /** Makes (or resets the password of) `user` with every permission on `vhost`; answers the password. */
  private async addUser(s: Setup, vhost: string, user: string): Promise<string> {
    const pw = safeSecret(this.password(s, user));
    const added = await this.ctl(s, ['add_user', checkedName(user), pw]);
    if (added.code !== 0) {
      if (!/already exists/i.test(added.stdout + added.stderr)) throw ctlError(['add_user', user], added.stdout + added.stderr);
      await this.ctlOk(s, ['change_password', user, pw]);
    }
    await this.ctlOk(s, ['set_permissions', '-p', checkedName(vhost), user, '.*', '.*', '.*']);
    return pw;
  }

  private node(s: Setup): string {
    return `cfpush-${s.record.port}@localhost`;
  }

  private env(s: Setup): NodeJS.ProcessEnv {
    const d = s.serverDir;
    return {
      ...process.env,
      HOME: d,
      RABBITMQ_NODENAME: this.node(s),
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(s.record.port),
      RABBITMQ_DIST_PORT: String(s.record.ports!.dist),
      RABBITMQ_MNESIA_BASE: join(d, 'mnesia'),
      RABBITMQ_LOG_BASE: join(d, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_CONFIG_FILE: join(d, 'rabbitmq'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(d, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(d, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(d, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(d, 'rabbitmq.pid'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: LOOPBACK_DIST,
      RABBITMQ_CTL_ERL_ARGS: LOOPBACK_DIST,
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_EPMD_PORT: String(s.record.ports!.epmd),
      RUNNING_UNDER_SYSTEMD: 'true',
    };
  }

  private ctl(s: Setup, args: string[]) {
    return run(s.user, join(BIN, 'rabbitmqctl'), ['-q', '-n', this.node(s), ...args], { env: this.env(s), cwd: s.serverDir, timeoutMs: 60_000 });
  }

  /** rabbitmqctl that must succeed, unless its output matches `fine` (already there / already gone). */
  private async ctlOk(s: Setup, args: string[], fine?: RegExp): Promise<string> {
    const r = await this.ctl(s, args);
    if (r.code !== 0 && !fine?.test(r.stdout + r.stderr)) throw ctlError(args, r.stdout + r.stderr);
    return r.stdout;
  }
}

function ctlError(args: string[], out: string): Error {
  return new Error(`RabbitMQ admin command (rabbitmqctl ${args[0]}) failed: ${out.trim().slice(-1000)}`);
}

function credentials(port: number, vhost: string, user: string, pw: string): Credentials {
  const uri = `amqp://${userInfo(user, pw)}127.0.0.1:${port}/${vhost}`;
  return { ...commonCredentials(uri, port, user, pw), uris: [uri], vhost, name: vhost };
}

function writeOwned(user: ServiceUser | undefined, file: string, text: string, mode: number): void {
  writeFileSync(file, text, { mode });
  if (user) chownSync(file, user.uid, user.gid);
}

export function rabbitmq(opts: EngineOptions): Engine {
  return new RabbitMQ(opts);
}
