// Logging in to a target: discover the login server from `GET /`, ask it for
// its prompts, and exchange a password or an SSO passcode for tokens that go
// to the caller's TokenStore (a file for the CLI, SecretStorage in VS Code).
import { httpFetch } from '../http-client';
import { CfPushError } from '../errors';
import type { TokenStore } from './store';
import { passcodeGrant, passwordGrant, type Tokens } from './uaa';

export interface LoginTarget {
  name: string;
  api: string;
  skipSslValidation?: boolean;
}

async function getJson(url: string, insecure?: boolean): Promise<any> {
  let res;
  try {
    res = await httpFetch(url, { headers: { accept: 'application/json' }, insecure });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code);
    throw new CfPushError(`Cannot reach ${url}: ${code}`, {
      code: tls ? 'Tls' : 'Unreachable',
      hint: tls
        ? "The server's certificate is not trusted. If you trust this endpoint, add `--skip-ssl-validation` for this target only."
        : 'Check the API URL and your network.',
      cause: err,
    });
  }
  if (!res.ok) throw new CfPushError(`GET ${url} answered HTTP ${res.status}.`, { hint: 'Is this a Cloud Foundry API URL?' });
  return res.json();
}

/** The login server (links.login; CC's `POST /oauth/token` goes there, §2). */
export async function loginUrl(t: LoginTarget): Promise<string> {
  const root = await getJson(t.api.replace(/\/+$/, '') + '/', t.skipSslValidation);
  const href: string | undefined = root?.links?.login?.href ?? root?.links?.uaa?.href;
  if (!href)
    throw new CfPushError(`${t.api} does not advertise a login server.`, { hint: 'Is this a Cloud Foundry API URL (it should answer `GET /` with links)?' });
  return href;
}

export interface LoginPrompts {
  loginUrl: string;
  prompts: Record<string, [string, string]>;
  /** Where a browser gets an SSO passcode (`<login>/passcode`). */
  passcodeUrl: string;
}

export async function loginPrompts(t: LoginTarget): Promise<LoginPrompts> {
  const login = await loginUrl(t);
  const info = await getJson(login.replace(/\/+$/, '') + '/login', t.skipSslValidation).catch(() => ({}));
  return { loginUrl: login, prompts: info?.prompts ?? {}, passcodeUrl: login.replace(/\/+$/, '') + '/passcode' };
}

async function save(t: LoginTarget, store: TokenStore, tokens: Tokens): Promise<Tokens> {
  await store.set(t.name, tokens);
  return tokens;
}

export async function loginWithPassword(t: LoginTarget, username: string, password: string, store: TokenStore): Promise<void> {
  await save(t, store, await passwordGrant(await loginUrl(t), username, password, t.skipSslValidation));
}

export async function loginWithPasscode(t: LoginTarget, passcode: string, store: TokenStore): Promise<void> {
  await save(t, store, await passcodeGrant(await loginUrl(t), passcode, t.skipSslValidation));
}

export async function logout(t: { name: string }, store: TokenStore): Promise<void> {
  await store.delete(t.name);
}

export { reuseCfCliLogin } from './cfconfig';
