// Named targets (CFPUSH_HOME/config.json) and opening a Session on one. The
// local foundation is just a target whose API URL and credentials come from
// its data dir; after that it is spoken to over CC v3 like any CF.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { reuseCfCliLogin } from './auth/cfconfig';
import { RefreshingTokens } from './auth/provider';
import { FileTokenStore, type TokenStore } from './auth/store';
import { passwordGrant } from './auth/uaa';
import { CcClient } from './cc/client';
import type { CcOrg, CcSpace } from './cc/types';
import { CfPushError } from './errors';
import { DEFAULT_LOCAL_PORTS, cfpushHome, defaultFoundationDir, ensurePrivateDir, localPorts } from './paths';
import type { Session, TargetConfig } from './session';
import { readInstalledIndex, type InstalledBuildpacks } from './staging/installed';

export const LOCAL = 'local';

interface ConfigFile {
  current?: string;
  targets?: Record<string, TargetConfig>;
}

const configPath = () => join(cfpushHome(), 'config.json');

async function readConfig(): Promise<ConfigFile> {
  try {
    return JSON.parse(await readFile(configPath(), 'utf8')) as ConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CfPushError(`Cannot read ${configPath()}: ${(err as Error).message}`, {
      hint: 'Fix or delete the file; it only holds target names and URLs.',
    });
  }
}

