// Shared test plumbing: a foundation on random ports in a temp data dir, a
// raw HTTP client with a token, zips of fixture apps, and polling.
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ZipFile } from 'yazl';
import { startFoundation, type RunningFoundation } from '../../src/foundation/server';

export function tempDir(prefix = 'cfpush-fnd-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestFoundation(dataDir = tempDir()): Promise<RunningFoundation> {
  return startFoundation({ dataDir, apiPort: 0, routerPort: 0, supervisor: { stopGraceMs: 3000, backoffMs: 300, maxBackoffMs: 1000 } });
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** A raw HTTP request (node:http, so Host can be set freely). */
export function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export async function login(f: RunningFoundation): Promise<{ access_token: string; refresh_token: string }> {
  const creds = JSON.parse(readFileSync(join(f.dataDir, 'credentials.json'), 'utf8')) as { username: string; password: string };
  const res = await http(`${f.apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { authorization: 'Basic Y2Y6', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: creds.username, password: creds.password }).toString(),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.json;
}

/** An authenticated CC client over raw HTTP. */
export class Api {
  constructor(
    readonly f: RunningFoundation,
    readonly token: string,
  ) {}

  static async connect(f: RunningFoundation): Promise<Api> {
    return new Api(f, (await login(f)).access_token);
  }

  call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const isText = typeof body === 'string' || Buffer.isBuffer(body);
    return http(path.startsWith('http') ? path : `${this.f.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `bearer ${this.token}`,
        ...(body !== undefined && !isText ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : isText ? (body as string | Buffer) : JSON.stringify(body),
    });
  }
  get(path: string) {
    return this.call('GET', path);
  }
  post(path: string, body?: unknown) {
    return this.call('POST', path, body ?? {});
  }
  patch(path: string, body: unknown) {
    return this.call('PATCH', path, body);
  }
  del(path: string) {
    return this.call('DELETE', path);
  }

  async space(): Promise<{ guid: string }> {
    return (await this.get('/v3/spaces?names=space')).json.resources[0];
  }

  async applyManifest(yaml: string): Promise<Res> {
    const space = await this.space();
    return this.call('POST', `/v3/spaces/${space.guid}/actions/apply_manifest`, yaml, { 'content-type': 'application/x-yaml' });
  }

  /** Polls a job URL until it is COMPLETE or FAILED. */
  async job(location: string): Promise<any> {
    return until(
      async () => {
        const j = (await this.get(location)).json;
        return j.state === 'COMPLETE' || j.state === 'FAILED' ? j : undefined;
      },
      10_000,
      'job',
    );
  }
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Zips a folder (or a set of files) in memory. */
export function zipDir(dir: string): Promise<Buffer> {
  const zip = new ZipFile();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else zip.addFile(p, relative(dir, p).split('\\').join('/'), { mode: st.mode });
    }
  };
  walk(dir);
  zip.end();
  return streamToBuffer(zip.outputStream);
}

export function zipEntries(entries: Record<string, string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, text] of Object.entries(entries)) zip.addBuffer(Buffer.from(text), name, { mode: 0o100644 });
  zip.end();
  return streamToBuffer(zip.outputStream);
}

async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A multipart body with field `resources` and an optional file `bits` (named `filename`). */
export function multipart(resources: unknown[], bits?: Buffer, filename = 'package.zip'): { body: Buffer; contentType: string } {
  const boundary = `----cfpush${randomUUID()}`;
  const parts: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="resources"\r\n\r\n${JSON.stringify(resources)}\r\n`)];
  if (bits) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="bits"; filename="${filename}"\r\nContent-Type: application/zip\r\n\r\n`),
      bits,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Writes a tiny node app (package.json + server.js) into a temp dir. */
export function nodeApp(name: string, serverJs: string): string {
  const dir = tempDir(`cfpush-app-${name}-`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', scripts: { start: 'node server.js' } }));
  writeFileSync(join(dir, 'server.js'), serverJs);
  return dir;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * apply_manifest → package → upload → build → current droplet → start (or
 * restart, to pick up a new droplet); does not wait for RUNNING.
 */
export async function stageAndStart(
  api: Api,
  name: string,
  dir: string,
  manifestExtra = '',
  action: 'start' | 'restart' = 'start',
  memory = '64M',
): Promise<{ app: any; build: any; web: any }> {
  const applied = await api.applyManifest(`---\napplications:\n- name: ${name}\n  memory: ${memory}\n  default-route: true\n${manifestExtra}`);
  if (applied.status !== 202) throw new Error(`apply_manifest: ${applied.status} ${applied.text}`);
  const job = await api.job(applied.headers.location as string);
  if (job.state !== 'COMPLETE') throw new Error(`apply_manifest job: ${JSON.stringify(job.errors)}`);
  const space = await api.space();
  const app = (await api.get(`/v3/apps?names=${name}&space_guids=${space.guid}`)).json.resources[0];
  const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
  const mp = multipart([], await zipDir(dir));
  const up = await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType });
  if (up.status !== 200) throw new Error(`upload: ${up.status} ${up.text}`);
  let build = (await api.post('/v3/builds', { package: { guid: pkg.guid } })).json;
  build = await until(
    async () => {
      const b = (await api.get(`/v3/builds/${build.guid}`)).json;
      return b.state !== 'STAGING' ? b : undefined;
    },
    120_000,
    'staging',
    50,
  );
  if (build.state !== 'STAGED') throw new Error(`staging failed: ${build.error}`);
  await api.patch(`/v3/apps/${app.guid}/relationships/current_droplet`, { data: { guid: build.droplet.guid } });
  const started = await api.post(`/v3/apps/${app.guid}/actions/${action}`);
  if (started.status !== 200) throw new Error(`${action}: ${started.status} ${started.text}`);
  const web = (await api.get(`/v3/apps/${app.guid}/processes`)).json.resources.find((p: any) => p.type === 'web');
  return { app, build, web };
}

/** The whole `cf push` sequence over raw HTTP (cf-reference.md §1.1); resolves once every web instance is RUNNING. */
export async function push(api: Api, name: string, dir: string, manifestExtra = ''): Promise<{ app: any; build: any }> {
  const { app, build } = await stageAndStart(api, name, dir, manifestExtra, 'restart');
  await waitRunning(api, app.guid);
  return { app, build };
}

export async function waitRunning(api: Api, appGuid: string, timeoutMs = 60_000): Promise<any[]> {
  return until(
    async () => {
      const web = (await api.get(`/v3/apps/${appGuid}/processes`)).json.resources.find((p: any) => p.type === 'web');
      const stats = (await api.get(`/v3/processes/${web.guid}/stats`)).json.resources as any[];
      return stats.length === web.instances && stats.every((s) => s.state === 'RUNNING') ? stats : undefined;
    },
    timeoutMs,
    `${appGuid} RUNNING`,
  );
}

/** Polls a deployment until its status reason is `reason` (PAUSED, DEPLOYED, CANCELED...); resolves to it. */
export function deploymentReason(api: Api, guid: string, reason: string): Promise<any> {
  return until(
    async () => {
      const d = (await api.get(`/v3/deployments/${guid}`)).json;
      return d.status?.reason === reason ? d : undefined;
    },
    60_000,
    `deployment ${reason}`,
    50,
  );
}
