// TLS verification is on unless a target opts out: an API behind a
// self-signed certificate is refused with a clear next step, and accepted
// for that target only after `--skip-ssl-validation`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliEnv, type CliEnv } from '../helpers/cli';

describe('TLS', { timeout: 120_000 }, () => {
  let c: CliEnv;
  let server: https.Server;
  let api: string;
  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    const d = mkdtempSync(join(tmpdir(), 'cfpush-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(d, 'k.pem'),
        '-out',
        join(d, 'c.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const up = new URL(JSON.parse(readFileSync(join(c.home, 'foundation', 'foundation.json'), 'utf8')).apiUrl);
    server = https.createServer({ key: readFileSync(join(d, 'k.pem')), cert: readFileSync(join(d, 'c.pem')) }, (req, res) => {
      const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(fwd);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server?.close();
    await c?.cleanup();
  });

  it('refuses an untrusted certificate and says how to opt out for that target', async () => {
    const r = await c.run(['login', '-a', api, '--name', 'selfsigned', '-u', 'x'], { env: { CF_PASSWORD: 'y' } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /certificate is not trusted/);
    assert.match(r.stderr, /--skip-ssl-validation/);
  });

  it('accepts it with --skip-ssl-validation, for that target only', async () => {
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8'));
    await c.ok(['login', '-a', api, '--name', 'selfsigned', '--skip-ssl-validation', '-u', creds.username], { env: { CF_PASSWORD: creds.password } });
    const apps = await c.ok(['apps', '--json'], { env: { CFPUSH_TARGET: 'selfsigned' } });
    assert.deepEqual(JSON.parse(apps.stdout).apps, []);
    const list = JSON.parse((await c.ok(['target', '--list', '--json'])).stdout);
    const other = list.targets.find((t: { name: string }) => t.name === 'local');
    assert.ok(!other.skipSslValidation, 'other targets keep verification on');
  });
});
