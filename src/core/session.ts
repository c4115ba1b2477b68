// A Session is one logged-in conversation with one CC v3 target (the local
// foundation or any CF / Korifi). Everything that talks to a target goes
// through it: there is no private path for the local foundation.
import type { CcClient } from './cc/client';

export interface TargetConfig {
  /** "local" for the embedded foundation, else a user-chosen name. */
  name: string;
  /** CC API URL, e.g. http://127.0.0.1:9022 or https://api.example.com. */
  api: string;
  /** The embedded local foundation: started on demand, credentials read from its data dir. */
  local?: boolean;
  /** Local foundation data dir (local targets only). */
  dataDir?: string;
  skipSslValidation?: boolean;
  org?: string;
  space?: string;
}

export interface Named {
  guid: string;
  name: string;
}

export interface Session {
  target: TargetConfig;
  cc: CcClient;
  org: Named;
  space: Named;
  /** Browser URL for a route's `url` ("host.domain/path"); http + router port on the local foundation. */
  routeUrl(routeUrl: string): string;
}
