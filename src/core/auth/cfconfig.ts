// Reuse of an existing cf CLI login ($CF_HOME/.cf/config.json, else
// ~/.cf/config.json; cf-reference.md §2). Read-only: we never rewrite the
// user's cf config (peers rewrote it and broke it on Windows).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CfCliLogin {
  file: string;
  api: string;
  accessToken?: string;
  refreshToken?: string;
  org?: string;
  space?: string;
  skipSslValidation: boolean;
}

export function cfConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CF_HOME || homedir(), '.cf', 'config.json');
}

export async function reuseCfCliLogin(env: NodeJS.ProcessEnv = process.env): Promise<CfCliLogin | undefined> {
  const file = cfConfigPath(env);
  let cfg: Record<string, any>;
  try {
    cfg = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof cfg.Target !== 'string' || !cfg.Target) return undefined;
  const strip = (t: unknown) => (typeof t === 'string' && t ? t.replace(/^bearer\s+/i, '') : undefined);
  return {
    file,
    api: cfg.Target,
    accessToken: strip(cfg.AccessToken),
    refreshToken: typeof cfg.RefreshToken === 'string' && cfg.RefreshToken ? cfg.RefreshToken : undefined,
    org: cfg.OrganizationFields?.Name || undefined,
    space: cfg.SpaceFields?.Name || undefined,
    skipSslValidation: !!cfg.SSLDisabled,
  };
}
