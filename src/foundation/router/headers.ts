// What the router changes in a request head on its way to an app, as gorouter
// does (handlers/hop_by_hop.go, x_forwarded_proto.go, request_info.go,
// proxy/round_tripper): hop-by-hop headers and those named in Connection are
// dropped, X-Forwarded-For gets the client's address, X-Forwarded-Proto and
// X-Request-Start are set when absent, X-Vcap-Request-Id is replaced, and the
// instance's X-Cf-Applicationid / -Instanceindex / -Instanceid close the head
// (any the client sent are dropped). The response side (hop-by-hop headers
// out of an app's response) is done while parsing it, in wire.ts.
import type { Endpoint } from '../supervisor';
import type { RequestHead } from './wire';

/** What the rewritten head forwards, kept for the request's access line. */
export interface Forwarded {
  /** X-Forwarded-For as sent to the app. */
  xff: string;
  /** X-Forwarded-Proto as the client sent it ('http' when it sent none). */
  proto: string;
}

/**
 * The part of the app's request head that does not depend on the instance:
 * the request line and headers, ending in a CRLF (instanceHeaders follows).
 * Sets `fwd.xff`, and `fwd.proto` when the client sent one.
 */
export function forwardHead(req: RequestHead, clientIp: string, startMs: number, requestId: string, fwd: Forwarded): string {
  const { names, lower, values, connTokens } = req;
  let h = `${req.method} ${req.target} HTTP/1.${req.minor}\r\n`;
  let xff = '';
  let proto = false;
  let start = false;
  for (let i = 0; i < names.length; i++) {
    const lk = lower[i]!;
    switch (lk) {
      case 'connection':
      case 'keep-alive':
      case 'proxy-connection':
      case 'te':
      case 'trailer':
      case 'upgrade':
      case 'x-vcap-request-id':
      case 'x-cf-applicationid':
      case 'x-cf-instanceindex':
      case 'x-cf-instanceid':
        continue;
      case 'x-forwarded-for':
        xff = xff ? `${xff}, ${values[i]}` : values[i]!;
        continue;
      case 'x-forwarded-proto':
        proto = true;
        fwd.proto = values[i]!;
        break;
      case 'x-request-start':
        start = true;
        break;
    }
    if (connTokens !== null && connTokens.includes(lk)) continue;
    h += `${names[i]}: ${values[i]}\r\n`;
  }
  fwd.xff = xff ? `${xff}, ${clientIp}` : clientIp;
  h += `X-Forwarded-For: ${fwd.xff}\r\n`;
  if (!proto) h += 'X-Forwarded-Proto: http\r\n';
  if (!start) h += `X-Request-Start: ${startMs}\r\n`;
  h += `X-Vcap-Request-Id: ${requestId}\r\n`;
  if (req.upgrade) h += `Connection: Upgrade\r\nUpgrade: ${req.upgrade}\r\n`;
  return h;
}

/** X-Cf-Applicationid / -Instanceindex / -Instanceid lines + the blank line ending the head, rendered once per table build. */
export function instanceHeaders(e: Endpoint): string {
  return `X-Cf-Applicationid: ${e.appGuid}\r\nX-Cf-Instanceindex: ${e.index}\r\nX-Cf-Instanceid: ${e.instanceGuid}\r\n\r\n`;
}
