// The four engines of the built-in broker, each keeping its server under
// `<data dir>/services/<kind>` (docs/design/services.md §5).
import { join } from 'node:path';
import type { Engine, EngineKind } from './engine';
import { mysql } from './mysql';
import { postgresql } from './postgresql';
import { rabbitmq } from './rabbitmq';
import { redis } from './redis';

export function engines(dataDir: string, log: (line: string) => void): Record<EngineKind, Engine> {
  const dir = (kind: EngineKind) => join(dataDir, 'services', kind);
  return {
    postgresql: postgresql({ dir: dir('postgresql'), log }),
    mysql: mysql({ dir: dir('mysql'), log }),
    redis: redis({ dir: dir('redis'), log }),
    rabbitmq: rabbitmq({ dir: dir('rabbitmq'), log }),
  };
}

export { removeServerFiles, sweepSharedFolders } from './server-dir';
