// Who a server and its admin tools run as (docs/design/services.md §5): the
// package's system user when the foundation is root (initdb refuses root, and
// a database server should not hold root's rights), the foundation's own user
// otherwise. setpriv execs without forking or PAM and keeps the environment,
// so the pid we spawn is the server's and signals reach it directly.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { CfPushError } from '../../../core/errors';

export interface ServiceUser {
  name: string;
  uid: number;
  gid: number;
}

const SETPRIV = '/usr/bin/setpriv';

/** The account servers of `pkg` run as: its system user when we are root, else undefined (ourselves). */
export async function serviceUser(name: string, pkg: string): Promise<ServiceUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const r = await run(undefined, 'getent', ['passwd', name]);
  const f = r.stdout.split(':');
  if (r.code !== 0 || f.length < 4) {
    throw new CfPushError(`The system user ${name} does not exist, though the ${pkg} server runs as it.`, {
      hint: `Reinstall the Debian package that creates it: apt-get install --reinstall ${pkg}`,
    });
  }
  return { name, uid: Number(f[2]), gid: Number(f[3]) };
}

/** `file args` as `user` (through setpriv), or as ourselves. */
export function asUser(user: ServiceUser | undefined, file: string, args: string[]): [string, string[]] {
  if (!user) return [file, args];
  return [SETPRIV, [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', file, ...args]];
}

export function spawnAs(user: ServiceUser | undefined, file: string, args: string[], opts: SpawnOptions): ChildProcess {
  const [f, a] = asUser(user, file, args);
  return spawn(f, a, opts);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Fed on stdin: how SQL carrying passwords gets in without showing in `ps`. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command (never through a shell) and answers its exit code and output; a missing binary is code 127. */
export function run(user: ServiceUser | undefined, file: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const [f, a] = asUser(user, file, args);
  return new Promise((resolve) => {
    const child = execFile(
      f,
      a,
      { env: o.env ?? process.env, cwd: o.cwd, timeout: o.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
        const why = e?.killed ? `\n(${file} timed out after ${o.timeoutMs ?? 60_000} ms)` : e && typeof e.code === 'string' ? `\n${e.message}` : '';
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + why });
      },
    );
    child.stdin?.on('error', () => {}); // a command that exits before reading its input
    child.stdin?.end(o.input ?? '');
  });
}

/** run(), throwing "<what> failed: <its stderr>" unless it exits 0. */
export async function runOk(user: ServiceUser | undefined, what: string, file: string, args: string[], o: RunOptions = {}): Promise<string> {
  const r = await run(user, file, args, o);
  if (r.code !== 0) throw new Error(`${what} failed (${file} exited with ${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r.stdout;
}
