// An ssh connection to an app instance through the platform's ssh proxy, as
// `cf ssh` makes it (util/clissh in the cf CLI): the host key must match the
// fingerprint CC advertises (SHA-256 base64, SHA-1 or MD5 hex, told apart by
// length). On that connection: one session channel, a command (`-c`) or a
// shell with a terminal when asked (here), and `-L` forwards (forward.ts).
// ssh2 is loaded here, on first use, not with the core.
import { createHash } from 'node:crypto';
import { constants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';
import { CfPushError } from '../errors';
import type { SshEndpoint } from './endpoint';

/** Whether `key` (the server's public key blob) is the one `expected` names. */
export function fingerprintMatches(key: Buffer, expected: string): boolean {
  const hex = (alg: string) => createHash(alg).update(key).digest('hex').match(/../g)!.join(':');
  switch (expected.length) {
    case 43:
      return createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === expected;
    case 59:
      return hex('sha1') === expected.toLowerCase();
    case 47:
      return hex('md5') === expected.toLowerCase();
    default:
      return false;
  }
}

export interface SshOpen {
  /** Run this instead of a login shell. */
  command?: string;
  /** Ask for a terminal (TERM and size). */
  tty?: { term: string; rows: number; cols: number };
  timeoutMs?: number;
}

export interface SshChannel {
  /** The remote program's output and input. */
  readonly stream: ClientChannel;
  /** Its exit status (255 when the connection ended without one, as OpenSSH reports). */
  readonly exited: Promise<number>;
  /** What broke the connection, when it ended with 255 for that reason. */
  error(): Error | undefined;
  resize(rows: number, cols: number): void;
  close(): void;
}

/** A logged-in ssh connection: what a session (openSsh) and port forwards (openTunnel) are opened on. */
export interface SshConnection {
  readonly client: Client;
  readonly ep: SshEndpoint;
  /** What broke the connection after the login, once something did. */
  error(): Error | undefined;
}

/** How often to show the proxy the connection is alive, as the cf CLI does (its keepalive every 30 s). */
const KEEPALIVE_MS = 30_000;

/** Connects and logs in with the endpoint's one-time code, once the host key matched the fingerprint CC advertises. */
export async function connectSsh(ep: SshEndpoint, o: { timeoutMs?: number } = {}): Promise<SshConnection> {
  const { Client: SshClient } = (await import('ssh2')).default;
  const client: Client = new SshClient();
  let badKey = false;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', (err: Error & { level?: string }) =>
      reject(
        badKey
          ? new CfPushError(`The ssh endpoint ${ep.host}:${ep.port} did not present the host key the API advertises (${ep.fingerprint || 'none'}).`, {
              code: 'SshHostKeyMismatch',
              hint: 'Something other than the platform answered there, or its key changed: ask the operator before connecting again.',
            })
          : err.level === 'client-authentication'
            ? new CfPushError(`The ssh proxy refused ${ep.app} instance ${ep.index}.`, {
                code: 'SshFailed',
                hint: 'The instance may have stopped, or ssh been turned off meanwhile: check `cfpush apps`, then try again (each try gets a new code).',
              })
            : new CfPushError(`Cannot open ssh to ${ep.host}:${ep.port}: ${err.message}`, {
                code: 'SshFailed',
                hint: 'Check that the target is reachable and its ssh proxy is up.',
                cause: err,
              }),
      ),
    );
    client.connect({
      host: ep.host,
      port: ep.port,
      username: ep.username,
      password: ep.password,
      readyTimeout: o.timeoutMs ?? 20_000,
      keepaliveInterval: KEEPALIVE_MS,
      hostVerifier: (key: Buffer) => !(badKey = !fingerprintMatches(key, ep.fingerprint)),
    });
  });
  // After the login an error ends the connection: keep it for the caller (the connect-time listener has settled).
  let failure: Error | undefined;
  client.on('error', (err: Error) => (failure ??= err));
  return { client, ep, error: () => failure };
}

/**
 * One session channel on a connection: a command (`-c`) or a shell, with a
 * terminal when asked. `ownsConnection`: the connection ends with the session
 * (openSsh); otherwise closing the session leaves it to its owner (a tunnel).
 */
export async function openSession(conn: SshConnection, o: SshOpen = {}, ownsConnection = false): Promise<SshChannel> {
  const { client, ep } = conn;
  // The exit status can come in the same packet batch as the session's
  // acceptance, before an awaiting caller could listen: listen in the callback.
  let status = 255;
  let stream: ClientChannel;
  try {
    stream = await new Promise<ClientChannel>((resolve, reject) => {
      const done = (err: Error | undefined, ch: ClientChannel) => {
        if (err) return reject(err);
        // A signal is 128 + its number, as the cf CLI (Go's ssh) reports it.
        ch.on('exit', (code: number | null, signal?: string) => {
          status = code ?? (signal ? 128 + (constants.signals[signal as NodeJS.Signals] ?? constants.signals.SIGKILL) : 255);
        });
        resolve(ch);
      };
      const pty = o.tty ? { term: o.tty.term, rows: o.tty.rows, cols: o.tty.cols } : false;
      if (o.command !== undefined) client.exec(o.command, { pty }, done);
      else client.shell(pty || false, done);
    });
  } catch (err) {
    if (ownsConnection) client.end();
    throw new CfPushError(`The ssh proxy would not start a session on ${ep.app} instance ${ep.index}: ${(err as Error).message}`, { code: 'SshFailed' });
  }
  const exited = new Promise<number>((resolve) => {
    stream.once('close', () => {
      if (ownsConnection) client.end();
      resolve(status);
    });
    client.once('close', () => resolve(status));
  });
  return {
    stream,
    exited,
    error: conn.error,
    resize: (rows, cols) => stream.setWindow(rows, cols, 0, 0),
    close: () => (ownsConnection ? client.end() : stream.close()),
  };
}

/** An ssh connection with one session on it, as `cf ssh` without -N: the connection ends with the session. */
export async function openSsh(ep: SshEndpoint, o: SshOpen = {}): Promise<SshChannel> {
  return openSession(await connectSsh(ep, o), o, true);
}
