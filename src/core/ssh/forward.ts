// Local port forwarding over one ssh connection to an app instance, as
// `cf ssh -L` does it (util/clissh LocalPortForward in the cf CLI): each spec
// listens on this machine, and every connection accepted there opens a
// `direct-tcpip` channel to REMOTE_HOST:REMOTE_PORT as the instance sees it.
// The spec syntax and its error are cf's (command/flag/ssh_port_forwarding):
// `[BIND_ADDRESS:]LOCAL_PORT:REMOTE_HOST:REMOTE_PORT`, the bind address
// `localhost` unless given, which listens on 127.0.0.1 only. Unlike cf, the
// listeners bind before the ssh login, so a taken port fails without using a
// connection, and a port 0 asks the system for one (reported in `listening`).
import { createServer, type Server, type Socket } from 'node:net';
import type { ClientChannel } from 'ssh2';
import { CfPushError } from '../errors';
import { connectSsh, openSession, type SshChannel, type SshConnection, type SshOpen } from './client';
import type { SshEndpoint } from './endpoint';

export interface ForwardSpec {
  localHost: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
}

export interface Tunnel {
  /** Where each forward listens (the port chosen when localPort was 0). */
  readonly listening: { host: string; port: number; remoteHost: string; remotePort: number }[];
  /**
   * Resolves when the ssh connection ends: undefined when close() ended it,
   * else the error that broke it (the proxy closing it counts as broken: a
   * tunnel is meant to last until closed).
   */
  readonly closed: Promise<Error | undefined>;
  /** A session channel (a command or a shell) on the same connection, as `cf ssh -L` without -N runs one. */
  session(o?: SshOpen): Promise<SshChannel>;
  /** Stops listening, drops the forwarded connections, ends the ssh connection. */
  close(): Promise<void>;
}

/** A forwarded connection the instance would not open, as the cf CLI reports it ("connect to HOST:PORT failed: ..."). */
export interface ForwardFailure {
  remoteHost: string;
  remotePort: number;
  /** One line: `connect to localhost:9 failed: ...`. */
  message: string;
}

export interface TunnelOptions {
  timeoutMs?: number;
  /** Called for each forwarded connection the other end refused (that connection is closed; the tunnel stays). */
  onForwardFailed?: (f: ForwardFailure) => void;
}

/** The local address when a spec names none (cf's DefaultLocalAddress). */
export const DEFAULT_LOCAL_ADDRESS = 'localhost';

const FORWARD_SYNTAX = '[BIND_ADDRESS:]LOCAL_PORT:REMOTE_HOST:REMOTE_PORT';

/** `8080:localhost:8080` or `0.0.0.0:8080:localhost:8080`; anything else is cf's "Bad local forwarding specification". */
export function parseForwardSpec(spec: string): ForwardSpec {
  const bad = (why: string) =>
    new CfPushError(`Bad local forwarding specification '${spec}'`, {
      code: 'ForwardSpecInvalid',
      hint: `${why} Write ${FORWARD_SYNTAX}, e.g. -L 8080:localhost:8080 (a local port of 0 lets the system pick one).`,
    });
  const parts = spec.split(':');
  if (parts.some((p) => p === '')) throw bad("A part between ':' is empty.");
  if (parts.length !== 3 && parts.length !== 4)
    throw bad(`It has ${parts.length} part(s) between ':'; it needs 3, LOCAL_PORT:REMOTE_HOST:REMOTE_PORT, or 4 with BIND_ADDRESS first.`);
  const digits = /^\d+$/;
  const [local, remote] = parts.length === 3 ? [[DEFAULT_LOCAL_ADDRESS, parts[0]!], parts.slice(1)] : [parts.slice(0, 2), parts.slice(2)];
  if (!digits.test(local[1]!) || !digits.test(remote[1]!)) throw bad('LOCAL_PORT and REMOTE_PORT must be numbers.');
  const localPort = Number(local[1]);
  const remotePort = Number(remote[1]);
  // cf leaves these to the system (`listen tcp: address 99999: invalid port`, or a failed connection later): say so up front.
  if (localPort > 65535) throw bad(`The local port ${local[1]} is out of range (0 to 65535).`);
  if (remotePort < 1 || remotePort > 65535) throw bad(`The remote port ${remote[1]} is out of range (1 to 65535).`);
  return { localHost: local[0]!, localPort, remoteHost: remote[0]!, remotePort };
}

/** Where a local host listens: `localhost` is the IPv4 loopback only, whatever the resolver puts first. */
function bindAddress(host: string): string {
  return host === DEFAULT_LOCAL_ADDRESS ? '127.0.0.1' : host;
}

const remoteOf = (f: { remoteHost: string; remotePort: number }) => `${f.remoteHost}:${f.remotePort}`;

