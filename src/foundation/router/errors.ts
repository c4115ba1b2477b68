// The router's own answers, when no app answers (gorouter's errorwriter and
// the bodies / X-Cf-Routererror values it uses): 400 for an empty Host or a bad
// X-CF-APP-INSTANCE, 404 for an unknown route, 502 when the endpoint failed
// (with Go's wording for the backend error), and the bare 400 / 431 for bytes
// that are not an HTTP request. Kept apart so every status, message and header
// the router makes up itself is in one place.
import { STATUS_CODES } from 'node:http';

export interface RouterErrorSpec {
  status: number;
  message: string;
  routerError?: string;
  cacheControl?: string;
}

export const EMPTY_HOST: RouterErrorSpec = {
  status: 400,
  message: 'Request had empty Host header',
  routerError: 'empty_host',
  cacheControl: 'public,max-age=2',
};
export const BAD_PIN: RouterErrorSpec = {
  status: 400,
  message: 'Invalid X-CF-App-Instance Header',
  routerError: 'invalid_cf_app_instance_header',
  cacheControl: 'no-cache, no-store',
};
/** A malformed request head; the connection is closed. */
export const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
/** A request head over MAX_HEAD; the connection is closed. */
export const TOO_LARGE = 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export function unknownRoute(host: string): RouterErrorSpec {
  return { status: 404, message: `Requested route ('${host}') does not exist.`, routerError: 'unknown_route', cacheControl: 'no-cache, no-store' };
}

/** X-CF-APP-INSTANCE names an instance the route does not have. */
export function unknownInstance(index: string, guid: string, host: string): RouterErrorSpec {
  return {
    status: 400,
    message: `Requested instance ('${index}') with guid ('${guid}') does not exist for route ('${host}')`,
    routerError: 'unknown_route',
    cacheControl: 'no-cache, no-store',
  };
}

export function endpointFailure(detail: string): RouterErrorSpec {
  return { status: 502, message: 'Registered endpoint failed to handle the request.', routerError: `endpoint_failure (${detail})` };
}

/** Go's wording for the common backend errors, as gorouter puts them in X-Cf-Routererror. */
export function goError(err: NodeJS.ErrnoException | undefined, port: number, connected: boolean): string {
  const addr = `127.0.0.1:${port}`;
  switch (err?.code) {
    case undefined:
      return 'EOF';
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ECONNRESET':
      return connected ? `read tcp ${addr}: read: connection reset by peer` : `dial tcp ${addr}: connect: connection reset by peer`;
    case 'EPIPE':
      return `write tcp ${addr}: write: broken pipe`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    default:
      return err!.code ?? err!.message;
  }
}

let dateSec = 0;
let dateStr = '';
/** The Date header value, computed once a second. */
export function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSec) {
    dateSec = s;
    dateStr = new Date(now).toUTCString();
  }
  return dateStr;
}

/** gorouter's plain-text error (errorwriter): "<code> <StatusText>: <message>\n" plus its headers. */
export function errorResponse(e: RouterErrorSpec, close: boolean): string {
  // Strings here are latin1 views of the wire bytes (a Host header is quoted as sent).
  const body = `${e.status} ${STATUS_CODES[e.status]}: ${e.message}\n`;
  let h = `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\n`;
  if (e.cacheControl) h += `Cache-Control: ${e.cacheControl}\r\n`;
  h += `Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n`;
  if (e.routerError) h += `X-Cf-Routererror: ${e.routerError}\r\n`;
  h += `Date: ${httpDate()}\r\nContent-Length: ${body.length}\r\n`;
  if (close) h += 'Connection: close\r\n';
  return h + '\r\n' + body;
}
