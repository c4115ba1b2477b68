// A UAA stand-in: one generated admin user, HS256 JWTs (jose) the cf CLI can
// decode for `exp`, password and refresh_token grants for the `cf` client.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import writeFileAtomic from 'write-file-atomic';

/** Verified tokens remembered (a few clients, each with an access and a refresh token). */
const VERIFIED_KEPT = 32;

export interface Credentials {
  username: string;
  password: string;
}

const ACCESS_TTL_S = 12 * 3600;
const REFRESH_TTL_S = 30 * 24 * 3600;
const SCOPES = ['cloud_controller.read', 'cloud_controller.write', 'cloud_controller.admin', 'openid'];

/** Reads or creates `credentials.json` (0600) and the signing secret. */
function loadOrCreate(dataDir: string): { creds: Credentials; secret: Uint8Array; userId: string } {
  const credFile = join(dataDir, 'credentials.json');
  const secretFile = join(dataDir, 'jwt-secret');
  if (!existsSync(credFile)) {
    const creds: Credentials = { username: 'admin', password: randomBytes(18).toString('base64url') };
    writeFileAtomic.sync(credFile, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  }
  if (!existsSync(secretFile)) {
    writeFileAtomic.sync(secretFile, JSON.stringify({ secret: randomBytes(32).toString('base64'), user_id: randomUUID() }), { mode: 0o600 });
  }
  const creds = JSON.parse(readFileSync(credFile, 'utf8')) as Credentials;
  const s = JSON.parse(readFileSync(secretFile, 'utf8')) as { secret: string; user_id: string };
  return { creds, secret: Buffer.from(s.secret, 'base64'), userId: s.user_id };
}

/** Codes that work once, for 5 minutes. */
export class OneTimeCodes {
  private readonly codes = new Map<string, number>();

  issue(): string {
    const code = randomBytes(12).toString('hex'); // never starts with '-' (a CLI would read it as a flag)
    const now = Date.now();
    for (const [k, exp] of this.codes) if (exp < now) this.codes.delete(k);
    this.codes.set(code, now + 5 * 60_000);
    return code;
  }

  redeem(code: string): boolean {
    const exp = this.codes.get(code);
    this.codes.delete(code);
    return exp !== undefined && exp >= Date.now();
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  refresh_token: string;
  expires_in: number;
  scope: string;
  jti: string;
}

export class Auth {
  private readonly creds: Credentials;
  private readonly secret: Uint8Array;
  readonly userId: string;

  constructor(
    dataDir: string,
    private readonly issuer: string,
  ) {
    const l = loadOrCreate(dataDir);
    this.creds = l.creds;
    this.secret = l.secret;
    this.userId = l.userId;
  }

  get username(): string {
    return this.creds.username;
  }

  checkPassword(username: string, password: string): boolean {
    const a = Buffer.from(`${username}\0${password}`);
    const b = Buffer.from(`${this.creds.username}\0${this.creds.password}`);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** One-time SSO passcodes (UAA `/passcode`, `cf login --sso`). */
  readonly passcodes = new OneTimeCodes();
  /** One-time ssh codes (UAA `/oauth/authorize` for the ssh-proxy client: `cf ssh`, `cf ssh-code`). */
  readonly sshCodes = new OneTimeCodes();

  newPasscode(): string {
    return this.passcodes.issue();
  }

  redeemPasscode(code: string): boolean {
    return this.passcodes.redeem(code);
  }

  async issue(grantType: string): Promise<TokenResponse> {
    const jti = randomUUID().replace(/-/g, '');
    const claims = {
      jti,
      user_id: this.userId,
      user_name: this.creds.username,
      email: this.creds.username,
      origin: 'uaa',
      client_id: 'cf',
      cid: 'cf',
      azp: 'cf',
      grant_type: grantType,
      scope: SCOPES,
      zid: 'uaa',
    };
    const sign = (ttl: number, extra: Record<string, unknown>) =>
      new SignJWT({ ...claims, ...extra })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(this.userId)
        .setIssuer(this.issuer)
        .setAudience(['cloud_controller', 'openid', 'cf'])
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .sign(this.secret);
    return {
      access_token: await sign(ACCESS_TTL_S, {}),
      token_type: 'bearer',
      refresh_token: await sign(REFRESH_TTL_S, { jti: `${jti}-r`, revocable: true, token_kind: 'refresh' }),
      expires_in: ACCESS_TTL_S - 1,
      scope: SCOPES.join(' '),
      jti,
    };
  }

  /**
   * Tokens verified lately, with their claims: a client sends the same token
   * with every request (~20 in a push), and jose's HMAC check through
   * WebCrypto costs ~0.25 ms each. The exact same string verified before is
   * only checked for expiry again.
   */
  private readonly verified = new Map<string, JWTPayload>();

  /** The verified claims, or undefined for a bad, expired or wrong-kind token. */
  async verify(token: string, kind: 'access' | 'refresh' = 'access'): Promise<Record<string, unknown> | undefined> {
    let payload = this.verified.get(token);
    if (payload && (payload.exp ?? 0) * 1000 <= Date.now()) {
      this.verified.delete(token);
      payload = undefined;
    }
    if (!payload) {
      try {
        payload = (await jwtVerify(token, this.secret, { issuer: this.issuer, algorithms: ['HS256'] })).payload;
      } catch {
        return undefined;
      }
      if (this.verified.size >= VERIFIED_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, payload);
    }
    const isRefresh = payload.token_kind === 'refresh';
    return isRefresh === (kind === 'refresh') ? payload : undefined;
  }
}
