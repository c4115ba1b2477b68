// Discovery (`GET /`, `/v3/info`), the UAA stand-in (`/login`, `/oauth/token`)
// and log-cache's read endpoint; all on the API port (cf-reference.md §1.6, §2).
import { CATCH_UP_HEADER } from '../../core/push/logs';
import { ApiError, readText, send, type Ctx, type RouteDef } from '../http';
import { debugLink } from './debug';
import { trafficLink } from './traffic';

export const CC_VERSION = '3.180.0';

/** The OAuth client ssh codes are issued for (CC's app_ssh oauth_client). */
const SSH_CLIENT = 'ssh-proxy';

function root(c: Ctx): void {
  const api = c.f.apiUrl;
  send(c.res, 200, {
    links: {
      self: { href: api },
      bits_service: null,
      cloud_controller_v2: null,
      cloud_controller_v3: { href: `${api}/v3`, meta: { version: CC_VERSION } },
      network_policy_v0: null,
      network_policy_v1: null,
      login: { href: api },
      uaa: { href: api },
      credhub: null,
      routing: { href: `${api}/routing` },
      logging: { href: api.replace(/^http/, 'ws') },
      log_cache: { href: api },
      log_stream: null,
      app_ssh: c.f.ssh ? { href: c.f.ssh.address, meta: { host_key_fingerprint: c.f.ssh.fingerprint, oauth_client: SSH_CLIENT } } : null,
      // cf-push extension (issue 7): router traffic counters; clients discover it here.
      cfpush_traffic: trafficLink(api),
      // cf-push extension (issue 20): restart an instance under a debug agent.
      cfpush_debug: debugLink(api),
    },
  });
}

function v3(c: Ctx): void {
  const api = c.f.apiUrl;
  const l = (p: string) => ({ href: `${api}/v3${p}` });
  send(c.res, 200, {
    links: {
      self: l(''),
      apps: l('/apps'),
      builds: l('/builds'),
      domains: l('/domains'),
      droplets: l('/droplets'),
      organizations: l('/organizations'),
      packages: l('/packages'),
      processes: l('/processes'),
      resource_matches: l('/resource_matches'),
      routes: l('/routes'),
      spaces: l('/spaces'),
      info: l('/info'),
      deployments: l('/deployments'),
      service_instances: l('/service_instances'),
      service_credential_bindings: l('/service_credential_bindings'),
      jobs: l('/jobs'),
    },
  });
}

function info(c: Ctx): void {
  send(c.res, 200, {
    build: 'cf-push local foundation',
    cli_version: { minimum: '8.0.0', recommended: '8.9.0' },
    custom: {},
    description: 'cf-push embedded local Cloud Foundry',
    name: 'cf-push-local',
    version: 1,
    osbapi_version: '',
    rate_limits: { enabled: false, general_limit: null, reset_interval_in_minutes: null },
    links: { self: { href: `${c.f.apiUrl}/v3/info` }, support: null },
  });
}

function login(c: Ctx): void {
  const api = c.f.apiUrl;
  send(c.res, 200, {
    app: { version: '77.0.0' },
    links: { uaa: api, passwd: '/forgot_password', login: api, register: '/create_account' },
    zone_name: 'uaa',
    entityID: 'cf-push-local',
    commit_id: 'local',
    idpDefinitions: {},
    prompts: { username: ['text', 'Email'], password: ['password', 'Password'] },
    timestamp: new Date().toISOString(),
  });
}

function oauthError(c: Ctx, status: number, error: string, description: string): void {
  send(c.res, status, { error, error_description: description });
}

/** Client `cf` with an empty secret, via Basic auth or the form body. */
function clientOk(c: Ctx, form: URLSearchParams): boolean {
  const h = c.req.headers.authorization ?? '';
  if (/^basic /i.test(h)) {
    const [id, secret] = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8').split(':');
    return id === 'cf' && !secret;
  }
  return form.get('client_id') === 'cf' && !form.get('client_secret');
}

async function token(c: Ctx): Promise<void> {
  const form = new URLSearchParams(await readText(c.req));
  if (!clientOk(c, form)) return oauthError(c, 401, 'unauthorized', 'Bad credentials');
  const grant = form.get('grant_type');
  if (grant === 'password' && form.get('passcode')) {
    // `cf login --sso`: a one-time code from GET /passcode.
    if (!c.f.auth.redeemPasscode(form.get('passcode')!)) {
      return oauthError(c, 401, 'unauthorized', 'Invalid passcode');
    }
  } else if (grant === 'password') {
    if (!c.f.auth.checkPassword(form.get('username') ?? '', form.get('password') ?? '')) {
      return oauthError(c, 401, 'unauthorized', 'Bad credentials');
    }
  } else if (grant === 'refresh_token') {
    if (!(await c.f.auth.verify(form.get('refresh_token') ?? '', 'refresh'))) {
      return oauthError(c, 401, 'invalid_token', 'The token expired, was revoked, or the token ID is incorrect.');
    }
  } else {
    return oauthError(c, 400, 'unsupported_grant_type', `Unsupported grant type: ${grant ?? ''}`);
  }
  send(c.res, 200, await c.f.auth.issue(grant), { 'cache-control': 'no-store' });
}

