// Passwords for the servers' admins, tenants and logins. One random secret per
// engine (kept 0600 in its record) derives every password with HMAC, so the
// same tenant or login id always answers the same password without a store of
// passwords, and nobody without the secret can guess one. base64url keeps them
// safe to quote in SQL and ACL rules; URIs still encode them.
import { createHmac, randomBytes } from 'node:crypto';

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A 32-character password for `name` (a role, user or "admin"), in hex
 * (128 bits): base64url could begin with '-', which rabbitmqctl reads as an
 * option.
 */
export function derivePassword(secret: string, name: string): string {
  return createHmac('sha256', secret).update(name).digest('hex').slice(0, 32);
}

const SAFE = /^[A-Za-z0-9_-]+$/;

/** The password, checked to be base64url: the only text put inside a quoted literal. */
export function safeSecret(s: string): string {
  if (!SAFE.test(s)) throw new Error('internal: a password with characters outside base64url');
  return s;
}
