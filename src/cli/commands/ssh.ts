// `cfpush ssh APP`: cf ssh's names and meaning. With -c a command runs and
// cfpush exits with its status; without, a login shell, with a terminal when
// this one is (cf's -t / -T / --force-pseudo-tty decide otherwise). --json,
// which cf lacks, runs -c and prints what it said and how it ended. -L
// forwards local ports to the instance over the same connection while the
// command or shell runs; with -N (--skip-remote-execution) nothing runs and
// the forwards last until Ctrl-C / SIGTERM, as `cf ssh -N` does.
import { CfPushError } from '../../core/errors';
import { openSsh, type SshChannel } from '../../core/ssh/client';
import { sshEndpoint } from '../../core/ssh/endpoint';
import { openTunnel, parseForwardSpec, type ForwardSpec, type Tunnel } from '../../core/ssh/forward';
import { parse, need, spec, usageError, usageOf } from '../args';
import { terminalReporter } from '../reporter';
import { session, type Command } from './common';

export const SSH = spec({
  name: 'ssh',
  args: 'APP',
  summary: 'Open a shell in an app instance, or run a command there',
  flags: {
    command: {
      type: 'string',
      short: 'c',
      multiple: true,
      arg: 'COMMAND',
      help: 'Run this command instead of a shell (given several times, they are joined with spaces, as cf does)',
    },
    'app-instance-index': { type: 'string', short: 'i', arg: 'INDEX', help: 'The instance to reach (default 0)' },
    process: { type: 'string', arg: 'TYPE', help: "The process type whose instance to reach (default 'web')" },
    'request-pseudo-tty': { type: 'boolean', short: 't', help: 'Ask for a terminal when this one is one' },
    'force-pseudo-tty': { type: 'boolean', help: 'Ask for a terminal even when this one is not' },
    'disable-pseudo-tty': { type: 'boolean', short: 'T', help: 'Never ask for a terminal' },
    'local-port-forward': {
      type: 'string',
      short: 'L',
      multiple: true,
      arg: 'SPEC',
      help: 'Forward a local port into the instance: SPEC is [BIND_ADDRESS:]LOCAL_PORT:REMOTE_HOST:REMOTE_PORT (BIND_ADDRESS localhost unless given; LOCAL_PORT 0 lets the system pick)',
    },
    'skip-remote-execution': { type: 'boolean', short: 'N', help: 'Run no command or shell: only forward the -L ports, until interrupted' },
    json: { type: 'boolean', help: 'With -c: print the output and exit status as JSON; with -N: print where each -L listens, as one JSON line, once ready' },
  },
  notes: [
    "Exits with the remote command's status, as cf ssh does.",
    "Port forwarding: `cfpush ssh APP -N -L 8080:localhost:8080` makes the instance's port 8080 (the app) http://localhost:8080 here until Ctrl-C;",
    'another loopback port reaches what the instance itself listens on. A forward the instance refuses prints "connect to HOST:PORT failed" and the tunnel stays.',
  ],
});

export const sshCmd: Command = async (argv) => {
  const usage = SSH;
  const { values, positionals } = parse(argv, usage);
  const appName = need(positionals[0], 'APP', usage);
  const index = values['app-instance-index'] === undefined ? 0 : Number(values['app-instance-index']);
  if (!Number.isInteger(index) || index < 0) throw usageError(`INDEX '${values['app-instance-index']}' must be a whole number, 0 or more.`, usage);
  // cf joins repeated -c with spaces: `-c echo -c hi` runs "echo hi".
  const command = values.command?.join(' ');
  const forwards = (values['local-port-forward'] ?? []).map((s) => forwardSpec(s));
  const skip = !!values['skip-remote-execution'];
  if (skip && command !== undefined) throw usageError('-N runs no remote command: give -c or -N, not both.', usage);
  if (values.json && command === undefined && !skip) throw usageError('--json needs a command (-c) or -N: an interactive shell has no result to print.', usage);
  if (values['disable-pseudo-tty'] && (values['request-pseudo-tty'] || values['force-pseudo-tty']))
    throw usageError(
      'Incorrect Usage: The following arguments cannot be used together: --disable-pseudo-tty, -T, --force-pseudo-tty, --request-pseudo-tty, -t',
      usage,
    );
  // cf decides from stdin alone.
  const interactive = !!process.stdin.isTTY && !values.json;
  // cf's rule: a terminal for a shell on a terminal; for a command only when asked.
  const wantTty = !!(
    !values['disable-pseudo-tty'] &&
    !values.json &&
    (values['force-pseudo-tty'] || (interactive && (command === undefined || values['request-pseudo-tty'])))
  );
  const s = await session(terminalReporter(!!values.json));
  const ep = await sshEndpoint(s, appName, { index, process: values.process });
  const open = {
    command,
    tty: wantTty ? { term: process.env.TERM || 'xterm', rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 } : undefined,
  };
  if (!skip && forwards.length === 0) {
    process.exitCode = await runSession(await openSsh(ep, open), { app: appName, process: ep.process, index, command }, !!values.json, wantTty);
    return;
  }
  const tunnel = await openTunnel(ep, forwards, { onForwardFailed: (f) => process.stderr.write(`${f.message}\n`) });
  announce(tunnel, forwards, !!values.json, skip, { app: appName, process: ep.process, index });
  if (skip) return holdOpen(tunnel, appName);
  try {
    const ch = await tunnel.session(open);
    const about = { app: appName, process: ep.process, index, command, forwards: tunnel.listening };
    process.exitCode = await runSession(ch, about, !!values.json, wantTty);
  } finally {
    await tunnel.close();
  }
};

