// Listening on the API, router and ssh ports, with an error that says which
// flag moves a taken port.
import { createServer, type Server } from 'node:net';
import { CfPushError } from '../core/errors';

export type PortRole = 'api' | 'router' | 'ssh';

const FLAG: Record<PortRole, string> = { api: '--api-port', router: '--router-port', ssh: '--ssh-port' };
const WHAT: Record<PortRole, string> = { api: 'API', router: 'router', ssh: 'ssh' };

export function portInUse(port: number, role: PortRole, cause?: unknown): CfPushError {
  return new CfPushError(`Port ${port} (the local foundation's ${WHAT[role]} port) is already in use.`, {
    code: 'PortInUse',
    hint: `Stop whatever listens on ${port}, or pick another port with ${FLAG[role]} N (e.g. \`cfpush foundation start ${FLAG[role]} ${port + 1}\`).`,
    cause,
  });
}

/** Listens and resolves the bound port; EADDRINUSE becomes a CfPushError naming the flag. */
export function listen(server: Server, port: number, host: string, role: PortRole): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? portInUse(port, role, err) : err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** True if nothing listens on host:port right now (the daemon checks before spawning). */
export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}
