// The real cf CLI's `cf ssh` against the local foundation's ssh endpoint
// (issue 15 item 3): a command runs in the instance's environment and its exit
// status comes back, -L forwards to the app's port, -t gives a terminal,
// `cf ssh-code` codes work once, and CC's refusals (ssh off for the app or
// the space, app stopped, no such instance) reach the CLI. The same against
// the container runtime (needs Docker and the stack image). A window change
// is checked with an ssh2 client, as the CLI's terminal cannot be resized here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Client, type ClientChannel } from 'ssh2';
import { httpGet } from '../../src/core/http-get';
import { requireStack } from '../export/stack';
import { freePort } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

/** `cf ssh APP -t` in a terminal `script` gives it, fed `input` line by line; its output and exit code. */
function ttySession(s: CfSession, cf: string, app: string, input: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', `stty rows 33 cols 111; ${cf} ssh ${app} -t`, '/dev/null'], {
      env: { ...process.env, CF_HOME: s.cfHome, CF_COLOR: 'false', TERM: 'xterm' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let i = 0;
    const feed = setInterval(() => (i < input.length ? child.stdin.write(`${input[i++]}\r`) : undefined), 1500);
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearInterval(feed);
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

/** An ssh2 connection to the foundation's ssh endpoint as `cf ssh` makes it; rejects when refused. */
async function connect(s: CfSession, user: string, code: string): Promise<Client> {
  const root = JSON.parse((await s.ok(['curl', '/'])).stdout);
  const [host, port] = (root.links.app_ssh.href as string).split(':');
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host, port: Number(port), username: user, password: code, readyTimeout: 20_000 });
  });
}