/** A -L spec, or cf's usage error for it (with what was wrong). */
function forwardSpec(s: string): ForwardSpec {
  try {
    return parseForwardSpec(s);
  } catch (err) {
    const e = err as CfPushError;
    throw new CfPushError(`Incorrect usage: ${e.message}`, { code: e.code, hint: `${e.hint}\nUsage: ${usageOf(SSH)}` });
  }
}

/**
 * Where the forwards listen. cf prints nothing; so do we on a pipe (scripts
 * see what cf would show them, and --json gives them the addresses), except
 * when the system picked a port: printing it is the only way to learn it. On a
 * terminal a person started this and waits for a sign it is ready.
 */
function announce(tunnel: Tunnel, forwards: ForwardSpec[], json: boolean, skip: boolean, about: { app: string; process: string; index: number }): void {
  // With -c, --json's result names them at the end.
  if (json) return void (skip && console.log(JSON.stringify({ ...about, listening: tunnel.listening })));
  if (!process.stderr.isTTY && !forwards.some((f) => f.localPort === 0)) return;
  for (const l of tunnel.listening) process.stderr.write(`Forwarding ${l.host}:${l.port} -> ${l.remoteHost}:${l.remotePort}\n`);
}

/** -N: forwards until SIGINT / SIGTERM (then exit 0), or fails when the ssh connection breaks. */
async function holdOpen(tunnel: Tunnel, appName: string): Promise<void> {
  let stop = () => {};
  const stopped = new Promise<undefined>((resolve) => (stop = () => resolve(undefined)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const broke = await Promise.race([tunnel.closed, stopped]);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await tunnel.close();
  if (broke)
    throw new CfPushError(`The ssh connection to ${appName} broke: ${broke.message}. The forwarded ports are closed.`, {
      code: 'SshFailed',
      hint: 'The instance may have stopped or restarted, or the network dropped: check `cfpush apps`, then run the command again.',
    });
}

/** Wires a session to this terminal (or collects it for --json) and resolves its exit status. */
async function runSession(ch: SshChannel, about: Record<string, unknown>, json: boolean, wantTty: boolean): Promise<number> {
  if (json) {
    let stdout = '';
    let stderr = '';
    ch.stream.on('data', (d: Buffer) => (stdout += d.toString()));
    ch.stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    ch.stream.end();
    const status = await ch.exited;
    console.log(JSON.stringify({ ...about, exit_status: status, stdout, stderr }, null, 2));
    return status;
  }
  const raw = wantTty && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const onResize = () => ch.resize(process.stdout.rows, process.stdout.columns);
  if (wantTty) process.stdout.on('resize', onResize);
  process.stdin.pipe(ch.stream);
  ch.stream.pipe(process.stdout, { end: false });
  ch.stream.stderr.pipe(process.stderr, { end: false });
  const status = await ch.exited;
  const lost = ch.error();
  if (status === 255 && lost) process.stderr.write(`\nThe ssh connection to ${about.app} broke: ${lost.message}\n`);
  process.stdin.unpipe(ch.stream);
  process.stdin.pause();
  if (raw) process.stdin.setRawMode(false);
  process.stdout.off('resize', onResize);
  return status;
}
