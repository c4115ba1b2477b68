// App instances listen on loopback only: on a laptop the router is the way
// in, and an app's `listen(PORT)` (every interface) would otherwise be
// reachable from other machines past it. A host process cannot be forced
// onto an address from outside, so the runtimes the built-in buildpacks
// ship get a preload that turns "every interface" into CF_INSTANCE_IP:
// Node.js (NODE_OPTIONS --require) and Python (sitecustomize on PYTHONPATH).
// Anything else (a Go or other static binary) is checked once it is healthy
// and its log says how to bind (listeningOnAllInterfaces). The host-process
// runtime (runtime/process.ts) uses both. Container instances need none of
// this: their ports are published on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { ensurePrivateDir } from '../core/paths';

const NODE_PRELOAD = `'use strict';
// cf-push local foundation: listen on CF_INSTANCE_IP, not on every interface (the router is the way in).
const net = require('net');
const host = process.env.CF_INSTANCE_IP || '127.0.0.1';
const wild = (h) => h === undefined || h === null || h === '' || h === '0.0.0.0' || h === '::' || h === '::0';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a = args[0];
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    if (a.path === undefined && a.fd === undefined && a.handle === undefined && !a._handle && wild(a.host)) args[0] = { ...a, host };
  } else if (a === undefined || typeof a === 'number' || (typeof a === 'string' && /^\\d+$/.test(a))) {
    if (typeof args[1] === 'string' || args[1] === null || args[1] === undefined) {
      if (wild(args[1])) args[1] = host;
    } else args.splice(1, 0, host);
    if (a === undefined) args[0] = 0;
  }
  return listen.apply(this, args);
};
`;

const PYTHON_SITECUSTOMIZE = `# cf-push local foundation: listen on CF_INSTANCE_IP, not on every interface (the router is the way in).
import os as _os, socket as _socket

_host = _os.environ.get('CF_INSTANCE_IP', '127.0.0.1')
_bind = _socket.socket.bind

def _loopback_bind(self, address):
    try:
        if isinstance(address, tuple) and address and address[0] in ('', '0.0.0.0', '::', '::0'):
            if self.family == _socket.AF_INET:
                address = (_host,) + tuple(address[1:])
            elif self.family == _socket.AF_INET6:
                self.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 0)
                address = ('::ffff:' + _host,) + tuple(address[1:])
    except Exception:
        pass
    return _bind(self, address)

_socket.socket.bind = _loopback_bind

# An app's or the interpreter's own sitecustomize still runs (ours only shadows the name).
def _chain():
    import importlib.machinery, importlib.util, sys
    here = _os.path.dirname(_os.path.abspath(__file__))
    rest = [p for p in sys.path if _os.path.abspath(p or '.') != here]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec and spec.loader:
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
_chain()
`;

export interface LoopbackShims {
  /** Env additions for a host-process instance (merged over what the app set). */
  env(appEnv: Record<string, string>): Record<string, string>;
}

/** Writes the preloads under the data dir (once per start) and returns how to hook them into an instance. */
export function installLoopbackShims(dataDir: string): LoopbackShims {
  const dir = join(dataDir, 'instance-shims');
  ensurePrivateDir(dir);
  const node = join(dir, 'listen-loopback.js');
  const python = join(dir, 'python');
  ensurePrivateDir(python);
  writeIfChanged(node, NODE_PRELOAD);
  writeIfChanged(join(python, 'sitecustomize.py'), PYTHON_SITECUSTOMIZE);
  return {
    env: (appEnv) => ({
      // Quoted: a data dir path with spaces still loads.
      NODE_OPTIONS: `--require ${JSON.stringify(node)}${appEnv.NODE_OPTIONS ? ` ${appEnv.NODE_OPTIONS}` : ''}`,
      PYTHONPATH: `${python}${appEnv.PYTHONPATH ? `:${appEnv.PYTHONPATH}` : ''}`,
    }),
  };
}

function writeIfChanged(file: string, text: string): void {
  let cur: string | undefined;
  try {
    cur = readFileSync(file, 'utf8');
  } catch {
    /* not there yet */
  }
  if (cur !== text) writeFileAtomic.sync(file, text, { mode: 0o644 });
}

const PROC_NET_TCP = ['/proc/net/tcp', '/proc/net/tcp6'];

/** The local addresses (hex, as /proc/net/tcp{,6} has them) listening on `port` in those files' texts; undefined where there is no procfs. */
function listenersIn(texts: (string | undefined)[], port: number): string[] | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const text of texts) {
    for (const line of text?.split('\n').slice(1) ?? []) {
      const cols = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN.
      if (cols[3] !== '0A' || !cols[1]) continue;
      const [addr, p] = cols[1].split(':');
      if (p === hexPort) out.push(addr ?? '');
    }
  }
  return texts.some((t) => t !== undefined) ? out : undefined;
}

function listeners(port: number): string[] | undefined {
  return listenersIn(
    PROC_NET_TCP.map((f) => {
      try {
        return readFileSync(f, 'latin1');
      } catch {
        return undefined;
      }
    }),
    port,
  );
}

/**
 * Whether something listens on `port` on every interface (0.0.0.0 or ::),
 * from /proc/net/tcp{,6}; undefined where there is no procfs. Read off the
 * main thread: with many sockets (TIME_WAIT after a burst of requests) the
 * kernel takes ~10 ms to write those files, and this runs as an instance
 * becomes RUNNING.
 */
export async function listeningOnAllInterfaces(port: number): Promise<boolean | undefined> {
  const texts = await Promise.all(PROC_NET_TCP.map((f) => readFile(f, 'latin1').catch(() => undefined)));
  return listenersIn(texts, port)?.some((addr) => /^0+$/.test(addr));
}

/** Whether something listens on `port` (any address); false where there is no procfs to tell. */
export function isListening(port: number): boolean {
  return (listeners(port)?.length ?? 0) > 0;
}
