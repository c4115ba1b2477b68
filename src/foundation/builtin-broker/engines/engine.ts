// One database or message server per engine on this machine, shared by every
// service instance of that offering (docs/design/services.md §5): an instance
// is a tenant inside it (a database, a vhost, a Redis logical db) and each
// binding its own login. The built-in broker (../server.ts) only talks to
// this interface; each engine file knows its server's commands.

export type EngineKind = 'postgresql' | 'mysql' | 'redis' | 'rabbitmq';

/** What a client library reads (design §5.5): uri and url, hostname and host, port, name, username, password, and jdbcUrl for SQL. */
export type Credentials = Record<string, unknown>;

export interface EngineOptions {
  /** `<data dir>/services/<kind>`: the server's data, config, logs and its own record of port and admin secret. */
  dir: string;
  /** Where progress and the server's trouble are written (the foundation log). */
  log: (line: string) => void;
}

export type Probe = { installed: true; version: string } | { installed: false; reason: string };

export interface Engine {
  readonly kind: EngineKind;
  /** The Debian package whose server this runs (named in "install …" errors). */
  readonly pkg: string;
  /** Is the server installed here? Its version (the plan's maintenance_info), or why not, naming the package to install. */
  probe(): Promise<Probe>;
  /**
   * Starts the server if it is not running (initialised on first use, on
   * 127.0.0.1 and a port kept across restarts so stored credentials stay
   * true), and supervises it: a server that dies is started again.
   * Concurrent calls share one start.
   */
  ensureServer(): Promise<void>;
  /** A tenant for a service instance; its owner's credentials. The same id again answers the same credentials. */
  createTenant(id: string): Promise<Credentials>;
  /** Drops the tenant, its data and every login made for it; an unknown id is fine. */
  dropTenant(id: string): Promise<void>;
  /** A login of its own for one binding or key, seeing the tenant's data. */
  createLogin(tenant: string, login: string): Promise<Credentials>;
  dropLogin(tenant: string, login: string): Promise<void>;
  /** The server's pid while it runs. */
  pid(): number | undefined;
  /** Stops the server (the foundation is stopping); it is started again on next use. */
  stop(): Promise<void>;
}
