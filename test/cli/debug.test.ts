// `cfpush debug` against the local foundation (issue 20): the instance restarts
// under the Node.js inspector and cfpush prints where to attach (the inspector
// answers there); --stop restarts it without; the same flow through the app's
// environment and an ssh tunnel (--ssh, the path a remote CF takes) reaches an
// inspector too, the real cf CLI's `cf ssh -N -L` reaches the same agent, and
// --stop takes the variable out again. Core's startDebug over ssh, with the
// editor's confirm scripted: an app with ssh off is offered ssh (declined:
// nothing changed; the restart declined after it: ssh off again; accepted: it
// works, and ending puts ssh back off); a cancel after the variable was set
// (the signal aborted during the restart) leaves it exactly as it was, and ssh
// as it was. Refusals name the cause: a stopped app (over ssh too, before
// anything changes), an unknown one, a bad index, a taken port, ssh off and no
// terminal to ask on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDebug } from '../../src/core/actors/debug';
import type { Session } from '../../src/core/session';
import { openSession } from '../../src/core/targets';
import { localFoundation } from '../../src/foundation/access';
import { cfLogin, NO_CF, requireCf } from '../cfcli/cf';
import { cliEnv, cliPath, freePort, repoRoot, type CliEnv } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import { accepting } from '../helpers/ports';

async function inspectorAnswers(host: string, port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://${host}:${port}/json/version`);
    return /"Browser":\s*"node\.js/i.test(await r.text());
  } catch {
    return false;
  }
}

