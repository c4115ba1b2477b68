// The real cf CLI registering an Open Service Broker with the foundation
// (issue 19, item 1, first part): create-service-broker (global and
// --space-scoped) fetches the broker's /v2/catalog with basic auth and
// X-Broker-API-Version; service-brokers lists it; its plans stay out of the
// marketplace until enable-service-access opens them (all, or one org);
// service-access shows who sees what; update-service-broker re-reads the
// catalog; delete-service-broker takes its offerings away. A broker that does
// not answer, refuses the credentials or serves a bad catalog gives CC's error.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { cfSession, NO_CF, requireCf, type CfSession } from './cf';
import { freePort } from '../helpers/cli';

interface Broker {
  url: string;
  seen: IncomingMessage[];
  catalog: unknown;
  server: Server;
}

const catalog = (extraPlan = false) => ({
  services: [
    {
      id: 'svc-db',
      name: 'testdb',
      description: 'A test database',
      bindable: true,
      tags: ['relational'],
      plans: [
        { id: 'plan-small', name: 'small', description: 'Small and free', free: true },
        { id: 'plan-big', name: 'big', description: 'Big and paid', free: false, metadata: { costs: [{ amount: { usd: 10 }, unit: 'MONTHLY' }] } },
        ...(extraPlan ? [{ id: 'plan-huge', name: 'huge', description: 'Added later', free: true }] : []),
      ],
    },
  ],
});

/** A broker of our own on loopback: it answers /v2/catalog to user:pass, and records what it was sent. */
async function startBroker(body: () => unknown): Promise<Broker> {
  const port = await freePort();
  const b: Broker = { url: `http://127.0.0.1:${port}`, seen: [], catalog: undefined, server: undefined as never };
  b.server = createServer((req, res) => {
    b.seen.push(req);
    if (req.headers.authorization !== `Basic ${Buffer.from('user:pass').toString('base64')}`) return void res.writeHead(401).end('{}');
    if (req.url !== '/v2/catalog') return void res.writeHead(404).end('{}');
    const out = body();
    res.writeHead(200, { 'content-type': 'application/json' }).end(typeof out === 'string' ? out : JSON.stringify(out));
  });
  await new Promise<void>((r) => b.server.listen(port, '127.0.0.1', r));
  return b;
}

describe('cf CLI: service brokers, service access and the marketplace', { timeout: 600_000 }, () => {
  let s: CfSession | undefined;
  let broker: Broker;
  let withExtra = false;
  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    broker = await startBroker(() => catalog(withExtra));
  });
  after(async () => {
    broker?.server.close();
    await s?.cleanup();
  });

  test('create-service-broker reads the catalog; enable-service-access opens it; marketplace, service-access, update and delete', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-service-broker', 'test-broker', 'user', 'pass', broker.url]);
    const req = broker.seen.find((r) => r.url === '/v2/catalog')!;
    assert.equal(req.headers['x-broker-api-version'], '2.15');
    assert.ok(req.headers['x-broker-api-request-identity']);
    assert.match((await s.ok(['service-brokers'])).stdout, new RegExp(`test-broker\\s+${broker.url.replace(/[.]/g, '\\.')}`));
    // New plans are for admins only: not in the marketplace yet (the built-in broker's are).
    const first = (await s.ok(['marketplace'])).stdout;
    assert.doesNotMatch(first, /testdb/);
    assert.match(first, /postgresql\s+default\s+.*\s+cfpush/);
    assert.match((await s.ok(['service-access'])).stdout, /testdb\s+small\s+none/);

    await s.ok(['enable-service-access', 'testdb', '-p', 'small']);
    let market = (await s.ok(['marketplace'])).stdout;
    assert.match(market, /testdb\s+small\s+A test database\s+test-broker/);
    assert.doesNotMatch(market, /\bbig\b/);
    await s.ok(['enable-service-access', 'testdb', '-p', 'big', '-o', 'org']);
    const e = (await s.ok(['marketplace', '-e', 'testdb'])).stdout;
    assert.match(e, /broker: test-broker/);
    assert.match(e, /small\s+Small and free\s+free/);
    assert.match(e, /big\s+Big and paid\s+paid\s+USD 10\.00\/MONTHLY/);
    const access = (await s.ok(['service-access'])).stdout;
    assert.match(access, /testdb\s+small\s+all/);
    assert.match(access, /testdb\s+big\s+limited\s+org/);

    // update-service-broker re-reads the catalog: a plan the broker added appears (for admins).
    withExtra = true;
    await s.ok(['update-service-broker', 'test-broker', 'user', 'pass', broker.url]);
    assert.match((await s.ok(['service-access'])).stdout, /testdb\s+huge\s+none/);
    await s.ok(['disable-service-access', 'testdb', '-p', 'small']);
    market = (await s.ok(['marketplace'])).stdout;
    assert.doesNotMatch(market, /\bsmall\b/);

    await s.ok(['delete-service-broker', 'test-broker', '-f']);
    assert.doesNotMatch((await s.ok(['service-brokers'])).stdout, /test-broker/);
    assert.doesNotMatch((await s.ok(['marketplace'])).stdout, /testdb/);
  });

  test('a space-scoped broker: its plans are in its space only, without enable-service-access', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-service-broker', 'space-broker', 'user', 'pass', broker.url, '--space-scoped']);
    assert.match((await s.ok(['marketplace'])).stdout, /testdb\s+small, big, huge\s+A test database\s+space-broker/);
    const json = JSON.parse((await s.ok(['curl', '/v3/service_brokers?names=space-broker'])).stdout);
    assert.equal(json.resources[0].relationships.space.data.guid.length > 0, true);
    await s.ok(['delete-service-broker', 'space-broker', '-f']);
  });

  test("a broker that cannot be reached, refuses the credentials or serves a bad catalog: CC's errors", async (t) => {
    if (!s) return t.skip(NO_CF);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r1 = await s.run(['create-service-broker', 'dead', 'user', 'pass', dead]);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stdout + r1.stderr, /The service broker could not be reached/);
    const r2 = await s.run(['create-service-broker', 'badpass', 'user', 'wrong', broker.url]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stdout + r2.stderr, /The service broker rejected the request\. Status Code: 401/);
    const bad = await startBroker(() => ({ services: [{ id: 'x', name: 'bad', bindable: 'yes', plans: [] }] }));
    const r3 = await s.run(['create-service-broker', 'badcat', 'user', 'pass', bad.url]);
    bad.server.close();
    assert.notEqual(r3.code, 0);
    assert.match(r3.stdout + r3.stderr, /Service broker catalog is invalid/);
    assert.match(r3.stdout + r3.stderr, /At least one plan is required/);
    const dup = await s.run(['create-service-broker', 'dead', 'user', 'pass', dead]);
    assert.match(dup.stdout + dup.stderr, /name .*taken|already exists/i);
  });
});
