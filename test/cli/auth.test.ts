// Tokens against a real login server (the local foundation's /oauth/token)
// seen through a recording proxy: refresh ahead of expiry, one refresh and
// one retry after a 401, and a clear "log in again" when refresh is refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { loginWithPassword } from '../../src/core/auth/login';
import { RefreshingTokens } from '../../src/core/auth/provider';
import { FileTokenStore, type TokenStore } from '../../src/core/auth/store';
import type { Tokens } from '../../src/core/auth/uaa';
import { formatError } from '../../src/core/errors';
import { openSession, setTarget } from '../../src/core/targets';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { recordingProxy } from '../helpers/recorder';

/** A TokenStore that counts how often tokens were replaced (one per refresh). */
class CountingStore implements TokenStore {
  sets = 0;
  constructor(private readonly inner: TokenStore) {}
  get(t: string) {
    return this.inner.get(t);
  }
  async set(t: string, tok: Tokens) {
    this.sets++;
    await this.inner.set(t, tok);
  }
  delete(t: string) {
    return this.inner.delete(t);
  }
}

describe('tokens', { timeout: 120_000 }, () => {
  let c: CliEnv;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let secret: Uint8Array;
  let good: Tokens;
  const saved = { ...process.env };

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    Object.assign(process.env, c.env);
    const fdir = join(c.home, 'foundation');
    const info = JSON.parse(readFileSync(join(fdir, 'foundation.json'), 'utf8'));
    secret = Buffer.from(JSON.parse(readFileSync(join(fdir, 'jwt-secret'), 'utf8')).secret, 'base64');
    proxy = await recordingProxy(info.apiUrl);
    await setTarget({ name: 'remote', api: proxy.url });
    const creds = JSON.parse(readFileSync(join(fdir, 'credentials.json'), 'utf8'));
    await loginWithPassword({ name: 'remote', api: proxy.url }, creds.username, creds.password, new FileTokenStore());
    good = (await new FileTokenStore().get('remote'))!;
  });
  after(async () => {
    await proxy?.close();
    process.env = saved;
    await c?.cleanup();
  });

  it('an expired access token is refreshed once before the call, which then succeeds', async () => {
    const claims = JSON.parse(Buffer.from(good.accessToken.split('.')[1], 'base64url').toString());
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    const store = new CountingStore(new FileTokenStore());
    await store.set('remote', { accessToken: expired, refreshToken: good.refreshToken });
    store.sets = 0;
    proxy.log.length = 0;
    const s = await openSession({ target: 'remote', tokenStore: store });
    await s.cc.apps.inSpace(s.space.guid);
    assert.equal(store.sets, 1, 'exactly one refresh');
    assert.ok(
      proxy.log.every((r) => r.status !== 401),
      'no call was sent with the expired token',
    );
    assert.notEqual((await store.get('remote'))!.accessToken, expired);
  });

  it('a token the server rejects (401) is refreshed once and the call retried', async () => {
    const forged = await new SignJWT({ user_name: 'x', exp: Math.floor(Date.now() / 1000) + 3600 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('not-the-foundation-secret-at-all!'));
    const store = new CountingStore(new FileTokenStore());
    await store.set('remote', { accessToken: forged, refreshToken: good.refreshToken });
    store.sets = 0;
    proxy.log.length = 0;
    const s = await openSession({ target: 'remote', tokenStore: store });
    const first = proxy.log.filter((r) => r.path === '/v3/organizations');
    assert.deepEqual(
      first.map((r) => r.status),
      [401, 200],
      'rejected once, retried once with the refreshed token',
    );
    const apps = await s.cc.apps.inSpace(s.space.guid);
    assert.ok(Array.isArray(apps));
    assert.equal(proxy.log.filter((r) => r.status === 401).length, 1, 'no further 401s');
    assert.equal(store.sets, 1, 'exactly one refresh for the whole session');
  });

  it('a revoked refresh token ends in "log in again", naming the target', async () => {
    const store = new FileTokenStore();
    await store.set('remote', { accessToken: 'garbage.garbage.garbage', refreshToken: 'revoked-refresh-token' });
    await assert.rejects(openSession({ target: 'remote', tokenStore: store }), (err) => {
      const text = formatError(err);
      assert.match(text, /target 'remote'/);
      assert.match(text, /Log in again/);
      assert.doesNotMatch(text, /revoked-refresh-token|garbage\.garbage/, 'no token text in the message');
      return true;
    });
    assert.equal(await store.get('remote'), undefined, 'the dead tokens are forgotten');
  });

  it('a login stored while a signed-out request looks for a token is kept, never deleted', async () => {
    const inner = new FileTokenStore();
    await inner.delete('remote');
    let reads = 0;
    // The tree asks for a token just as the user signs in: the login lands right after the first read.
    const store: TokenStore = {
      get: async (t) => {
        const r = await inner.get(t);
        if (reads++ === 0) await inner.set(t, good);
        return r;
      },
      set: (t, tok) => inner.set(t, tok),
      delete: (t) => inner.delete(t),
    };
    const tokens = new RefreshingTokens({ target: 'remote', loginUrl: async () => proxy.url, store });
    assert.equal(await tokens.token(), good.accessToken);
    assert.deepEqual(await inner.get('remote'), good, 'the new login is still stored');
  });

  it('cfpush login with a password (prompt answered by CF_PASSWORD), then logout', async () => {
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8'));
    const r = await c.ok(['login', '-a', proxy.url, '--name', 'pw', '-u', creds.username], { env: { CF_PASSWORD: creds.password } });
    assert.match(r.stdout, /OK/);
    assert.match(r.stdout, /org:\s+org/);
    assert.ok(await new FileTokenStore(join(c.home, 'tokens.json')).get('pw'));
    const bad = await c.run(['login', '--name', 'pw', '-u', creds.username], { env: { CF_PASSWORD: 'wrong' } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Authentication failed.*Bad credentials/);
    await c.ok(['logout', '--name', 'pw']);
    assert.equal(await new FileTokenStore(join(c.home, 'tokens.json')).get('pw'), undefined);
    const after = await c.run(['apps'], { env: { CFPUSH_TARGET: 'pw' } });
    assert.equal(after.code, 1);
    assert.match(after.stderr, /Not logged in to target 'pw'/);
  });

  it('cfpush login --sso-passcode with a one-time code from /passcode', async () => {
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8'));
    const info = JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8'));
    const basic = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    const { passcode } = (await (await fetch(`${info.apiUrl}/passcode`, { headers: { authorization: basic } })).json()) as { passcode: string };
    await c.ok(['login', '-a', proxy.url, '--name', 'sso', '--sso-passcode', passcode]);
    assert.ok(await new FileTokenStore(join(c.home, 'tokens.json')).get('sso'));
    const again = await c.run(['login', '--name', 'sso', '--sso-passcode', passcode]);
    assert.equal(again.code, 1, 'a passcode works once');
    assert.match(again.stderr, /Invalid passcode/);
  });

  it("reuses the cf CLI's login from CF_HOME/.cf/config.json (read-only)", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const cfHome = mkdtempSync(join(c.home, 'cfhome-'));
    mkdirSync(join(cfHome, '.cf'));
    const cfg = {
      ConfigVersion: 4,
      Target: proxy.url,
      AccessToken: `bearer ${good.accessToken}`,
      RefreshToken: good.refreshToken,
      OrganizationFields: { GUID: '', Name: 'org' },
      SpaceFields: { GUID: '', Name: 'space' },
      SSLDisabled: false,
    };
    const text = JSON.stringify(cfg, null, 2);
    writeFileSync(join(cfHome, '.cf', 'config.json'), text);
    const r = await c.ok(['target', 'cf', '--json'], { env: { CF_HOME: cfHome } });
    assert.deepEqual(JSON.parse(r.stdout), { target: 'cf', api: proxy.url, org: 'org', space: 'space', local: false });
    assert.equal(readFileSync(join(cfHome, '.cf', 'config.json'), 'utf8'), text, 'the cf config is left as it was');
    await c.ok(['target', 'local']);
  });

  it('never writes a token into the CLI output, the config or the foundation log', async () => {
    const store = new FileTokenStore();
    await store.set('remote', good);
    const outputs = [await c.run(['target', 'remote']), await c.run(['apps']), await c.run(['routes', '--json']), await c.run(['target', '--list', '--json'])];
    const tokens = JSON.parse(readFileSync(join(c.home, 'tokens.json'), 'utf8')) as Record<string, Tokens>;
    const secrets = Object.values(tokens)
      .flatMap((t) => [t.accessToken, t.refreshToken])
      .filter(Boolean) as string[];
    assert.ok(secrets.length >= 2);
    const texts = [
      ...outputs.flatMap((o) => [o.stdout, o.stderr]),
      readFileSync(join(c.home, 'config.json'), 'utf8'),
      readFileSync(join(c.home, 'foundation', 'foundation.log'), 'utf8'),
    ];
    for (const t of texts) for (const sec of secrets) assert.ok(!t.includes(sec), 'a token leaked into output');
    const mode = (await import('node:fs')).statSync(join(c.home, 'tokens.json')).mode & 0o777;
    assert.equal(mode, 0o600, 'tokens.json is readable by the user only');
  });
});
