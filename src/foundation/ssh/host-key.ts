// The ssh endpoint's host key: generated once per data dir (ssh_host_key,
// 0600) so the fingerprint the API advertises stays the same across
// restarts, and its SHA-256 fingerprint in the form the cf CLI checks
// (43 characters: unpadded base64 of the public key blob, util/clissh).
// An ECDSA P-256 key in SEC1 PEM: node:crypto writes and reads it and ssh2
// takes it as a host key, so the daemon does not load ssh2 (13 MB resident)
// until the first ssh connection.
import { createECDH, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface HostKey {
  /** The private key, SEC1 PEM. */
  private: string;
  fingerprint: string;
}

export function loadHostKey(dataDir: string): HostKey {
  const file = join(dataDir, 'ssh_host_key');
  let key = existsSync(file) ? readKey(readFileSync(file, 'utf8')) : undefined;
  if (!key) {
    // None yet, or one this version does not read (an earlier build's OpenSSH ed25519 key): a new one.
    key = newKey();
    writeFileAtomic.sync(file, pem(key), { mode: 0o600 });
  }
  return { private: pem(key), fingerprint: createHash('sha256').update(publicBlob(key)).digest('base64').replace(/=+$/, '') };
}

/**
 * A new P-256 key, made with ECDH and imported, not with generateKeyPair:
 * node 20 deadlocks when a GC finalizes the key-generation job while the key
 * it made is being exported (the job's destructor takes the mutex the export
 * holds; seen as a foundation start that never answered, 1 in ~60).
 */
function newKey(): KeyObject {
  const ecdh = createECDH('prime256v1');
  const pub = ecdh.generateKeys(); // 0x04 || X || Y
  const b64 = (b: Buffer) => b.toString('base64url');
  const d = Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()]).subarray(-32);
  return createPrivateKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', d: b64(d), x: b64(pub.subarray(1, 33)), y: b64(pub.subarray(33, 65)) } });
}

function readKey(text: string): KeyObject | undefined {
  try {
    const key = createPrivateKey(text);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

const pem = (key: KeyObject) => key.export({ type: 'sec1', format: 'pem' }).toString();

/** RFC 5656 §3.1: string "ecdsa-sha2-nistp256", string "nistp256", string Q (uncompressed point). */
function publicBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const q = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const parts = [Buffer.from('ecdsa-sha2-nistp256'), Buffer.from('nistp256'), q];
  return Buffer.concat(parts.flatMap((p) => [u32(p.length), p]));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
