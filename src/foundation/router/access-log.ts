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
  // A record the log store hands back once its line is dropped unread: filled in place, no new object.
  const r = ex.c.r.accessRecord();
  r.appGuid = e.appGuid;
  r.index = e.index;
  r.host = req.host;
  r.method = req.method;
  r.path = req.target;
  r.protocol = req.minor === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
  r.status = ex.status;
  r.bytesReceived = ex.bytesReceived;
  r.bytesSent = ex.bytesSent;
  r.userAgent = ua;
  r.referer = ref;
  r.remoteAddr = ex.c.ip;
  r.backendAddr = e.addr;
  r.xForwardedFor = ex.xff;
  r.xForwardedProto = ex.proto;
  r.instanceId = e.instanceGuid;
  r.routerError = ex.status === 502 ? 'endpoint_failure' : undefined;
  r.requestId = ex.requestId;
  r.startMs = ex.startMs;
  r.durationMs = now - ex.startMs;
  r.gorouterMs = undefined;
  ex.c.r.access(r);
}
