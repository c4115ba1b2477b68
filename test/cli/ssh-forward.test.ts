// `cfpush ssh APP -L ... [-N]` (issue 20 point 3) against the local
// foundation's ssh proxy, as `cf ssh -L` is used: with -N the forwards run
// until SIGINT / SIGTERM (exit 0, the ports closed after), reaching the app's
// port and another loopback port the instance listens on; a refused forward
// closes that connection, names the address on stderr and the tunnel stays;
// without -N the command runs while forwarding. Bad specs get cf's message, a
// taken local port a clear error, ssh turned off the usual refusal. The real
// cf CLI's `cf ssh -N -L` reaches the same app. openTunnel is then used as the
// extension would: one connection carries concurrent forwards, close() frees
// the ports, a failed bind leaves nothing listening.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { httpGet } from '../../src/core/http-get';
import type { SshEndpoint } from '../../src/core/ssh/endpoint';
import { openTunnel, parseForwardSpec } from '../../src/core/ssh/forward';
import { cfLogin, NO_CF, requireCf, type CfSession } from '../cfcli/cf';
import { cliEnv, cliPath, freePort, repoRoot, type CliEnv } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import { accepting } from '../helpers/ports';

const APP = 'tunnel';

/** A running `cfpush` (its output so far, a wait for a line, its exit code). */
interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves the first match of `re` in stdout or stderr (stderr when `err`). */
  line(re: RegExp, err?: boolean): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function start(c: CliEnv, args: string[]): Running {
  const child = spawn(process.execPath, [cliPath, ...args], { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
  void exited.then(() => clearTimeout(kill));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (re, onErr = false) =>
      eventually(`${re} from cfpush ${args.join(' ')}`, async () => {
        const m = re.exec(onErr ? err : out);
        if (!m && done) throw new Error(`cfpush exited first:\n${out}\n${err}`);
        return m ?? undefined;
      }),
    exited,
  };
}

/** The body a raw HTTP/1.0 request on a new connection to port gets back; '' when the connection is closed (or reset) unanswered. */
function rawGet(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.once('error', () => {});
    s.once('close', () => resolve(got.split('\r\n\r\n').slice(1).join('\r\n\r\n')));
    s.once('connect', () => s.write('GET / HTTP/1.0\r\n\r\n'));
  });
}

