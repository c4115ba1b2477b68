// One ssh session channel (`cf ssh`'s exec or shell) as Diego's sshd serves
// it: an optional pty request (TERM and size; window changes resize it), then
// `exec` (`cf ssh -c CMD`) or `shell`, run through the instance's
// RunningProcess.exec; the client's input goes to its stdin (EOF closes it),
// its output comes back, and its exit status ends the channel (cf exits with
// it). A session dies with its instance, and a closed channel kills it.
import type { Readable } from 'node:stream';
import type { AcceptConnection, RejectConnection, ServerChannel, Session } from 'ssh2';
import type { ExecProcess, ExecSpec, RunningProcess } from '../runtime/types';

const ended = (s: Readable) => new Promise<void>((resolve) => (s.readableEnded || s.destroyed ? resolve() : s.once('close', resolve).once('end', resolve)));

export function serveSession(session: Session, instance: RunningProcess): void {
  let tty: ExecSpec['tty'];
  let running: ExecProcess | undefined;
  session.on('pty', (accept, _reject, info) => {
    tty = { term: info.term || 'xterm', rows: info.rows || 24, cols: info.cols || 80 };
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    if (tty) Object.assign(tty, { rows: info.rows, cols: info.cols });
    running?.resize(info.rows, info.cols);
    accept?.();
  });
  // The client's environment (LANG, ...) stays the client's: the instance's env is what a session gets.
  session.on('env', (accept) => accept?.());
  const start = async (accept: AcceptConnection<ServerChannel>, reject: RejectConnection, command?: string) => {
    if (running) return reject();
    const channel = accept();
    let e: ExecProcess;
    try {
      e = running = await instance.exec({ command, tty });
    } catch (err) {
      channel.stderr.write(`cf-push: could not start the session: ${(err as Error).message}\r\n`);
      channel.exit(255);
      channel.end();
      return;
    }
    channel.pipe(e.stdin);
    e.stdout.pipe(channel, { end: false });
    e.stderr.pipe(channel.stderr, { end: false });
    channel.once('close', () => e.kill());
    void instance.exited.then(() => e.kill());
    const [exit] = await Promise.all([e.exited, ended(e.stdout), ended(e.stderr)]);
    channel.exit(exit.status);
    channel.end();
  };
  session.on('exec', (accept, reject, info) => void start(accept, reject, info.command));
  session.on('shell', (accept, reject) => void start(accept, reject));
}
