// startFoundation: the local Cloud Foundry in one process — CC API + UAA +
// log-cache on the API port, gorouter on the router port, a supervisor for
// app instances, state under the data dir.
import { readFileSync, rmSync } from 'node:fs';
import { STATUS_CODES, createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { dispatch } from './api';
import { buildpacksChanged } from './admin-buildpacks';
import { CfPushError } from '../core/errors';
import { ensurePrivateDir } from '../core/paths';
import { isStorageFailure, persistBeforeReply, storageProblem } from './http';
import { Auth } from './auth';
import { Gc } from './gc';
import { APP_RUNTIME_FILE, FOUNDATION_JSON, type Foundation } from './context';
import type { AppRuntime } from './stack-instances';
import { lockDataDir } from './lock';
import { LogStore } from './logs';
import { resumeDeployments } from './deployments';
import { handleLogStream } from './logstream';
import { logError, logInfo } from './log';
import { listen } from './ports';
import { loadHostKey } from './ssh/host-key';
import { SshProxy } from './ssh/proxy';
import { Presenter } from './present';
import { mappingRecorder } from './events';
import { Router, type RouterOptions } from './router';
import { Stager } from './staging';
import { PRIVATE_FILE_MODE, sweepOrphans } from './state';
import { Store } from './store';
import { Supervisor, type SupervisorOptions } from './supervisor';
import { ServiceOperations } from './service-operations';
import { engines, sweepSharedFolders } from './builtin-broker/engines';
import { registerBuiltinBroker } from './builtin-broker/register';
import { BuiltinBroker } from './builtin-broker/server';
import { Tasks } from './tasks';

export interface FoundationOptions {
  dataDir: string;
  /** 0 picks a free port (tests). */
  apiPort: number;
  routerPort: number;
  /** The ssh endpoint's port: 0 picks a free one; absent, DEFAULT_SSH_PORT if free, else a free one. */
  sshPort?: number;
  host?: string;
  supervisor?: SupervisorOptions;
  /** The router's timeouts and retries (tests shrink them). */
  router?: RouterOptions;
}

/** Diego's ssh-proxy port, the ssh endpoint's default when it is free. */
export const DEFAULT_SSH_PORT = 2222;

export interface FoundationInfo {
  pid: number;
  apiUrl: string;
  routerUrl: string;
  apiPort: number;
  routerPort: number;
  /** `cf ssh`'s endpoint (app_ssh). */
  sshPort?: number;
  startedAt: string;
  /** Where buildpack instances run; a restart after a kill reads it to clean up containers. */
  appRuntime?: AppRuntime;
}

export interface RunningFoundation extends FoundationInfo {
  dataDir: string;
  close(): Promise<void>;
}

export { FOUNDATION_JSON };

/**
 * A request node's HTTP parser refuses (bad bytes in the head, a head over the
 * size limit, a bad Content-Length) still gets CC's JSON error, then the
 * connection closes: its bytes cannot be trusted to find the next request.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Socket).destroyed) return void socket.destroy();
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail = tooLarge ? 'Request header fields too large' : 'Request invalid due to parse error: the request is not valid HTTP/1.1';
  const body = JSON.stringify({ errors: [{ code: tooLarge ? 1004 : 1001, title: tooLarge ? 'CF-BadRequest' : 'CF-MessageParseError', detail }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A data dir the foundation cannot write: what is wrong with it and what to do. */
export function unusableDataDir(err: unknown, dataDir: string): unknown {
  if (!isStorageFailure(err)) return err;
  const p = storageProblem(err, dataDir);
  return new CfPushError(`The local foundation cannot start: ${p.what}.`, {
    code: 'FoundationDataDirUnusable',
    hint: `${p.todo}, then start it again.`,
    cause: err,
  });
}

export async function startFoundation(opts: FoundationOptions): Promise<RunningFoundation> {
  const dataDir = resolve(opts.dataDir);
  let unlock: (() => Promise<void>) | undefined;
  try {
    ensurePrivateDir(dataDir);
    unlock = await lockDataDir(dataDir);
    return await startLocked(opts, dataDir, unlock);
  } catch (err) {
    await unlock?.().catch(() => undefined);
    throw unusableDataDir(err, dataDir);
  }
}

async function startLocked(opts: FoundationOptions, dataDir: string, unlock: () => Promise<void>): Promise<RunningFoundation> {
  const host = opts.host ?? '127.0.0.1';
  const store = new Store(dataDir);
  const f = {
    store,
    logs: new LogStore(),
    auth: new Auth(dataDir, 'cf-push-local/oauth/token'),
    apiUrl: '',
    routerUrl: '',
  } as Partial<Foundation> as Foundation;
  f.present = new Presenter(f);
  f.supervisor = new Supervisor(f, opts.supervisor);
  f.tasks = new Tasks(f);
  f.services = new ServiceOperations(f);
  f.stager = new Stager(f);
  // Before anything can start: what a killed foundation on this data dir left running dies first.
  await f.supervisor.killLeftovers();
  // A tree lost between placing a blob and its tree comes back first; then what no record references goes.
  await store.dropletBits.restoreTrees();
  sweepOrphans(store);
  f.gc = new Gc(store);
  const router = new Router(f, opts.router);
  const recordMappings = mappingRecorder(f);
  f.routesChanged = () => {
    recordMappings();
    router.rebuild();
  };
  // A write that failed took memory back to the saved state: the running parts follow it.
  store.onRevert = () => {
    f.stager.reconcile();
    f.supervisor.syncAll();
    router.rebuild();
  };

  const api = createServer((req, res) => {
    try {
      persistBeforeReply(res, f.store);
      if (!handleLogStream(f, req, res)) void dispatch(f, req, res);
    } catch (err) {
      logError(`${req.method} request`, err);
      res.destroy();
    }
  });
  api.keepAliveTimeout = 65_000;
  api.on('clientError', answerClientError);
  const hostKey = loadHostKey(dataDir);
  const ssh = new SshProxy(f, hostKey);
  const infoFile = join(dataDir, FOUNDATION_JSON);
  let info: FoundationInfo;
  try {
    const apiPort = await listen(api, opts.apiPort, host, 'api');
    const routerPort = await listen(router.server, opts.routerPort, host, 'router');
    const sshPort =
      opts.sshPort !== undefined
        ? await listen(ssh.server, opts.sshPort, host, 'ssh')
        : await listen(ssh.server, DEFAULT_SSH_PORT, host, 'ssh').catch((err: CfPushError) => {
            if (err.code !== 'PortInUse') throw err;
            return listen(ssh.server, 0, host, 'ssh');
          });
    const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    f.apiUrl = `http://${urlHost}:${apiPort}`;
    f.routerUrl = `http://${urlHost}:${routerPort}`;
    f.ssh = { address: `${urlHost}:${sshPort}`, fingerprint: hostKey.fingerprint };
    info = {
      pid: process.pid,
      apiUrl: f.apiUrl,
      routerUrl: f.routerUrl,
      apiPort,
      routerPort,
      sshPort,
      startedAt: new Date().toISOString(),
      appRuntime: opts.supervisor?.appRuntime ?? 'process',
    };
    // Before anything runs: a data dir that cannot take these cannot take state either.
    writeFileAtomic.sync(join(dataDir, APP_RUNTIME_FILE), `${info.appRuntime}\n`, { mode: PRIVATE_FILE_MODE });
    writeFileAtomic.sync(infoFile, JSON.stringify(info, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  } catch (err) {
    api.close();
    router.server.close();
    ssh.close();
    throw err;
  }

  router.rebuildNow();
  // The installed buildpacks as `cfpush detect` reads them (new data dirs, and ones from before the list).
  await buildpacksChanged(f);
  // Servers' files that removed data dirs left under /var/lib (server-dir.ts): nobody else would free them.
  for (const folder of sweepSharedFolders()) logInfo(`removed ${folder}: its data dir is gone`);
  const broker = new BuiltinBroker(dataDir, engines(dataDir, logInfo));
  await broker.start();
  await registerBuiltinBroker(f, broker);
  f.supervisor.resume();
  resumeDeployments(f);
  f.services.resume();
  // Old data dirs: droplets get their blobs in the background (they run from their folders meanwhile).
  void store.dropletBits.migrate();
  // What deleted apps and expired packages left (also from before this version kept the disk tidy).
  f.gc.schedule();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      api.close();
      router.server.close();
      ssh.close();
      api.closeAllConnections();
      router.server.closeAllConnections();
      await f.stager.close();
      // Blobs of the last stagings are written before the data dir is left (a download may follow the next start).
      await store.dropletBits.drain();
      await f.tasks.close();
      f.services.close();
      await broker.close();
      await f.supervisor.close();
      router.close();
      await store.flush();
      // Background work that outlives close() (a deployment loop, a migration) writes nothing now.
      store.sealed = true;
      try {
        const cur = JSON.parse(readFileSync(infoFile, 'utf8')) as FoundationInfo;
        if (cur.pid === process.pid && cur.apiPort === info.apiPort) rmSync(infoFile, { force: true });
      } catch {
        /* already gone */
      }
      await unlock();
    })());
  return { ...info, dataDir, close };
}
