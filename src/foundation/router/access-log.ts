// What the router records of each request it passed to an app: the traffic
// counters of the instance (traffic.ts, issue 7) and gorouter's RTR access
// line in the app's log stream (logs.ts formats it). Called once per exchange,
// when its response ended, failed with the router's 502, or became a tunnel.
// Requests the router answered itself reach no app and no app log; they are
// counted by host (ClientConn.next → TrafficCounters.unrouted).
import type { Exchange } from './exchange';

/** Counts the request on its instance and writes its RTR line. */
export function logAccess(ex: Exchange): void {
  const req = ex.req;
  const ua = req.userAgent;
  const ref = req.referer;
  const e = ex.endpoint;
  const now = Date.now();
  e.counter?.count(ex.status, now); // issue 7: a few integer ops in the instance's preallocated slot
  ex.c.r.access({
    appGuid: e.appGuid,
    index: e.index,
    host: req.host,
    method: req.method,
    path: req.target,
    protocol: `HTTP/1.${req.minor}`,
    status: ex.status,
    bytesReceived: ex.bytesReceived,
    bytesSent: ex.bytesSent,
    userAgent: ua,
    referer: ref,
    remoteAddr: ex.c.ip,
    backendAddr: `127.0.0.1:${e.port}`,
    xForwardedFor: ex.xff,
    xForwardedProto: ex.proto,
    instanceId: e.instanceGuid,
    routerError: ex.status === 502 ? 'endpoint_failure' : undefined,
    requestId: ex.requestId,
    startMs: ex.startMs,
    durationMs: now - ex.startMs,
  });
}
