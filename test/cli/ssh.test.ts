// `cfpush ssh` against the local foundation's ssh endpoint, as `cf ssh` is
// used: a command runs in the instance (its env, its exit status is cfpush's),
// several -c make one command line (as cf joins them), --json prints output and status, a shell reads
// stdin when it is not a terminal, and each refusal (no such instance, app
// stopped, ssh disabled, conflicting flags) names the cause and the next step.
// The host key check is a unit below (the foundation's key always matches).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fingerprintMatches, openSsh } from '../../src/core/ssh/client';
import { cliEnv, cliPath, repoRoot, type CliEnv } from '../helpers/cli';

describe('cfpush ssh', { timeout: 300_000 }, () => {
  let c: CliEnv;
  let token: string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${c.apiPort}${path}`, { ...init, headers: { authorization: token, 'content-type': 'application/json' } }).then(
      (r) => r.json() as any,
    );

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    token = (await c.ok(['oauth-token'])).stdout.trim();
    const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-ssh-')), 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: shelly\n  memory: 64M\n  env:\n    GREETING: from-the-manifest\n');
    await c.ok(['push'], { cwd: dir });
  });
  after(async () => c?.cleanup());

  it("-c runs in the instance with its environment, and its exit status is cfpush ssh's", async () => {
    const r = await c.run(['ssh', 'shelly', '-c', 'echo "$GREETING port=$PORT index=$CF_INSTANCE_INDEX"; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^from-the-manifest port=\d+ index=0$/m);
    // Repeated -c are joined with spaces, as the cf CLI joins them.
    const two = await c.ok(['ssh', 'shelly', '-c', 'echo', '-c', 'one two']);
    assert.equal(two.stdout, 'one two\n');
    const events = JSON.parse((await c.ok(['events', 'shelly', '--json'])).stdout).events.map((e: { type: string }) => e.type);
    assert.ok(events.includes('audit.app.ssh-authorized'), events.join(', '));
  });

  it('--json prints stdout, stderr and the exit status', async () => {
    const r = await c.run(['ssh', 'shelly', '--json', '-c', 'echo out; echo err >&2; exit 4']);
    assert.equal(r.code, 4, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(
      { app: j.app, process: j.process, index: j.index, status: j.exit_status, out: j.stdout, err: j.stderr },
      { app: 'shelly', process: 'web', index: 0, status: 4, out: 'out\n', err: 'err\n' },
    );
  });

  it('without -c a shell reads stdin (not a terminal) and its exit ends cfpush', async () => {
    const child = spawn(process.execPath, [cliPath, 'ssh', 'shelly'], { env: c.env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end('echo "in the shell: $GREETING"\nexit 7\n');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 7);
    assert.match(out, /in the shell: from-the-manifest/);
  });

  it('a host key other than the one CC advertises is refused before any login', async () => {
    const root = (await (await fetch(`http://127.0.0.1:${c.apiPort}/`)).json()) as any;
    const [host, port] = (root.links.app_ssh.href as string).split(':');
    const app = (await api('/v3/apps?names=shelly')).resources[0];
    const code = new URL(
      (
        await fetch(`http://127.0.0.1:${c.apiPort}/oauth/authorize?response_type=code&client_id=ssh-proxy`, {
          headers: { authorization: token },
          redirect: 'manual',
        })
      ).headers.get('location')!,
    ).searchParams.get('code')!;
    const ep = { host: host!, port: Number(port), username: `cf:${app.guid}/0`, password: code, app: 'shelly', process: 'web', index: 0 };
    const real = root.links.app_ssh.meta.host_key_fingerprint as string;
    const wrong = createHash('sha256').update('another key').digest('base64').replace(/=+$/, '');
    await assert.rejects(openSsh({ ...ep, fingerprint: wrong }, { command: 'true' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SshHostKeyMismatch');
      assert.match(err.message, /did not present the host key the API advertises/);
      return true;
    });
    // The same code still works with the real fingerprint: the refusal came before the login.
    const ch = await openSsh({ ...ep, fingerprint: real }, { command: 'echo ok' });
    ch.stream.resume();
    assert.equal(await ch.exited, 0);
  });

  it('refusals name the cause and what to do', async () => {
    const noInstance = await c.run(['ssh', 'shelly', '-i', '1', '-c', 'true']);
    assert.equal(noInstance.code, 1);
    assert.match(noInstance.stderr, /Instance 1 of process web not found[\s\S]*pick one with -i 0\.\.0/);

    const conflict = await c.run(['ssh', 'shelly', '-T', '-t']);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /cannot be used together[\s\S]*USAGE|cannot be used together/);

    const app = (await api('/v3/apps?names=shelly')).resources[0];
    await api(`/v3/apps/${app.guid}/features/ssh`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    const disabled = await c.run(['ssh', 'shelly', '-c', 'true']);
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /SSH is not available for app 'shelly': Disabled for app shelly[\s\S]*cf enable-ssh shelly/);
    await api(`/v3/apps/${app.guid}/features/ssh`, { method: 'PATCH', body: JSON.stringify({ enabled: true }) });

    await c.ok(['stop', 'shelly']);
    const stopped = await c.run(['ssh', 'shelly', '-c', 'true']);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /Application 'shelly' is not in the STARTED state[\s\S]*cfpush start shelly/);
    await c.ok(['start', 'shelly']);
    assert.equal((await c.ok(['ssh', 'shelly', '-c', 'echo back'])).stdout, 'back\n');
  });
});

describe('ssh host key fingerprints, as CC advertises them', () => {
  const key = randomBytes(104);
  const hex = (alg: string) => createHash(alg).update(key).digest('hex').match(/../g)!.join(':');
  it('matches SHA-256 base64 (43), SHA-1 hex (59) and MD5 hex (47); refuses others', () => {
    assert.ok(fingerprintMatches(key, createHash('sha256').update(key).digest('base64').replace(/=+$/, '')));
    assert.ok(fingerprintMatches(key, hex('sha1')));
    assert.ok(fingerprintMatches(key, hex('md5').toUpperCase()));
    assert.ok(!fingerprintMatches(randomBytes(104), createHash('sha256').update(key).digest('base64').replace(/=+$/, '')));
    assert.ok(!fingerprintMatches(key, ''));
    assert.ok(!fingerprintMatches(key, 'not-a-fingerprint'));
  });
});