/** Writes a line to a shell and waits for output matching `re`. */
function expectOutput(ch: ClientChannel, line: string, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} in ${JSON.stringify(out)}`)), 15_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        ch.off('data', on);
        resolve(m[0]);
      }
    };
    ch.on('data', on);
    ch.write(`${line}\n`);
  });
}

function sshSuite(name: string, startArgs: string[], needs: (t: TestContext) => Promise<boolean>, appDirPattern: RegExp) {
  describe(name, { timeout: 900_000 }, () => {
    let s: CfSession | undefined;
    let cf = '';
    let ready = false;

    before(async () => {
      const bin = requireCf();
      if (!bin) return;
      cf = bin;
    });
    after(async () => s?.cleanup());

    async function session(t: TestContext): Promise<CfSession | undefined> {
      if (!cf) return void t.skip(NO_CF);
      if (!(await needs(t))) return undefined;
      if (!ready) {
        s = await cfSession(cf, startArgs);
        await s.ok(['push', 'ssh-app', '-m', '64M', '-p', exampleApp('hello-node', 'ssh-app')]);
        ready = true;
      }
      return s;
    }

    test('cf ssh -c runs in the instance: its env, its working dir, its exit status', async (t) => {
      const s = await session(t);
      if (!s) return;
      const r = await s.run(['ssh', 'ssh-app', '-c', 'echo "$VCAP_APPLICATION"; pwd; echo "port=$PORT"; echo oops >&2; exit 3']);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stdout, /"application_name":"ssh-app"/);
      assert.match(r.stdout, appDirPattern);
      assert.match(r.stdout, /^port=\d+$/m);
      assert.match(r.stderr, /oops/);
      assert.match(r.trace, /GET \/oauth\/authorize\?client_id=ssh-proxy&response_type=code/);
      const node = await s.ok(['ssh', 'ssh-app', '-c', 'node -e "console.log(1 + 1)"']);
      assert.match(node.stdout, /^2$/m, "the droplet's profile.d is sourced (the buildpack's node is on PATH)");
      assert.match((await s.ok(['events', 'ssh-app'])).stdout, /audit\.app\.ssh-authorized/);
    });

    test('cf ssh -L forwards a local port to the app', async (t) => {
      const s = await session(t);
      if (!s) return;
      const port = await freePort();
      const child = spawn(cf, ['ssh', 'ssh-app', '-N', '-L', `${port}:localhost:8080`], { env: { ...process.env, CF_HOME: s.cfHome } });
      try {
        const body = await eventually('the forwarded port', async () => (await httpGet(`http://127.0.0.1:${port}/`)).body);
        assert.equal(body, 'hello CF summit');
      } finally {
        child.kill();
      }
    });

    test('cf ssh -t: a shell on a terminal of the client size, its exit status', async (t) => {
      const s = await session(t);
      if (!s) return;
      const r = await ttySession(s, cf, 'ssh-app', ['echo "TERM=$TERM"; tty; stty size', 'exit 4']);
      assert.equal(r.code, 4, r.out);
      assert.match(r.out, /TERM=xterm/);
      assert.match(r.out, /\/dev\/pts\/\d+/);
      assert.match(r.out, /33 111/);
    });

    test('cf ssh-code: a code opens one connection, once; a window change resizes the terminal', async (t) => {
      const s = await session(t);
      if (!s) return;
      const code = (await s.ok(['ssh-code'])).stdout.trim();
      assert.match(code, /^\w{16,}$/);
      const guid = (await s.ok(['app', 'ssh-app', '--guid'])).stdout.trim();
      const web = JSON.parse((await s.ok(['curl', `/v3/apps/${guid}/processes/web`])).stdout).guid as string;
      const client = await connect(s, `cf:${web}/0`, code);
      try {
        const ch = await new Promise<ClientChannel>((resolve, reject) =>
          client.shell({ term: 'xterm', rows: 20, cols: 70 }, (err, c) => (err ? reject(err) : resolve(c))),
        );
        assert.equal(await expectOutput(ch, 'stty size', /20 70/), '20 70');
        ch.setWindow(40, 100, 0, 0);
        assert.equal(await expectOutput(ch, 'sleep 1; stty size', /40 100/), '40 100');
        ch.end('exit\n');
      } finally {
        client.end();
      }
      await assert.rejects(connect(s, `cf:${web}/0`, code), /authentication/i, 'a code works once');
    });

    test("CC's refusals: ssh off for the app or the space, the app stopped, no such instance", async (t) => {
      const s = await session(t);
      if (!s) return;
      const refused = async (args: string[], re: RegExp) => {
        const r = await s.run(['ssh', 'ssh-app', ...args, '-c', 'echo in']);
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stdout + r.stderr, re);
      };
      await s.ok(['disable-ssh', 'ssh-app']);
      await refused([], /not authorized/);
      await s.ok(['enable-ssh', 'ssh-app']);
      await s.ok(['disallow-space-ssh', 'space']);
      await refused([], /not authorized/);
      await s.ok(['allow-space-ssh', 'space']);
      await refused(['-i', '5'], /Instance 5 of process web not found/);
      await s.ok(['stop', 'ssh-app']);
      await refused([], /Application 'ssh-app' is not in the STARTED state/);
      await s.ok(['start', 'ssh-app']);
      assert.equal((await s.ok(['ssh', 'ssh-app', '-c', 'echo in'])).stdout.trim(), 'in');
      assert.match((await s.ok(['events', 'ssh-app'])).stdout, /audit\.app\.ssh-unauthorized/);
    });

    test('a task runs in this runtime too', async (t) => {
      const s = await session(t);
      if (!s) return;
      await s.ok(['run-task', 'ssh-app', '-c', 'echo "task in $PWD port=${PORT:-none}"', '--name', 'where']);
      const logs = await eventually('the task output', async () => {
        const r = await s.ok(['logs', 'ssh-app', '--recent']);
        return /\[APP\/TASK\/where\/0\]\s+OUT Exit status 0/.test(r.stdout) ? r.stdout : undefined;
      });
      assert.match(logs, /\[APP\/TASK\/where\/0\]\s+OUT task in \S+\/app port=none/);
    });
  });
}

sshSuite('cf CLI: ssh (host processes)', [], async () => true, /\/droplets\/[0-9a-f]+\/app$/m);
sshSuite('cf CLI: ssh (containers of the stack image)', ['--app-runtime', 'container'], async (t) => !!(await requireStack(t)), /^\/home\/vcap\/app$/m);
