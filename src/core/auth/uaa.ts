// UAA grants as the cf CLI sends them (cf-reference.md §2): form body,
// client `cf` with an empty secret as Basic auth, POSTed to the login URL.
import { httpFetch } from '../http-client';
import { CfPushError, oauthErrorCode } from '../errors';

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
}

const CF_CLIENT = 'Basic ' + Buffer.from('cf:').toString('base64');

async function grant(loginUrl: string, form: Record<string, string>, insecure?: boolean): Promise<Tokens> {
  const res = await httpFetch(loginUrl.replace(/\/+$/, '') + '/oauth/token', {
    method: 'POST',
    headers: { authorization: CF_CLIENT, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
    insecure,
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, string>;
  if (!res.ok || !body.access_token) {
    throw new CfPushError(`Authentication failed at ${loginUrl}: ${body.error_description ?? body.error ?? `HTTP ${res.status}`}`, {
      code: oauthErrorCode(body.error),
    });
  }
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

export function passwordGrant(loginUrl: string, username: string, password: string, insecure?: boolean) {
  return grant(loginUrl, { grant_type: 'password', username, password }, insecure);
}

/** `cf login --sso`: a one-time passcode from `<login>/passcode`, sent as a password grant. */
export function passcodeGrant(loginUrl: string, passcode: string, insecure?: boolean) {
  return grant(loginUrl, { grant_type: 'password', passcode }, insecure);
}

export function refreshGrant(loginUrl: string, refreshToken: string, insecure?: boolean) {
  return grant(loginUrl, { grant_type: 'refresh_token', refresh_token: refreshToken }, insecure);
}

/**
 * A one-time code for the ssh proxy (`cf ssh-code`): UAA's authorization-code
 * grant for the proxy's OAuth client, answered with a redirect whose Location
 * carries the code (not followed, as the cf CLI does not).
 */
export async function sshCode(uaaUrl: string, accessToken: string, client: string, insecure?: boolean): Promise<string> {
  const url = `${uaaUrl.replace(/\/+$/, '')}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: client })}`;
  const res = await httpFetch(url, { headers: { authorization: `bearer ${accessToken}`, accept: 'application/json' }, insecure });
  const body = (await res.json().catch(() => ({}))) as Record<string, string>;
  const location = res.headers.get('location');
  const code = location ? new URL(location, uaaUrl).searchParams.get('code') : null;
  if (res.status !== 302 || !code) {
    throw new CfPushError(`Could not get a one-time ssh code from ${uaaUrl}: ${body.error_description ?? body.error ?? `HTTP ${res.status}`}`, {
      code: oauthErrorCode(body.error),
      hint: res.status === 401 ? 'Log in again with `cfpush login`.' : `The login server has no OAuth client '${client}' for ssh: ask an admin.`,
    });
  }
  return code;
}

/** Seconds until the JWT expires; -Infinity when unparsable (so it is refreshed). */
export function secondsToExpiry(jwt: string, now = Date.now()): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as { exp?: number };
    return typeof payload.exp === 'number' ? payload.exp - now / 1000 : -Infinity;
  } catch {
    return -Infinity;
  }
}
