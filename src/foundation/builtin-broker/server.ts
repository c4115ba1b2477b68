// The foundation's own service broker: an OSBAPI server on loopback that the
// foundation registers at every start like any broker (name `cfpush`), so
// `cf marketplace`, `create-service`, `bind-service` and purge behave as with
// a real CF. Provision and deprovision answer 202 and run in the background
// (the platform's POLLING path); binds are synchronous, each with a login of
// its own. What it made is kept in `services/broker.json` (mode 0600) so an
// interrupted provision resumes and credentials stay the same across
// restarts.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { logError, logWarning } from '../log';
import { catalog, KINDS, kindOf } from './catalog';
import type { Credentials, Engine, EngineKind, Probe } from './engines/engine';

interface InstanceState {
  kind: EngineKind;
  op: 'create' | 'delete';
  state: 'in progress' | 'succeeded' | 'failed';
  description: string;
}

interface BindingState {
  instance: string;
  credentials: Credentials;
}

interface BrokerState {
  instances: Record<string, InstanceState>;
  bindings: Record<string, BindingState>;
}

type Answer = [number, Record<string, unknown>];

export class BuiltinBroker {
  readonly username = 'cfpush';
  readonly password = randomBytes(24).toString('base64url');
  url = '';
  private readonly server: Server;
  private readonly file: string;
  private state: BrokerState;
  private closed = false;

