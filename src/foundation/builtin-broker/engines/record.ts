// Each engine's own record in its dir: the ports the server listens on (kept
// across restarts, as apps hold credentials naming them) and the secret every
// password derives from (secrets.ts). Mode 0600: it opens every tenant.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface EngineRecord {
  /** Clients' port on 127.0.0.1. */
  port: number;
  /** Engine-specific extra ports (RabbitMQ's Erlang distribution and epmd). */
  ports?: Record<string, number>;
  secret: string;
}

export const recordFile = (dir: string): string => join(dir, 'engine.json');

/** The record, or undefined before the first initialisation finished. */
export function readRecord(dir: string): EngineRecord | undefined {
  let text: string;
  try {
    text = readFileSync(recordFile(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const r = JSON.parse(text) as EngineRecord;
  if (!Number.isInteger(r.port) || typeof r.secret !== 'string')
    throw new Error(`${recordFile(dir)} is damaged (no port or secret): move it away to start this service's server afresh`);
  return r;
}

export async function writeRecord(dir: string, r: EngineRecord): Promise<void> {
  await writeFileAtomic(recordFile(dir), JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
}

/** A loopback port free right now (the kernel's pick), for a server's first start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
