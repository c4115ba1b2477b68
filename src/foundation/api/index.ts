// The CC API's route table and dispatcher: auth, CF error bodies, 404s.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Foundation } from '../context';
import { ApiError, compile, isStorageFailure, match, notSaved, requestTarget, send } from '../http';
import { logError } from '../log';
import { appFeatureRoutes } from './app-features';
import { appRoutesTable } from './apps';
import { buildRoutes } from './builds';
import { buildpackRoutes } from './buildpacks';
import { deploymentRoutes } from './deployments';
import { domainRoutes } from './domains';
import { dropletRoutes } from './droplets';
import { eventRoutes } from './events';
import { isolationSegmentRoutes } from './isolation-segments';
import { serviceRoutes } from './services';
import { serviceBrokerRoutes } from './service-brokers';
import { serviceCatalogRoutes } from './service-catalog';
import { manifestRoutes } from './manifest';
import { appManifestRoutes } from './app-manifest';
import { orgRoutes } from './orgs';
import { packageRoutes } from './packages';
import { platformRoutes } from './platform';
import { processRoutes } from './processes';
import { quotaRoutes } from './quotas';
import { roleRoutes } from './roles';
import { rootRoutes } from './root';
import { routeRoutes } from './routes';
import { securityGroupRoutes } from './security-groups';
import { spaceRoutes } from './spaces';
import { stackRoutes } from './stacks';
import { usageEventRoutes } from './usage-events';
import { taskRoutes } from './tasks';
import { trafficRoutes } from './traffic'; // issue 7: GET /x-cfpush/v1/traffic (cf-push extension, not CC)
import { debugRoutes } from './debug'; // issue 20: /x-cfpush/v1/debug (cf-push extension, not CC)

const TABLE = compile([
  ...rootRoutes,
  ...orgRoutes,
  ...spaceRoutes,
  ...domainRoutes,
  ...roleRoutes,
  ...quotaRoutes,
  ...isolationSegmentRoutes,
  ...securityGroupRoutes,
  ...appRoutesTable,
  ...manifestRoutes,
  ...appManifestRoutes,
  ...packageRoutes,
  ...buildRoutes,
  ...dropletRoutes,
  ...processRoutes,
  ...routeRoutes,
  ...serviceRoutes,
  ...serviceBrokerRoutes,
  ...serviceCatalogRoutes,
  ...deploymentRoutes,
  ...eventRoutes,
  ...appFeatureRoutes,
  ...platformRoutes,
  ...stackRoutes,
  ...usageEventRoutes,
  ...buildpackRoutes,
  ...taskRoutes,
  ...trafficRoutes,
  ...debugRoutes,
]);

async function authenticate(f: Foundation, req: IncomingMessage): Promise<void> {
  const h = req.headers.authorization;
  if (!h) throw new ApiError(401, 10002, 'CF-NotAuthenticated', 'Authentication error');
  const m = /^bearer\s+(.+)$/i.exec(h.trim());
  if (!m || !(await f.auth.verify(m[1]!))) throw new ApiError(401, 1000, 'CF-InvalidAuthToken', 'Invalid Auth Token');
}

/** Every request ends in an answer: nothing a client sends, however malformed, escapes this boundary. */
export async function dispatch(f: Foundation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let path = '?';
  try {
    const url = requestTarget(req.url, f.apiUrl);
    path = url.pathname;
    const { route, params, methodMismatch } = match(TABLE, req.method ?? 'GET', url.pathname);
    if (!route) {
      if (methodMismatch) throw new ApiError(405, 10000, 'CF-NotFound', 'Unknown request');
      throw new ApiError(404, 10000, 'CF-NotFound', 'Unknown request');
    }
    if (!route.public) await authenticate(f, req);
    await route.handler({ req, res, f, params, query: url.searchParams, url });
  } catch (err) {
    try {
      if (res.headersSent) return void res.destroy();
      if (err instanceof ApiError) return send(res, err.status, err.body());
      if (isStorageFailure(err)) {
        const e = notSaved(err, f.store.dataDir);
        return send(res, e.status, e.body());
      }
      logError(`${req.method} ${path}`, err);
      send(res, 500, { errors: [{ code: 10001, title: 'UnknownError', detail: 'An unknown error occurred.' }] });
    } catch (last) {
      logError(`${req.method} ${path}: answering the error failed`, last);
      res.destroy();
    }
  }
}

/** "METHOD /path/:param" of every route (the fuzz test aims at each). */
export const routeSignatures: readonly string[] = TABLE.map((r) => `${r.method} ${r.path}`);
