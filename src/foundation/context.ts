// What every API handler can reach: the state, the running parts and the URLs.
import type { Auth } from './auth';
import type { Gc } from './gc';
import type { LogStore } from './logs';
import type { Presenter } from './present';
import type { Stager } from './staging';
import type { Store } from './store';
import type { Supervisor } from './supervisor';
import type { ServiceOperations } from './service-operations';
import type { Tasks } from './tasks';

export interface Foundation {
  store: Store;
  logs: LogStore;
  auth: Auth;
  supervisor: Supervisor;
  /** Running tasks (`cf run-task`). */
  tasks: Tasks;
  /** Managed service instances and bindings through their brokers. */
  services: ServiceOperations;
  stager: Stager;
  present: Presenter;
  /** Reclaims package blobs and build caches nothing refers to any more. */
  gc: Gc;
  apiUrl: string;
  routerUrl: string;
  /** The ssh endpoint (`app_ssh` in `GET /`): host:port and the host key's fingerprint; none before it listens. */
  ssh?: { address: string; fingerprint: string };
  /** Routes or their destinations changed: the router rebuilds its table. */
  routesChanged(): void;
}

/** The running foundation's address file in its data dir (pid, URLs, app runtime). */
export const FOUNDATION_JSON = 'foundation.json';

/** The app runtime the foundation last started with ('process' | 'container'): what a next start cleans up after a kill. */
export const APP_RUNTIME_FILE = 'app-runtime';