function nsParam(c: Ctx, name: string): bigint | undefined {
  const raw = c.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new ApiError(400, 10005, 'CF-BadQueryParameter', `${name} must be an integer`);
  return BigInt(raw);
}

/** log-cache `GET /api/v1/read/:source_id` (only LOG envelopes are kept). */
function readLogs(c: Ctx): void {
  const types = c.query.get('envelope_types');
  if (types && !types.split(',').includes('LOG')) return send(c.res, 200, { envelopes: { batch: [] } });
  const limit = Number(c.query.get('limit') ?? 100);
  const startNs = nsParam(c, 'start_time');
  const descending = c.query.get('descending') === 'true';
  const batch = c.f.logs.read(c.params.source_id!, {
    startNs,
    endNs: nsParam(c, 'end_time'),
    limit: Number.isFinite(limit) ? limit : 100,
    descending,
  });
  // A walker (the cf CLI's) first asks for the newest line (descending, limit 1)
  // every 250 ms until it is 2 s old, then reads forward from it.
  // A one-off catch-up read says so (cf-push's client, after its stream): two pushes in a row must not look
  // like a walker, whose staging answer would then wait for it (api/builds.ts).
  if (c.req.headers[CATCH_UP_HEADER]) {
    /* not polling */
  } else if (descending) {
    if (limit === 1) c.f.logs.notePoll(c.params.source_id!, 0n, { walkerStart: true });
  } else c.f.logs.notePoll(c.params.source_id!, startNs ?? 0n);
  send(c.res, 200, { envelopes: { batch } });
}

/**
 * UAA's `/passcode` page hands a signed-in browser a one-time code for
 * `cf login --sso`. Here "signed in" is the Basic credentials of
 * credentials.json or a valid bearer token; the code lives 5 minutes.
 */
async function passcode(c: Ctx): Promise<void> {
  const h = c.req.headers.authorization ?? '';
  const basic = /^basic /i.test(h) ? Buffer.from(h.slice(6).trim(), 'base64').toString('utf8').split(':') : undefined;
  const ok = basic ? c.f.auth.checkPassword(basic[0] ?? '', basic.slice(1).join(':')) : await signedIn(c);
  if (!ok) {
    c.res.setHeader('www-authenticate', 'Basic realm="cf-push local foundation"');
    return oauthError(c, 401, 'unauthorized', 'Sign in (Basic credentials from credentials.json) to get a passcode');
  }
  send(c.res, 200, { passcode: c.f.auth.newPasscode() }, { 'cache-control': 'no-store' });
}

/** A bearer token in the Authorization header, verified. */
async function signedIn(c: Ctx): Promise<boolean> {
  const h = c.req.headers.authorization ?? '';
  return /^bearer /i.test(h) && !!(await c.f.auth.verify(h.slice(7).trim()));
}

/**
 * UAA's authorization-code grant as `cf ssh` / `cf ssh-code` use it: a signed-in
 * user asks for a code for the ssh-proxy client and gets it in the redirect
 * (302, Location: ...?code=CODE; the CLI does not follow it); the code opens
 * one ssh connection within 5 minutes.
 */
async function authorize(c: Ctx): Promise<void> {
  if (!(await signedIn(c))) return oauthError(c, 401, 'unauthorized', 'Full authentication is required to access this resource');
  if (c.query.get('response_type') !== 'code') return oauthError(c, 400, 'unsupported_response_type', 'Unsupported response types: [token]');
  if (c.query.get('client_id') !== SSH_CLIENT) return oauthError(c, 401, 'invalid_client', `No client with requested id: ${c.query.get('client_id') ?? ''}`);
  c.res.writeHead(302, { location: `${c.f.apiUrl}/login?code=${c.f.auth.sshCodes.issue()}`, 'cache-control': 'no-store', 'content-length': '0' });
  c.res.end();
}

export const rootRoutes: RouteDef[] = [
  { method: 'GET', path: '/oauth/authorize', handler: authorize, public: true },
  { method: 'GET', path: '/passcode', handler: passcode, public: true },
  { method: 'GET', path: '/', handler: root, public: true },
  { method: 'GET', path: '/v3', handler: v3, public: true },
  { method: 'GET', path: '/v3/info', handler: info, public: true },
  { method: 'GET', path: '/login', handler: login, public: true },
  { method: 'POST', path: '/oauth/token', handler: token, public: true },
  { method: 'GET', path: '/api/v1/read/:source_id', handler: readLogs },
  {
    method: 'GET',
    path: '/api/v1/info',
    handler: (c) => send(c.res, 200, { version: '3.0.0', vm_uptime: String(Math.floor(process.uptime())) }),
    public: true,
  },
];
