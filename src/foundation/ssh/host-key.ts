// The ssh endpoint's host key: generated once per data dir (ssh_host_key,
// 0600) so the fingerprint the API advertises stays the same across
// restarts, and its SHA-256 fingerprint in the form the cf CLI checks
// (43 characters: unpadded base64 of the public key blob, util/clissh).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils } from 'ssh2';
import writeFileAtomic from 'write-file-atomic';

export interface HostKey {
  /** The private key, OpenSSH format. */
  private: string;
  fingerprint: string;
}

export function loadHostKey(dataDir: string): HostKey {
  const file = join(dataDir, 'ssh_host_key');
  if (!existsSync(file)) writeFileAtomic.sync(file, utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
  const text = readFileSync(file, 'utf8');
  const key = utils.parseKey(text);
  if (key instanceof Error) throw new Error(`${file}: ${key.message}`);
  return { private: text, fingerprint: createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '') };
}