function listenError(f: ForwardSpec, err: NodeJS.ErrnoException): CfPushError {
  const at = `${f.localHost}:${f.localPort}`;
  const other = `-L ${f.localHost === DEFAULT_LOCAL_ADDRESS ? '' : `${f.localHost}:`}${f.localPort === 0 ? 0 : f.localPort + 1}:${remoteOf(f)}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new CfPushError(`Cannot forward ${at} to ${remoteOf(f)}: local port ${f.localPort} is already in use.`, {
        code: 'PortInUse',
        hint: `Stop whatever listens on ${f.localPort}, or pick another local port (0 lets the system choose one): ${other}.`,
        cause: err,
      });
    case 'EACCES':
      return new CfPushError(`Cannot forward ${at} to ${remoteOf(f)}: this user may not listen on port ${f.localPort}.`, {
        code: 'PortInUse',
        hint: `Ports below 1024 need privileges: pick a local port above 1023, e.g. -L ${f.localPort + 8000}:${remoteOf(f)}.`,
        cause: err,
      });
    default:
      return new CfPushError(`Cannot forward ${at} to ${remoteOf(f)}: cannot listen on ${f.localHost}: ${err.message}`, {
        code: 'PortInUse',
        hint: `The local address must be one of this machine's, such as localhost (the default), 127.0.0.1 or 0.0.0.0.`,
        cause: err,
      });
  }
}

function listen(server: Server, f: ForwardSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(f, err)));
    server.listen(f.localPort, bindAddress(f.localHost), () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
}

/** RFC 4254 §5.1 reason codes, in the words Go's ssh (the cf CLI) prints them. */
const OPEN_FAILURE: Record<number, string> = { 1: 'administratively prohibited', 2: 'connect failed', 3: 'unknown channel type', 4: 'resource shortage' };

function failureMessage(f: ForwardSpec, err: Error & { reason?: number | string }): string {
  const why = typeof err.reason === 'number' ? OPEN_FAILURE[err.reason] : undefined;
  const detail = why
    ? `rejected: ${why}${why === 'connect failed' ? ' (nothing listens there in the instance, or the proxy does not forward to that address)' : ''}`
    : err.message;
  return `connect to ${remoteOf(f)} failed: ${detail}`;
}

/**
 * Listens on each spec's local address, logs in to the instance, and forwards
 * every accepted connection through the one ssh connection. Rejects (with
 * nothing left listening) when a port cannot be bound or the login fails.
 */
export async function openTunnel(ep: SshEndpoint, forwards: ForwardSpec[], o: TunnelOptions = {}): Promise<Tunnel> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let closing = false;
  let conn: SshConnection | undefined;
  // Connections accepted before the login is done wait for it.
  let settle!: (c: SshConnection | undefined) => void;
  const ready = new Promise<SshConnection | undefined>((resolve) => (settle = resolve));

  const forward = (f: ForwardSpec, sock: Socket, c: SshConnection | undefined) => {
    if (!c || closing || sock.destroyed) return void sock.destroy();
    c.client.forwardOut(sock.remoteAddress ?? '127.0.0.1', sock.remotePort ?? 0, f.remoteHost, f.remotePort, (err: Error | undefined, ch: ClientChannel) => {
      if (err) {
        sock.destroy();
        o.onForwardFailed?.({ remoteHost: f.remoteHost, remotePort: f.remotePort, message: failureMessage(f, err) });
        return;
      }
      if (sock.destroyed) return void ch.close();
      // Each side's end of input is passed on (half-close), as a TCP connection would; either side failing drops both.
      sock.pipe(ch).pipe(sock);
      ch.on('error', () => sock.destroy());
      ch.once('close', () => sock.end());
      sock.once('close', () => ch.close());
    });
  };

  try {
    for (const f of forwards) {
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
        sockets.add(sock);
        sock.once('close', () => sockets.delete(sock));
        sock.on('error', () => sock.destroy());
        void ready.then((c) => forward(f, sock, c));
      });
      servers.push(server);
      await listen(server, f);
    }
    conn = await connectSsh(ep, o);
  } catch (err) {
    closing = true;
    settle(undefined);
    await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
    throw err;
  }
  settle(conn);
  const { client } = conn;

  const listening = forwards.map((f, i) => {
    const a = servers[i]!.address() as { address: string; port: number };
    return { host: a.address, port: a.port, remoteHost: f.remoteHost, remotePort: f.remotePort };
  });

  const shutDown = () => {
    for (const s of servers) s.close();
    for (const s of sockets) s.destroy();
  };
  const closed = new Promise<Error | undefined>((resolve) => {
    client.once('close', () => {
      shutDown();
      resolve(closing ? undefined : (conn!.error() ?? new Error('the ssh proxy closed the connection')));
    });
  });

  return {
    listening,
    closed,
    session: (s) => openSession(conn, s),
    close: async () => {
      closing = true;
      shutDown();
      client.end();
      // A connection that does not answer its end goes anyway.
      const force = setTimeout(() => client.destroy(), 3000);
      await closed;
      clearTimeout(force);
    },
  };
}
