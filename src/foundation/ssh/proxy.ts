// The foundation's ssh endpoint, as Diego's ssh-proxy (advertised in `GET /`
// as app_ssh): the user `cf:PROCESS_GUID/INDEX` (an app guid means its web
// process) with a one-time code from UAA's /oauth/authorize as the password
// (`cf ssh` gets one for each connection). CC's checks decide, as its
// ssh_access endpoint does for the proxy: ssh allowed for the space and the
// app, the app STARTED, the instance RUNNING; each decision is an audit event
// (audit.app.ssh-authorized / ssh-unauthorized). An authorized connection
// gets session channels (session.ts) and `-L` forwards (direct-tcpip) to the
// instance: a loopback destination on the app's port (its PORT, or CF's 8080)
// reaches the instance's port, another loopback port the instance's address.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AuthContext, Connection, Server as SshServer, TcpipRequestInfo } from 'ssh2';
import { sshAllowed } from '../api/app-features';
import type { Foundation } from '../context';
import { appTarget, recordEvent } from '../events';
import { appProcesses } from '../model';
import type { RunningProcess } from '../runtime/types';
import { STACK_APP_PORT } from '../stack-instances';
import type { HostKey } from './host-key';
import { serveSession } from './session';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '']);

export class SshProxy {
  /** What listens: a plain TCP server, handing each connection to ssh2. */
  readonly server: Server;
  private readonly clients = new Set<Connection>();
  /** ssh2, loaded on the first connection: it costs the daemon 13 MB resident, most users never ssh. */
  private ssh?: Promise<SshServer>;

  constructor(
    private readonly f: Foundation,
    private readonly key: HostKey,
  ) {
    this.server = createServer((socket) => void this.accept(socket));
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', () => {});
    try {
      this.ssh ??= import('ssh2').then((m) => {
        // ssh2 is CommonJS (dist/ssh2.js): its exports are the import's `default`.
        const { Server } = m.default;
        return new Server({ hostKeys: [this.key.private], ident: 'cf-push-ssh-proxy' }, (c) => this.connection(c));
      });
      const server = await this.ssh;
      // Bytes that came meanwhile wait in the paused socket.
      if (!socket.destroyed) server.injectSocket(socket);
    } catch (err) {
      console.error(`ssh: ${(err as Error).message}`);
      socket.destroy();
    }
  }

  private connection(client: Connection): void {
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    client.on('error', () => {});
    let instance: RunningProcess | undefined;
    client.on('authentication', (ctx) => {
      instance = ctx.method === 'password' ? this.authorize(ctx) : undefined;
      if (instance) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => serveSession(accept(), instance!));
      client.on('tcpip', (accept, reject, info) => (instance ? forward(instance, info, accept, reject) : reject()));
    });
  }

  /** The instance the user names, when the code is good and CC would let them in. */
  private authorize(ctx: AuthContext & { password: string }): RunningProcess | undefined {
    const good = this.f.auth.sshCodes.redeem(ctx.password);
    const m = /^cf:([^/]+)\/(\d+)$/.exec(ctx.username);
    if (!m) return undefined;
    const { store } = this.f;
    const proc = store.get('processes', m[1]) ?? appProcesses(this.f, m[1]!).find((p) => p.type === 'web');
    const app = store.get('apps', proc?.app_guid);
    if (!proc || !app) return undefined;
    const index = Number(m[2]);
    const instance = good && app.state === 'STARTED' && sshAllowed(this.f, app).enabled ? this.f.supervisor.running(proc.guid, index) : undefined;
    recordEvent(this.f, instance ? 'audit.app.ssh-authorized' : 'audit.app.ssh-unauthorized', appTarget(app), app.space_guid, { index });
    return instance;
  }

  close(): void {
    this.server.close();
    for (const c of this.clients) c.end();
  }
}

/** `-L`: a TCP connection to the instance, on its behalf. */
function forward(instance: RunningProcess, info: TcpipRequestInfo, accept: () => NodeJS.ReadWriteStream, reject: () => void): void {
  if (!LOOPBACK.has(info.destIP)) return reject();
  const at = instance.healthAddress();
  const appPort = info.destPort === instance.ports.internal || info.destPort === STACK_APP_PORT;
  const socket = connect({ host: at.host, port: appPort ? at.port : info.destPort });
  socket.once('error', () => reject());
  socket.once('connect', () => {
    socket.removeAllListeners('error');
    const channel = accept();
    socket.on('error', () => channel.end());
    channel.on('error', () => socket.destroy());
    socket.pipe(channel).pipe(socket);
  });
}