describe('cfpush debug', { timeout: 420_000 }, () => {
  let c: CliEnv;
  let s: Session;
  let guid = '';
  const saved = { ...process.env };
  const api = async (path: string, init: RequestInit = {}) => {
    const token = (await c.ok(['oauth-token'])).stdout.trim();
    const r = await fetch(`http://127.0.0.1:${c.apiPort}${path}`, {
      ...init,
      headers: { authorization: token, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });
    return r.status === 204 ? undefined : (r.json() as Promise<any>);
  };
  const nodeOptions = async () => ((await api(`/v3/apps/${guid}/environment_variables`)).var as Record<string, string>).NODE_OPTIONS;
  const sshEnabled = async () => (await api(`/v3/apps/${guid}/ssh_enabled`)).enabled as boolean;
  const setSsh = (enabled: boolean) => api(`/v3/apps/${guid}/features/ssh`, { method: 'PATCH', body: JSON.stringify({ enabled }) });

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-debug-')), 'app');
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: buggy\n  memory: 64M\n  env:\n    NODE_OPTIONS: --max-old-space-size=64\n');
    await c.ok(['push'], { cwd: dir });
    guid = (await api('/v3/apps?names=buggy')).resources[0].guid;
    // Core's startDebug in this process, as the editor calls it, against the same foundation.
    Object.assign(process.env, c.env);
    s = await openSession({ target: 'local', local: localFoundation });
  });
  after(async () => {
    process.env = saved;
    await c?.cleanup();
  });

  it('restarts instance 0 under the inspector and prints where to attach; --stop ends it', async () => {
    const r = await c.ok(['debug', 'buggy', '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.runtime, 'node');
    assert.equal(j.via, 'local');
    assert.equal(j.host, '127.0.0.1');
    assert.match(j.app_root, /\/app$/);
    assert.equal(j.source_root, j.app_root, 'Node runs, and names, its files in the droplet');
    assert.ok(await inspectorAnswers(j.host, j.port), `the inspector answers on ${j.host}:${j.port}`);
    // What `cf app` shows: the instance's details say it is being debugged.
    const token = (await c.ok(['oauth-token'])).stdout.trim();
    const api = (path: string) => fetch(`http://127.0.0.1:${c.apiPort}${path}`, { headers: { authorization: token } }).then((x) => x.json() as any);
    const guid = (await api('/v3/apps?names=buggy')).resources[0].guid;
    const stats = await api(`/v3/apps/${guid}/processes/web/stats`);
    assert.match(stats.resources[0].details, /^debugging: the Node\.js inspector on 127\.0\.0\.1:\d+$/);
    const text = await c.ok(['debug', 'buggy']);
    assert.match(text.stdout, new RegExp(`the Node\\.js inspector of buggy instance 0 listens on 127\\.0\\.0\\.1:${j.port}`), 'again: the same port');
    assert.match(text.stdout, /cfpush debug buggy --stop/);
    await c.ok(['debug', 'buggy', '--stop']);
    assert.equal(await inspectorAnswers(j.host, j.port), false, 'the inspector is gone');
  });

  it("--ssh: the agent through the environment (the app's own NODE_OPTIONS kept) and a tunnel; Ctrl-C closes the tunnel, the agent stays", async () => {
    const child = spawn(process.execPath, [cliPath, 'debug', 'buggy', '--ssh', '-f', '--json'], { env: c.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const t = setInterval(() => out.includes('\n') && (clearInterval(t), resolve(out.split('\n')[0]!)), 50);
        void exited.then(() => (clearInterval(t), reject(new Error(`cfpush debug --ssh exited: ${err}`))));
      });
      const j = JSON.parse(line);
      assert.equal(j.via, 'ssh');
      assert.equal(j.host, '127.0.0.1');
      assert.equal(j.source_root, j.app_root, "over ssh: the instance's working directory");
      assert.ok(await inspectorAnswers(j.host, j.port), `the inspector answers through the tunnel on ${j.port}`);
      const env = JSON.parse((await c.ok(['env', 'buggy', '--json'])).stdout);
      assert.match(JSON.stringify(env), /--max-old-space-size=64 --inspect=127\.0\.0\.1:9229/);
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
      assert.equal(await inspectorAnswers(j.host, j.port), false, 'the tunnel is closed');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("the cf CLI's `cf ssh -N -L` reaches the agent `cfpush debug --ssh` set", async (t) => {
    const cf = requireCf();
    if (!cf) return void t.skip(NO_CF);
    assert.match(await nodeOptions(), /--inspect=127\.0\.0\.1:9229/, 'the agent is still set (previous test)');
    const cfs = await cfLogin(cf, c);
    const port = await freePort();
    const child = spawn(cf, ['ssh', 'buggy', '-N', '-L', `${port}:127.0.0.1:9229`], { env: { ...process.env, CF_HOME: cfs.cfHome } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(`the inspector through cf ssh on ${port}`, async () => ((await inspectorAnswers('127.0.0.1', port)) ? true : undefined), 30_000).catch(
        (e: Error) => {
          throw new Error(`${e.message}; cf ssh said: ${out}`);
        },
      );
    } finally {
      child.kill();
      await cfs.cleanup();
    }
  });

  it('--ssh --stop takes the agent out again', async () => {
    await c.ok(['debug', 'buggy', '--ssh', '--stop']);
    const env = JSON.parse((await c.ok(['env', 'buggy', '--json'])).stdout);
    assert.doesNotMatch(JSON.stringify(env), /--inspect/);
    assert.match(JSON.stringify(env), /--max-old-space-size=64/, "the app's own option stays");
  });

  it('ssh off for the app, no -f and no terminal: refused naming -f, nothing changed', async () => {
    await setSsh(false);
    try {
      const before = await nodeOptions();
      const r = await c.run(['debug', 'buggy', '--ssh']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /SSH is disabled for buggy\. Enable it \(cf enable-ssh\).*There is no terminal to ask on\./s);
      assert.match(r.stderr, /Run it again with -f to enable ssh without asking/);
      assert.equal(await nodeOptions(), before, 'NODE_OPTIONS untouched');
      assert.equal(await sshEnabled(), false, 'ssh still off');
    } finally {
      await setSsh(true);
    }
  });

  it("core's startDebug over ssh, ssh off: the offer declined cancels with nothing changed; the restart declined turns ssh off again; accepted it works and ending puts everything back", async () => {
    await setSsh(false);
    try {
      const before = await nodeOptions();
      const asked: string[] = [];
      const answering =
        (...yes: string[]) =>
        async (question: string, action: string) => (asked.push(`${question} [${action}]`), yes.includes(action));

      await assert.rejects(startDebug(s, 'buggy', { via: 'ssh', confirm: answering() }), (e: Error & { code?: string }) => e.code === 'Cancelled');
      assert.deepEqual(asked, ['SSH is disabled for buggy. Enable it (cf enable-ssh) so the debugger can reach the instance? [Enable SSH]']);
      assert.equal(await sshEnabled(), false, 'declined: ssh still off');
      assert.equal(await nodeOptions(), before, 'declined: NODE_OPTIONS untouched');

      asked.length = 0;
      await assert.rejects(startDebug(s, 'buggy', { via: 'ssh', confirm: answering('Enable SSH') }), (e: Error & { code?: string }) => e.code === 'Cancelled');
      assert.equal(asked.length, 2);
      assert.match(
        asked[1]!,
        /^Debugging buggy sets NODE_OPTIONS="--max-old-space-size=64 --inspect=127\.0\.0\.1:9229" and restarts the app \(every instance\)\. \[Restart with Debugger\]$/,
      );
      assert.equal(await sshEnabled(), false, 'the restart declined: ssh off again');
      assert.equal(await nodeOptions(), before);

      const h = await startDebug(s, 'buggy', { via: 'ssh', confirm: answering('Enable SSH', 'Restart with Debugger') });
      try {
        assert.equal(h.via, 'ssh');
        assert.ok(await inspectorAnswers(h.host, h.port), 'the inspector answers through the tunnel');
        assert.equal(await sshEnabled(), true);
      } finally {
        await h.end({ restart: true });
      }
      assert.equal(await nodeOptions(), before, 'ended: the agent taken out');
      assert.equal(await sshEnabled(), false, 'ended: ssh off again, as it was');
      assert.equal(await accepting(h.port), false, "the tunnel's port is closed");
    } finally {
      await setSsh(true);
    }
  });

  it('cancelled after the variable was set (the signal aborted during the restart): NODE_OPTIONS exactly as before, ssh as before', async () => {
    // The app's own agent on another port, first in the line: undoing must put back this exact value, not strip agents.
    const own = '--inspect=127.0.0.1:9239 --max-old-space-size=64';
    await api(`/v3/apps/${guid}/environment_variables`, { method: 'PATCH', body: JSON.stringify({ var: { NODE_OPTIONS: own } }) });
    await setSsh(false);
    try {
      const abort = new AbortController();
      const lines: string[] = [];
      await assert.rejects(
        startDebug(s, 'buggy', {
          via: 'ssh',
          remotePort: 9238,
          signal: abort.signal,
          confirm: async () => true,
          progress: (line) => {
            lines.push(line);
            if (/^Restarting buggy/.test(line)) abort.abort();
          },
        }),
        (e: Error & { code?: string }) => e.code === 'Cancelled',
      );
      assert.ok(
        lines.some((l) => /^Restarting buggy with the Node\.js inspector on port 9238/.test(l)),
        lines.join('\n'),
      );
      assert.equal(await nodeOptions(), own, 'NODE_OPTIONS as before');
      assert.equal(await sshEnabled(), false, 'ssh off, as before');
    } finally {
      await setSsh(true);
      await api(`/v3/apps/${guid}/environment_variables`, { method: 'PATCH', body: JSON.stringify({ var: { NODE_OPTIONS: '--max-old-space-size=64' } }) });
      await c.ok(['restart', 'buggy']);
    }
  });

  it('refusals name the cause and the next step', async () => {
    const unknown = await c.run(['debug', 'no-such-app']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /App 'no-such-app' not found/);
    const badIndex = await c.run(['debug', 'buggy', '-i', 'x']);
    assert.notEqual(badIndex.code, 0);
    assert.match(badIndex.stderr, /INDEX 'x' must be a whole number/);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await c.run(['debug', 'buggy', '--port', String(port)]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      taken.close();
    }
    await c.ok(['stop', 'buggy']);
    const stopped = await c.run(['debug', 'buggy']);
    assert.notEqual(stopped.code, 0);
    assert.match(stopped.stderr, /is stopped.*cfpush start buggy/s);
    // Over ssh the restart would start it: refused before the variable is set.
    const before = await nodeOptions();
    const overSsh = await c.run(['debug', 'buggy', '--ssh', '-f']);
    assert.notEqual(overSsh.code, 0);
    assert.match(overSsh.stderr, /App 'buggy' is stopped, so there is no instance to debug.*cfpush start buggy/s);
    assert.equal(await nodeOptions(), before, 'NODE_OPTIONS untouched');
    assert.equal((await api(`/v3/apps/${guid}`)).state, 'STOPPED', 'still stopped');
  });
});
