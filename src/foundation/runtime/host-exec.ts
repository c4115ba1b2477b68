// `exec` for the host-process runtime (an ssh session next to an instance):
// bash in the instance's working dir with the env it was launched with
// (runtime/process.ts keeps both), the droplet's profile.d sourced first
// (SESSION_SCRIPT). We cannot switch users, so it runs as the foundation's.
// node-pty is not available: with a tty the session runs under util-linux
// `script`, which gives it a pseudo-terminal (job control, ^C, echo, TERM);
// the initial size is set with `stty`, a resize with `stty -F` on the
// session's pty, found through /proc (which makes the kernel send SIGWINCH).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { SESSION_SCRIPT } from '../../core/staging/launcher';
import type { ExecProcess, ExecSpec, ProcessExit } from './types';

/** Where and how the instance was launched. */
export interface LaunchEnv {
  cwd: string;
  env: Record<string, string>;
}

/** An exit code and signal as one status (128 + n when signal n ended it). */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? osConstants.signals[signal] : undefined;
  return typeof n === 'number' ? 128 + n : 0;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function hostExec(at: LaunchEnv, spec: ExecSpec): ExecProcess {
  const bash = ['bash', '-c', SESSION_SCRIPT, 'cf-ssh', spec.command ?? ''];
  const t = spec.tty;
  const child = t
    ? spawn('script', ['-qfec', `stty rows ${t.rows} cols ${t.cols} 2>/dev/null; exec ${bash.map(quote).join(' ')}`, '/dev/null'], {
        cwd: at.cwd,
        env: { ...at.env, TERM: t.term, SHELL: '/bin/sh' },
        detached: true,
        stdio: 'pipe',
      })
    : spawn(bash[0]!, bash.slice(1), { cwd: at.cwd, env: at.env, detached: true, stdio: 'pipe' });
  return new HostExec(child);
}

class HostExec implements ExecProcess {
  readonly exited: Promise<ProcessExit>;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => resolve({ status: 127, reason: err.message }));
      child.once('close', (code, signal) => resolve({ status: exitStatus(code, signal) }));
    });
    // A client gone mid-write must not take the foundation down.
    child.stdin!.on('error', () => {});
  }

  get stdin() {
    return this.child.stdin!;
  }
  get stdout() {
    return this.child.stdout!;
  }
  get stderr() {
    return this.child.stderr!;
  }

  resize(rows: number, cols: number): void {
    const tty = this.tty();
    if (tty) execFile('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], () => {});
  }

  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  /** The pty `script` gave the session: its child's stdin. */
  private tty(): string | undefined {
    try {
      const pid = this.child.pid!;
      const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
      const path = first ? readlinkSync(`/proc/${first}/fd/0`) : '';
      return path.startsWith('/dev/pts/') ? path : undefined;
    } catch {
      return undefined;
    }
  }
}
