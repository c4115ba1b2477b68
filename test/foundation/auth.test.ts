// The foundation's token check (auth.ts): verified tokens are remembered, but
// never past their expiry, never for another kind, never for other bytes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { Auth } from '../../src/foundation/auth';
import { cleanup, tempDir } from './helpers';

const ISSUER = 'cf-push-test/oauth/token';

describe('token verification', () => {
  const dir = tempDir('cfpush-auth-');
  const other = tempDir('cfpush-auth-other-');
  after(() => {
    cleanup(dir);
    cleanup(other);
  });
  const auth = new Auth(dir, ISSUER);
  const secret = Buffer.from((JSON.parse(readFileSync(join(dir, 'jwt-secret'), 'utf8')) as { secret: string }).secret, 'base64');
  const token = (claims: Record<string, unknown>, expSeconds: number) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(ISSUER).setIssuedAt().setExpirationTime(expSeconds).sign(secret);

  it('a token verified once is accepted again, a refresh token only as one', async () => {
    const t = await auth.issue('password');
    for (let i = 0; i < 2; i++) {
      assert.equal((await auth.verify(t.access_token))?.user_id, auth.userId, `access token, check ${i + 1}`);
      assert.equal(await auth.verify(t.access_token, 'refresh'), undefined, `access token as a refresh token, check ${i + 1}`);
      assert.equal(await auth.verify(t.refresh_token), undefined, `refresh token as an access token, check ${i + 1}`);
      assert.ok(await auth.verify(t.refresh_token, 'refresh'), `refresh token, check ${i + 1}`);
    }
  });

  it('a remembered token is refused once it expires', async () => {
    const t = await token({ user_id: 'u' }, Math.floor(Date.now() / 1000) + 1);
    assert.ok(await auth.verify(t));
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(await auth.verify(t), undefined);
  });

  it('one changed byte, another secret or another issuer is refused', async () => {
    const t = (await auth.issue('password')).access_token;
    assert.ok(await auth.verify(t));
    const sig = t.slice(t.lastIndexOf('.') + 1);
    const flipped = t.slice(0, t.lastIndexOf('.') + 1) + (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    assert.equal(await auth.verify(flipped), undefined);
    assert.equal(await new Auth(other, ISSUER).verify(t), undefined);
    assert.equal(await new Auth(dir, 'someone-else/oauth/token').verify(t), undefined);
  });
});