async function writeConfig(cfg: ConfigFile): Promise<void> {
  ensurePrivateDir(dirname(configPath()));
  await writeFileAtomic(configPath(), JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

function localTarget(): TargetConfig {
  const port = localPorts().api;
  return { name: LOCAL, api: `http://127.0.0.1:${port}`, local: true, dataDir: defaultFoundationDir() };
}

/** The cf CLI's current login, offered as target `cf` (tokens reused read-only). */
export const CF_CLI = 'cf';

export async function listTargets(): Promise<TargetConfig[]> {
  const cfg = await readConfig();
  const out = [{ ...localTarget(), ...cfg.targets?.[LOCAL] }, ...Object.values(cfg.targets ?? {}).filter((t) => t.name !== LOCAL)];
  const cf = await reuseCfCliLogin();
  if (cf && !out.some((t) => t.name === CF_CLI)) {
    out.push({ name: CF_CLI, api: cf.api, org: cf.org, space: cf.space, skipSslValidation: cf.skipSslValidation || undefined });
  }
  return out;
}

export async function currentTargetName(): Promise<string> {
  return (await readConfig()).current ?? LOCAL;
}

/**
 * The local foundation's installed buildpacks (what its staging finds by
 * name and detects with) when it is the current target and has run; else
 * undefined: tools on this machine then use the built-ins.
 */
export async function localInstalledBuildpacks(): Promise<InstalledBuildpacks | undefined> {
  const cfg = await readConfig();
  if ((cfg.current ?? LOCAL) !== LOCAL) return undefined;
  return readInstalledIndex(cfg.targets?.[LOCAL]?.dataDir ?? defaultFoundationDir());
}

/** `cfpush target [NAME] [-a API] [-o ORG] [-s SPACE]`: add/update and select. */
export async function setTarget(update: Partial<TargetConfig> & { name?: string }): Promise<TargetConfig> {
  const cfg = await readConfig();
  const name = update.name ?? cfg.current ?? LOCAL;
  const existing = (await listTargets()).find((t) => t.name === name);
  if (!existing && !update.api) {
    throw new CfPushError(`Unknown target '${name}'.`, { hint: `Add it with \`cfpush target ${name} -a https://api.example.com\`.` });
  }
  const next: TargetConfig = { ...(existing ?? { name, api: update.api! }), ...stripUndefined(update), name };
  cfg.targets = { ...cfg.targets, [name]: next };
  cfg.current = name;
  await writeConfig(cfg);
  return next;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** How the local foundation is found and started: the caller's to give (core knows nothing of its internals). */
export interface LocalFoundation {
  status(dataDir: string): Promise<{ running: boolean; unresponsive?: boolean; apiUrl?: string; routerUrl?: string }>;
  start(o: { dataDir: string; apiPort: number; routerPort: number }): Promise<void>;
  /** The error for a foundation whose process lives but whose API is silent. */
  unresponsiveError(status: { apiUrl?: string; pid?: number }): CfPushError;
  /** Stops it and its apps (nothing when it is not running). */
  stop(dataDir: string): Promise<void>;
}

export interface OpenSessionOptions {
  /** Needed for the local target (the CLI and the extension pass src/foundation/access.ts). */
  local?: LocalFoundation;
  target?: string;
  /** Start the local foundation if it is not running (the extension does; the CLI says how). */
  startLocal?: boolean;
  tokenStore?: TokenStore;
  onWarning?: (w: string) => void;
  onRequest?: (method: string, url: string) => void;
}

export async function openSession(opts: OpenSessionOptions = {}): Promise<Session> {
  const name = opts.target ?? (await currentTargetName());
  const target = (await listTargets()).find((t) => t.name === name);
  if (!target) throw new CfPushError(`Unknown target '${name}'.`, { hint: 'List targets with `cfpush target --list`.' });
  const store = opts.tokenStore ?? new FileTokenStore();
  if (!target.local && !(await store.get(target.name))) {
    // Logged in with the cf CLI to the same API: start from its tokens.
    const cf = await reuseCfCliLogin();
    if (cf?.accessToken && sameApi(cf.api, target.api)) {
      await store.set(target.name, { accessToken: cf.accessToken, refreshToken: cf.refreshToken });
    }
  }
  let routerUrl: string | undefined;
  let relogin: (() => Promise<{ accessToken: string; refreshToken?: string }>) | undefined;

  if (target.local) {
    const local = opts.local;
    if (!local) {
      throw new CfPushError('This program cannot reach the local foundation (no way to start or find it was given).', {
        hint: 'Use `cfpush` or the extension for the local target, or target a remote Cloud Foundry.',
      });
    }
    const dataDir = target.dataDir ?? defaultFoundationDir();
    let status = await local.status(dataDir);
    if (!status.running && opts.startLocal) {
      await local.start({ dataDir, apiPort: Number(new URL(target.api).port), routerPort: localPorts().router });
      status = await local.status(dataDir);
    }
    if (status.unresponsive) throw local.unresponsiveError(status);
    if (!status.running || !status.apiUrl) {
      throw new CfPushError('The local foundation is not running.', {
        code: 'FoundationNotRunning',
        hint: `Start it with \`cfpush foundation start\` (add \`--api-port N --router-port M\` if the default ports ${DEFAULT_LOCAL_PORTS.api}/${DEFAULT_LOCAL_PORTS.router} are taken).`,
      });
    }
    target.api = status.apiUrl;
    routerUrl = status.routerUrl;
    relogin = async () => {
      const creds = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { username: string; password: string };
      return passwordGrant(target.api, creds.username, creds.password);
    };
  }

  const client: { cc?: CcClient } = {};
  const tokens = new RefreshingTokens({
    target: target.name,
    store,
    insecure: target.skipSslValidation,
    loginUrl: async () => (await client.cc!.link('login')) ?? target.api,
    relogin,
  });
  const cc = (client.cc = new CcClient({
    api: target.api,
    tokens,
    skipSslValidation: target.skipSslValidation,
    onWarning: opts.onWarning,
    onRequest: opts.onRequest,
  }));

  const orgs = await cc.organizations.list();
  let org = await pick<CcOrg>(orgs, target.org, 'organization', target.name);
  let spaces = await cc.spaces.inOrg(org.guid);
  // No org chosen: the first one that has a space (a new empty org sorted first must not hide the rest).
  for (const other of target.org ? [] : orgs.slice(orgs.indexOf(org) + 1)) {
    if (spaces.length > 0) break;
    const next = await cc.spaces.inOrg(other.guid);
    if (next.length > 0) [org, spaces] = [other, next];
  }
  const space = await pick<CcSpace>(spaces, target.space, 'space', target.name);
  return {
    target,
    cc,
    org: { guid: org.guid, name: org.name },
    space: { guid: space.guid, name: space.name },
    routeUrl: (url: string) => {
      if (!routerUrl) return `https://${url}`;
      const r = new URL(routerUrl);
      const slash = url.indexOf('/');
      const host = slash < 0 ? url : url.slice(0, slash);
      const path = slash < 0 ? '' : url.slice(slash);
      return `${r.protocol}//${host}${r.port ? `:${r.port}` : ''}${path}`;
    },
  };
}

function sameApi(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

async function pick<T extends { guid: string; name: string }>(items: T[], wanted: string | undefined, kind: string, target: string): Promise<T> {
  const found = wanted ? items.find((i) => i.name === wanted) : items[0];
  if (!found) {
    throw new CfPushError(wanted ? `No ${kind} named '${wanted}' on target '${target}'.` : `Target '${target}' has no ${kind} you can see.`, {
      hint: `Choose one with \`cfpush target -${kind === 'space' ? 's' : 'o'} NAME\` (available: ${items.map((i) => i.name).join(', ') || 'none'}).`,
    });
  }
  return found;
}
