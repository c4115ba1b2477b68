// What the four engines share: the first start (system user, record, files'
// folder, the engine's own initialisation), one supervised server, and admin
// work done one operation at a time (two bindings made at once must not both
// pick the same Redis database, or race on CREATE ROLE).
import { join } from 'node:path';
import { CfPushError } from '../../../core/errors';
import type { Credentials, Engine, EngineKind, EngineOptions, Probe } from './engine';
import { serviceUser, type ServiceUser } from './privileges';
import { freePort, readRecord, recordFile, writeRecord, type EngineRecord } from './record';
import { derivePassword, randomSecret } from './secrets';
import { prepareServerDir } from './server-dir';
import { ServerProcess, type ServerSpec } from './server-process';

export interface Setup {
  /** Whom the server runs as (undefined: the foundation's own user). */
  user?: ServiceUser;
  /** The server's own files (server-dir.ts). */
  serverDir: string;
  record: EngineRecord;
  /** The admin's password, derived from the record's secret. */
  adminPassword: string;
}

export type EngineServerSpec = Omit<ServerSpec, 'user' | 'log' | 'pidFile' | 'recordFile' | 'logFile'>;

export abstract class ServerEngine implements Engine {
  abstract readonly kind: EngineKind;
  abstract readonly pkg: string;
  /** The system user the Debian package made for its server. */
  protected abstract readonly systemUser: string;
  protected readonly dir: string;
  protected readonly log: (line: string) => void;
  private server?: ServerProcess;
  private ensuring?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private setup?: Setup;

  constructor(o: EngineOptions) {
    this.dir = o.dir;
    this.log = o.log;
  }

  abstract probe(): Promise<Probe>;
  /** Creates the server's files on first use (the record is written once this succeeded). */
  protected abstract init(s: Setup): Promise<void>;
  /** How to run the server over `s`. */
  protected abstract spec(s: Setup): EngineServerSpec;
  /** Ports besides the clients' one that must stay the same (RabbitMQ's). */
  protected extraPorts(): Promise<Record<string, number>> {
    return Promise.resolve({});
  }

  abstract createTenant(id: string): Promise<Credentials>;
  abstract dropTenant(id: string): Promise<void>;
  abstract createLogin(tenant: string, login: string): Promise<Credentials>;
  abstract dropLogin(tenant: string, login: string): Promise<void>;

  ensureServer(): Promise<void> {
    this.ensuring ??= this.startServer().finally(() => (this.ensuring = undefined));
    return this.ensuring;
  }

  pid(): number | undefined {
    return this.server?.pid();
  }

  async stop(): Promise<void> {
    await this.ensuring?.catch(() => {});
    await this.server?.stop();
  }

  /** Runs `fn` with the server up, after every earlier admin operation of this engine. */
  protected serial<T>(fn: (s: Setup) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      await this.ensureServer();
      return fn(this.setup!);
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** A tenant's or login's password (the same for the same name, always). */
  protected password(s: Setup, name: string): string {
    return derivePassword(s.record.secret, name);
  }

  private async startServer(): Promise<void> {
    if (!this.server) {
      const probe = await this.probe();
      if (!probe.installed) throw new CfPushError(probe.reason, { hint: `Install it with: sudo apt-get install ${this.pkg}` });
      const user = await serviceUser(this.systemUser, this.pkg);
      let record = readRecord(this.dir);
      const fresh = !record;
      const serverDir = await prepareServerDir(this.dir, this.kind, user, fresh);
      record ??= { port: await freePort(), ports: await this.extraPorts(), secret: randomSecret() };
      const setup: Setup = { user, serverDir, record, adminPassword: derivePassword(record.secret, 'admin') };
      if (fresh) {
        const began = Date.now();
        this.log(`${this.kind}: initialising a new server in ${serverDir}`);
        await this.init(setup);
        await writeRecord(this.dir, record);
        this.log(`${this.kind}: initialised in ${Date.now() - began} ms`);
      }
      this.setup = setup;
      this.server = new ServerProcess({
        ...this.spec(setup),
        user,
        log: this.log,
        pidFile: join(this.dir, 'server.pid'),
        recordFile: recordFile(this.dir),
        logFile: join(this.dir, 'server.log'),
      });
    }
    await this.server.ensure();
  }
}

/** What every engine's credentials carry (design §5.5), given its uri. */
export function commonCredentials(uri: string, port: number, username: string, password: string): Credentials {
  return { uri, url: uri, hostname: '127.0.0.1', host: '127.0.0.1', port, username, password };
}

/** user:password@ for a URI, each part encoded. */
export function userInfo(username: string, password: string): string {
  return `${encodeURIComponent(username)}:${encodeURIComponent(password)}@`;
}