describe('cfpush ssh -L', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let token: string;
  /** A second server the app opens on the instance's loopback, and a port nothing listens on there. */
  let second: number;
  let nothing: number;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${c.apiPort}${path}`, { ...init, headers: { authorization: token, 'content-type': 'application/json' } }).then(
      (r) => r.json() as any,
    );

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    token = (await c.ok(['oauth-token'])).stdout.trim();
    second = await freePort();
    nothing = await freePort();
    const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-tunnel-')), 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    // The sample, plus an admin-style server on the instance's loopback only (not routed).
    writeFileSync(
      join(dir, 'both.js'),
      "require('./server.js');\nrequire('http').createServer((q, r) => r.end('second server')).listen(Number(process.env.SECOND_PORT), '127.0.0.1');\n",
    );
    writeFileSync(
      join(dir, 'manifest.yml'),
      `---\napplications:\n- name: ${APP}\n  memory: 64M\n  command: node both.js\n  env:\n    SECOND_PORT: "${second}"\n`,
    );
    await c.ok(['push'], { cwd: dir });
  });
  after(async () => c?.cleanup());

  it('-N -L 0:127.0.0.1:8080 forwards a system-picked port to the app until SIGINT, then exits 0 and the port is closed', async () => {
    const r = start(c, ['ssh', APP, '-N', '-L', '0:127.0.0.1:8080']);
    // Not a terminal, but the port was the system's pick: the line is the only way to learn it.
    const m = await r.line(/^Forwarding 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:8080$/m, true);
    const port = Number(m[1]);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'hello CF summit');
    assert.equal((await httpGet(`http://127.0.0.1:${port}/again`)).body, 'hello CF summit', 'each connection is forwarded');
    assert.equal(r.stdout(), '', 'cf prints nothing for -N; nor do we on stdout');
    r.child.kill('SIGINT');
    assert.equal(await r.exited, 0, r.stderr());
    assert.equal(await accepting(port), false, 'the local port is closed after');
    const events = JSON.parse((await c.ok(['events', APP, '--json'])).stdout).events.map((e: { type: string }) => e.type);
    assert.ok(events.includes('audit.app.ssh-authorized'), events.join(', '));
  });

  it('--json -N prints where each forward listens; another loopback port reaches what the instance listens on; a refused one is named and the tunnel stays', async () => {
    const fixed = await freePort();
    const r = start(c, ['ssh', APP, '-N', '--json', '-L', `${fixed}:localhost:${second}`, '-L', `0:localhost:${nothing}`, '-L', 'localhost:0:localhost:8080']);
    const j = JSON.parse((await r.line(/^\{.*\}$/m))[0]);
    assert.equal(j.app, APP);
    assert.equal(j.process, 'web');
    assert.equal(j.index, 0);
    assert.equal(j.listening.length, 3);
    assert.deepEqual(j.listening[0], { host: '127.0.0.1', port: fixed, remoteHost: 'localhost', remotePort: second });
    assert.deepEqual({ ...j.listening[1], port: 0 }, { host: '127.0.0.1', port: 0, remoteHost: 'localhost', remotePort: nothing });
    assert.ok(j.listening[1].port > 0);
    assert.equal(r.stderr(), '', 'with --json, no Forwarding lines');

    assert.equal((await httpGet(`http://127.0.0.1:${fixed}/`)).body, 'second server');
    // Nothing listens there in the instance: the forwarded connection is closed, cfpush says which address.
    assert.equal(await rawGet(j.listening[1].port), '');
    await r.line(new RegExp(`^connect to localhost:${nothing} failed: rejected: connect failed`, 'm'), true);
    // ...and keeps forwarding.
    assert.equal((await httpGet(`http://127.0.0.1:${j.listening[2].port}/`)).body, 'hello CF summit');
    assert.equal((await httpGet(`http://127.0.0.1:${fixed}/`)).body, 'second server');
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0, r.stderr());
    for (const l of j.listening) assert.equal(await accepting(l.port), false, `${l.port} is closed after`);
  });

  it('without -N the command runs while the ports forward, and its exit ends both', async () => {
    const port = await freePort();
    const r = start(c, ['ssh', APP, '-L', `${port}:localhost:8080`, '-c', 'sleep 4; echo done; exit 5']);
    const body = await eventually('the forwarded port', async () => (await httpGet(`http://127.0.0.1:${port}/`)).body);
    assert.equal(body, 'hello CF summit');
    assert.equal(await r.exited, 5, r.stderr());
    assert.equal(r.stdout(), 'done\n');
    assert.equal(r.stderr(), '', 'a fixed port on a pipe: nothing printed, as cf');
    assert.equal(await accepting(port), false);

    const j = await c.run(['ssh', APP, '--json', '-L', '0:localhost:8080', '-c', 'echo hi']);
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout);
    assert.equal(out.stdout, 'hi\n');
    assert.equal(out.forwards[0].remotePort, 8080);
    assert.equal(j.stderr, '');
  });

  it("bad specs get cf's message and exit 1; -N with -c is refused", async () => {
    for (const [spec, why] of [
      ['abc', /1 part\(s\)/],
      ['1:2', /2 part\(s\)/],
      ['I:AM:A:BANANA:909', /5 part\(s\)/],
      [':8080:localhost:8080', /empty/],
      ['8888:AM:potato', /must be numbers/],
      ['1:localhost:70000', /remote port 70000 is out of range/],
      ['70000:localhost:1', /local port 70000 is out of range/],
    ] as const) {
      const r = await c.run(['ssh', APP, '-N', '-L', spec]);
      assert.equal(r.code, 1, spec);
      assert.match(r.stderr, new RegExp(`Incorrect usage: Bad local forwarding specification '${spec}'\\n`), spec);
      assert.match(r.stderr, why, spec);
      assert.match(r.stderr, /\[BIND_ADDRESS:\]LOCAL_PORT:REMOTE_HOST:REMOTE_PORT[\s\S]*Usage: cfpush ssh APP/, spec);
    }
    const both = await c.run(['ssh', APP, '-N', '-c', 'true', '-L', '0:localhost:8080']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /-N runs no remote command/);
  });

  it('a local port in use: a clear error naming it, exit 1, nothing left listening', async () => {
    const held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const port = (held.address() as { port: number }).port;
    const first = await freePort();
    try {
      const r = await c.run(['ssh', APP, '-N', '-L', `${first}:localhost:8080`, '-L', `${port}:localhost:8080`]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`Cannot forward localhost:${port} to localhost:8080: local port ${port} is already in use\\.`));
      assert.match(r.stderr, new RegExp(`pick another local port \\(0 lets the system choose one\\): -L ${port + 1}:localhost:8080`));
      assert.equal(await accepting(first), false, 'the forward bound before it was closed');
    } finally {
      held.close();
    }
  });

  it('ssh turned off for the app: the usual refusal', async () => {
    const app = (await api(`/v3/apps?names=${APP}`)).resources[0];
    await api(`/v3/apps/${app.guid}/features/ssh`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    try {
      const r = await c.run(['ssh', APP, '-N', '-L', '0:localhost:8080']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`SSH is not available for app '${APP}': Disabled for app ${APP}[\\s\\S]*cf enable-ssh ${APP}`));
      assert.doesNotMatch(r.stderr, /Forwarding/);
    } finally {
      await api(`/v3/apps/${app.guid}/features/ssh`, { method: 'PATCH', body: JSON.stringify({ enabled: true }) });
    }
  });

  test("the cf CLI's `cf ssh -N -L` reaches the same app", async (t) => {
    const cf = requireCf();
    if (!cf) return void t.skip(NO_CF);
    const s: CfSession = await cfLogin(cf, c);
    const port = await freePort();
    const child = spawn(cf, ['ssh', APP, '-N', '-L', `${port}:127.0.0.1:8080`], { env: { ...process.env, CF_HOME: s.cfHome } });
    try {
      const body = await eventually('the port cf forwards', async () => (await httpGet(`http://127.0.0.1:${port}/`)).body);
      assert.equal(body, 'hello CF summit');
    } finally {
      child.kill();
      await s.cleanup();
    }
  });

  describe('openTunnel, as the extension would use it', () => {
    /** An endpoint with a fresh one-time code, as sshEndpoint gives it. */
    async function endpoint(): Promise<SshEndpoint> {
      const root = (await (await fetch(`http://127.0.0.1:${c.apiPort}/`)).json()) as any;
      const [host, port] = (root.links.app_ssh.href as string).split(':');
      const app = (await api(`/v3/apps?names=${APP}`)).resources[0];
      const res = await fetch(`http://127.0.0.1:${c.apiPort}/oauth/authorize?response_type=code&client_id=ssh-proxy`, {
        headers: { authorization: token },
        redirect: 'manual',
      });
      const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
      return {
        host: host!,
        port: Number(port),
        fingerprint: root.links.app_ssh.meta.host_key_fingerprint,
        username: `cf:${app.guid}/0`,
        password: code,
        app: APP,
        process: 'web',
        index: 0,
      };
    }

    it('two concurrent connections through one tunnel both work; close() resolves and frees the port', async () => {
      const failures: string[] = [];
      const tunnel = await openTunnel(await endpoint(), [parseForwardSpec('0:localhost:8080'), parseForwardSpec(`0:localhost:${second}`)], {
        onForwardFailed: (f) => failures.push(f.message),
      });
      const [app, other] = tunnel.listening;
      assert.equal(app!.host, '127.0.0.1');
      // Both connections are open at once before either is answered.
      const a = connect(app!.port, '127.0.0.1');
      const b = connect(app!.port, '127.0.0.1');
      const body = (s: ReturnType<typeof connect>) =>
        new Promise<string>((resolve, reject) => {
          let got = '';
          s.on('data', (d: Buffer) => (got += d.toString()));
          s.once('error', reject);
          s.once('close', () => resolve(got.split('\r\n\r\n')[1] ?? ''));
        });
      const [ba, bb] = [body(a), body(b)];
      await Promise.all([a, b].map((s) => new Promise((r) => s.once('connect', r))));
      a.write('GET /a HTTP/1.0\r\n\r\n');
      b.write('GET /b HTTP/1.0\r\n\r\n');
      assert.deepEqual(await Promise.all([ba, bb, rawGet(other!.port)]), ['hello CF summit', 'hello CF summit', 'second server']);
      assert.deepEqual(failures, []);
      await tunnel.close();
      assert.equal(await tunnel.closed, undefined, 'closed by us: no error');
      assert.equal(await accepting(app!.port), false);
      assert.equal(await accepting(other!.port), false);
    });

    it('a port that cannot be bound rejects with PortInUse, and the forwards bound before it are closed', async () => {
      const held: Server = createServer();
      await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
      const port = (held.address() as { port: number }).port;
      const first = await freePort();
      try {
        await assert.rejects(
          openTunnel(await endpoint(), [parseForwardSpec(`${first}:localhost:8080`), parseForwardSpec(`127.0.0.1:${port}:localhost:8080`)]),
          (err: Error & { code?: string; hint?: string }) => {
            assert.equal(err.code, 'PortInUse');
            assert.match(err.message, new RegExp(`local port ${port} is already in use`));
            assert.match(err.hint!, new RegExp(`-L 127\\.0\\.0\\.1:${port + 1}:localhost:8080`));
            return true;
          },
        );
        assert.equal(await accepting(first), false);
      } finally {
        held.close();
      }
    });

    it('parseForwardSpec: the local address is localhost unless given, as cf', () => {
      assert.deepEqual(parseForwardSpec('8888:remote:8080'), { localHost: 'localhost', localPort: 8888, remoteHost: 'remote', remotePort: 8080 });
      assert.deepEqual(parseForwardSpec('0.0.0.0:8888:remote:8080'), { localHost: '0.0.0.0', localPort: 8888, remoteHost: 'remote', remotePort: 8080 });
      for (const bad of ['IAMABANANA909009009', 'IAMABANANA:909009009', 'I:AM:A:', 'I:AM:8888', 'localhost:foo:AM:8888', 'localhost:8080:AM:bar'])
        assert.throws(
          () => parseForwardSpec(bad),
          (err: Error & { code?: string }) => err.code === 'ForwardSpecInvalid' && err.message === `Bad local forwarding specification '${bad}'`,
          bad,
        );
    });

    it('the connection ending under it (the foundation stopping) resolves closed with the error and closes the ports; the CLI exits 1', async () => {
      const tunnel = await openTunnel(await endpoint(), [parseForwardSpec('0:localhost:8080')]);
      const r = start(c, ['ssh', APP, '-N', '--json', '-L', '0:localhost:8080']);
      const j = JSON.parse((await r.line(/^\{.*\}$/m))[0]);
      await c.ok(['foundation', 'stop']);
      const err = await tunnel.closed;
      assert.match(String(err?.message), /the ssh proxy closed the connection/);
      assert.equal(await accepting(tunnel.listening[0]!.port), false);
      assert.equal(await r.exited, 1, r.stderr());
      assert.match(r.stderr(), new RegExp(`The ssh connection to ${APP} broke: .*The forwarded ports are closed\\.`));
      assert.equal(await accepting(j.listening[0].port), false);
      await tunnel.close();
    });
  });
});