  constructor(
    dataDir: string,
    private readonly engines: Record<EngineKind, Engine>,
  ) {
    const dir = join(dataDir, 'services');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'broker.json');
    this.state = this.load();
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  private load(): BrokerState {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as BrokerState;
      return { instances: s.instances ?? {}, bindings: s.bindings ?? {} };
    } catch {
      return { instances: {}, bindings: {} };
    }
  }

  private save(): void {
    if (!this.closed) writeFileAtomic.sync(this.file, JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    // What a stopped foundation interrupted goes on; servers with tenants come up for the apps bound to them.
    for (const [id, si] of Object.entries(this.state.instances)) if (si.state === 'in progress') this.run(id, si);
    const used = new Set(Object.values(this.state.instances).map((si) => si.kind));
    for (const kind of used) this.engines[kind].ensureServer().catch((err) => logError(`starting the ${kind} server`, err));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.server.close();
    this.server.closeAllConnections();
    await Promise.all(KINDS.map((k) => this.engines[k].stop().catch((err) => logError(`stopping the ${k} server`, err))));
  }

  private probed?: Promise<Record<EngineKind, Probe>>;

  /** Which servers are installed, asked once per foundation run (each asks a binary or dpkg). */
  private probes(): Promise<Record<EngineKind, Probe>> {
    this.probed ??= Promise.all(KINDS.map(async (k) => [k, await this.engines[k].probe()] as const)).then(
      (entries) => Object.fromEntries(entries) as Record<EngineKind, Probe>,
    );
    return this.probed;
  }

  private authorized(req: IncomingMessage): boolean {
    const want = Buffer.from(`Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`);
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      const body = await readBody(req);
      answer = this.authorized(req)
        ? await this.route(req.method ?? 'GET', new URL(req.url ?? '/', 'http://broker'), body)
        : [401, { description: 'Unauthorized' }];
    } catch (err) {
      logError('built-in broker request', err);
      answer = [500, { description: (err as Error).message }];
    }
    res.writeHead(answer[0], { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer[1]));
  }

  private async route(method: string, url: URL, body: Record<string, any> | undefined): Promise<Answer> {
    if (!body) return [400, { error: 'BadRequest', description: 'The request body is not a JSON object.' }];
    if (url.pathname === '/v2/catalog' && method === 'GET') return [200, catalog(await this.probes())];
    const m = /^\/v2\/service_instances\/([\w-]+)(?:\/service_bindings\/([\w-]+))?(\/last_operation)?$/.exec(url.pathname);
    if (!m) return [404, { description: `No such endpoint: ${method} ${url.pathname}` }];
    const [, id, bindingId, lastOp] = m;
    const async = url.searchParams.get('accepts_incomplete') === 'true';
    if (bindingId) {
      if (lastOp) return [410, {}];
      if (method === 'PUT') return this.bind(id!, bindingId, body);
      if (method === 'DELETE') return this.unbind(id!, bindingId);
      return [404, { description: 'Bindings are not retrievable.' }];
    }
    if (lastOp && method === 'GET') {
      const si = this.state.instances[id!];
      return si ? [200, { state: si.state, description: si.description }] : [410, {}];
    }
    if (method === 'PUT') return this.provision(id!, body, async);
    if (method === 'PATCH') return this.state.instances[id!] ? [200, {}] : [404, { description: 'No such service instance.' }];
    if (method === 'DELETE') return this.deprovision(id!, async);
    return [404, { description: `No such endpoint: ${method} ${url.pathname}` }];
  }

  private async provision(id: string, body: Record<string, any>, async: boolean): Promise<Answer> {
    const kind = kindOf(body.service_id);
    if (!kind) return [400, { error: 'BadRequest', description: `Unknown service_id ${JSON.stringify(body.service_id)}.` }];
    const known = this.state.instances[id];
    if (known) {
      if (known.kind !== kind) return [409, { description: 'A service instance with this id exists with another offering.' }];
      return known.state === 'in progress' ? [202, { operation: 'provision' }] : [200, {}];
    }
    if (!async) return [422, { error: 'AsyncRequired', description: 'This service plan requires client support for asynchronous service operations.' }];
    const probe = (await this.probes())[kind];
    if (!probe.installed) return [400, { error: 'NotInstalled', description: probe.reason }];
    const si: InstanceState = { kind, op: 'create', state: 'in progress', description: `Creating the ${kind} database` };
    this.state.instances[id] = si;
    this.save();
    this.run(id, si);
    return [202, { operation: 'provision' }];
  }

  private deprovision(id: string, async: boolean): Answer {
    const si = this.state.instances[id];
    if (!si) return [410, {}];
    if (!async) return [422, { error: 'AsyncRequired', description: 'This service plan requires client support for asynchronous service operations.' }];
    if (si.state === 'in progress' && si.op === 'create')
      return [422, { error: 'ConcurrencyError', description: 'The service instance is still being created.' }];
    Object.assign(si, { op: 'delete', state: 'in progress', description: `Dropping the ${si.kind} database` });
    this.save();
    this.run(id, si);
    return [202, { operation: 'deprovision' }];
  }

  /** The engine work of a provision or deprovision, in the background; the outcome is what last_operation answers. */
  private run(id: string, si: InstanceState): void {
    const engine = this.engines[si.kind];
    void (async () => {
      try {
        if (si.op === 'create') {
          await engine.createTenant(id);
          Object.assign(si, { state: 'succeeded', description: `The ${si.kind} database is ready` });
        } else {
          await engine.dropTenant(id);
          for (const [bid, b] of Object.entries(this.state.bindings)) if (b.instance === id) delete this.state.bindings[bid];
          delete this.state.instances[id];
          // The last one of its kind gone, its server goes too: nothing left running that nobody uses.
          if (!Object.values(this.state.instances).some((x) => x.kind === si.kind)) await engine.stop();
        }
      } catch (err) {
        logWarning(`built-in broker: ${si.op} of ${si.kind} instance ${id} failed: ${(err as Error).message}`);
        Object.assign(si, { state: 'failed', description: (err as Error).message });
      }
      this.save();
    })();
  }

  private async bind(id: string, bindingId: string, body: Record<string, any>): Promise<Answer> {
    const si = this.state.instances[id];
    if (!si || si.state !== 'succeeded' || si.op !== 'create') return [422, { description: 'The service instance does not exist or is not ready.' }];
    if (kindOf(body.service_id) !== si.kind) return [400, { error: 'BadRequest', description: 'service_id does not match the service instance.' }];
    const known = this.state.bindings[bindingId];
    if (known) return known.instance === id ? [200, { credentials: known.credentials }] : [409, { description: 'A binding with this id exists.' }];
    const credentials = await this.engines[si.kind].createLogin(id, bindingId);
    this.state.bindings[bindingId] = { instance: id, credentials };
    this.save();
    return [201, { credentials }];
  }

  private async unbind(id: string, bindingId: string): Promise<Answer> {
    const b = this.state.bindings[bindingId];
    const si = this.state.instances[id];
    if (!b || b.instance !== id || !si) return [410, {}];
    await this.engines[si.kind].dropLogin(id, bindingId);
    delete this.state.bindings[bindingId];
    this.save();
    return [200, {}];
  }
}

/** A JSON object, an empty body as {}, anything else undefined. */
function readBody(req: IncomingMessage): Promise<Record<string, any> | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1 << 20) req.destroy(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve({});
      try {
        const v = JSON.parse(text);
        resolve(v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
