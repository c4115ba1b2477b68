// The platform side of the Open Service Broker API, as CC's broker client
// (lib/services/service_brokers/v2/client.rb) calls a broker: basic auth,
// X-Broker-API-Version 2.15 (what CC sends), a request identity per call,
// the user's originating identity on what a user asked for, JSON both ways.
// A failed call becomes CC's error for it, classified the way OSB's orphan
// mitigation table needs (a broker 5xx, a timeout or a garbled answer may
// have left something behind; a 4xx did not).
import { randomUUID } from 'node:crypto';
import { httpFetch } from '../../core/http-client';
import { ApiError } from '../http';
import type { ServiceBrokerRec } from '../store';

export const BROKER_API_VERSION = '2.15';
const TIMEOUT_MS = 60_000;

export interface BrokerAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Seconds, from a last_operation's Retry-After. */
  retryAfter?: number;
}

export type BrokerFailure = 'unreachable' | 'timeout' | 'rejected' | 'server' | 'malformed';

/** A broker call that failed; `orphan` says OSB wants the platform to clean up after a provision or bind that failed so. */
export class BrokerError extends ApiError {
  constructor(
    detail: string,
    readonly failure: BrokerFailure,
    readonly brokerStatus: number | null,
    /** The broker's own `error` code (AsyncRequired, ConcurrencyError, …). */
    readonly brokerCode?: string,
    code = 10001,
    title = 'CF-ServiceBrokerBadResponse',
  ) {
    super(502, code, title, detail);
  }
  get orphan(): boolean {
    return this.failure === 'timeout' || this.failure === 'server' || this.failure === 'malformed';
  }
}

type Broker = Pick<ServiceBrokerRec, 'url' | 'username' | 'password'>;

export interface CallOptions {
  /** The user on whose behalf (X-Broker-API-Originating-Identity); left off for catalog fetches and clean-ups. */
  userId?: string;
  /** Statuses the caller reads itself (410 Gone on delete, 409 on provision, 422 AsyncRequired…). */
  accept?: number[];
}

/** One OSBAPI call; `path` is relative to the broker's URL (`/v2/catalog`). */
export async function brokerCall(broker: Broker, method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<BrokerAnswer> {
  const url = `${broker.url.replace(/\/+$/, '')}${path}`;
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${broker.username}:${broker.password}`).toString('base64')}`,
    'x-broker-api-version': BROKER_API_VERSION,
    'x-broker-api-request-identity': randomUUID(),
    accept: 'application/json',
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (o.userId) headers['x-broker-api-originating-identity'] = `cloudfoundry ${Buffer.from(JSON.stringify({ user_id: o.userId })).toString('base64')}`;
  let res;
  try {
    res = await httpFetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: TIMEOUT_MS });
  } catch (err) {
    if (/no answer within/.test((err as Error).message))
      throw new BrokerError(`The request to the service broker timed out: ${url}`, 'timeout', null, undefined, 10001, 'CF-ServiceBrokerApiTimeout');
    // CC's ServiceBrokerApiUnreachable: the URL called.
    throw new BrokerError(`The service broker could not be reached: ${url}`, 'unreachable', null, undefined, 10001, 'CF-ServiceBrokerApiUnreachable');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text.trim() ? JSON.parse(text) : {};
  } catch {
    parsed = undefined;
  }
  const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  if (res.status >= 400 && !o.accept?.includes(res.status)) {
    const description = typeof obj?.description === 'string' ? obj.description : undefined;
    const brokerCode = typeof obj?.error === 'string' ? obj.error : undefined;
    const server = res.status >= 500;
    // CC's ServiceBrokerBadResponse (5xx) / ServiceBrokerRequestRejected (4xx): the broker's description when it gave one.
    const detail = description
      ? `Service broker error: ${description}`
      : server
        ? `The service broker returned an invalid response for the request to ${url}. Status Code: ${res.status} ${res.statusText}, Body: ${text.slice(0, 200)}`
        : `The service broker rejected the request to ${url}. Status Code: ${res.status} ${res.statusText}, Body: ${text.slice(0, 200)}`;
    throw new BrokerError(
      detail,
      server ? 'server' : 'rejected',
      res.status,
      brokerCode,
      server ? 10001 : 270020,
      server ? 'CF-ServiceBrokerBadResponse' : 'CF-ServiceBrokerRequestRejected',
    );
  }
  if (!obj)
    throw new BrokerError(
      `The service broker returned an invalid response: expected a JSON object, got ${JSON.stringify(text.slice(0, 80))}.`,
      'malformed',
      res.status,
      undefined,
      270021,
      'CF-ServiceBrokerRequestMalformed',
    );
  const ra = Number(res.headers.get('retry-after') ?? NaN);
  return { status: res.status, body: obj, ...(Number.isFinite(ra) && ra >= 0 ? { retryAfter: ra } : {}) };
}
