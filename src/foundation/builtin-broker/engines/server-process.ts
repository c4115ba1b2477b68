// One database or message server as a supervised child. It is started on
// demand and waited for until it answers; a server that exits on its own is
// started again (at once for the first crashes, then with a back-off doubling
// up to a minute: the app supervisor's policy with a server's shorter delays); stop() sends the
// server's graceful-shutdown signal and waits for the exit. The server runs in
// its own process group, so a Ctrl-C meant for the foundation does not take
// it down behind the supervisor's back.
//
// A foundation killed with SIGKILL leaves its servers running (nothing tells
// them). The pid file names such a server (pid and start time, so a reused
// pid is never taken for it); before starting, the next
// foundation stops it the graceful way (adopting it would leave nobody to
// hear of its exit) and then starts its own, on the same files and port.
import { type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, readSync } from 'node:fs';
import { CfPushError } from '../../../core/errors';
import { portFree } from '../../ports';
import { readStat } from '../../procfs';
import { spawnAs, type ServiceUser } from './privileges';

export interface ServerSpec {
  /** "PostgreSQL": how log lines and errors name it. */
  name: string;
  user?: ServiceUser;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
  /** Its stdout and stderr, appended. */
  logFile: string;
  /** Holds the running server's pid, for the next foundation if this one is killed. */
  pidFile: string;
  /** Ports it listens on, checked free before each start; `recordFile` is named when one is taken. */
  ports: number[];
  recordFile: string;
  stopSignal: NodeJS.Signals;
  /** True once the server answers its clients (polled while it starts). */
  ready(): Promise<boolean>;
  /** Once it answers, after every start: setup that must hold (PostgreSQL's REVOKEs). */
  afterReady?(): Promise<void>;
  /** Before every start: config files, stale locks. */
  beforeStart?(): Promise<void>;
  /** After every stop or exit (RabbitMQ's epmd). */
  afterStop?(): Promise<void>;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  log(line: string): void;
}

/** Milliseconds before the `crashes`-th restart: the first 3 at once, then 1 s, 2 s, 4 s ... up to a minute; never given up. */
export function restartDelay(crashes: number): number {
  return crashes <= 3 ? 0 : Math.min(1000 * 2 ** Math.min(crashes - 4, 10), 60_000);
}
/** This long up forgives earlier crashes. */
const CRASH_RESET_MS = 5 * 60_000;

export class ServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private starting?: Promise<void>;
  private stopping = false;
  private crashes = 0;
  private upSince = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly s: ServerSpec) {}

  pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server unless it runs; concurrent calls share one start. */
  ensure(): Promise<void> {
    if (this.child && !this.starting) return Promise.resolve();
    if (!this.starting) {
      clearTimeout(this.timer);
      this.starting = this.start().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    try {
      await this.starting?.catch(() => {});
      const child = this.child;
      if (child?.pid) {
        this.s.log(`${this.s.name}: stopping (pid ${child.pid})`);
        child.kill(this.s.stopSignal);
        if (!(await within(this.exited!, this.s.stopTimeoutMs ?? 30_000))) {
          this.s.log(`${this.s.name}: did not stop within ${(this.s.stopTimeoutMs ?? 30_000) / 1000} s; killing it`);
          child.kill('SIGKILL');
          await this.exited;
        }
      }
    } finally {
      this.stopping = false;
      this.crashes = 0;
    }
  }

  private async start(): Promise<void> {
    const s = this.s;
    await this.stopLeftover();
    for (const port of s.ports) {
      if (!(await portFree(port, '127.0.0.1'))) {
        throw new CfPushError(`${s.name} cannot start: port ${port} on 127.0.0.1 is taken by another program.`, {
          code: 'PortInUse',
          hint: `The port is kept in ${s.recordFile} so that apps' credentials stay true. Stop what listens there (see \`ss -ltnp 'sport = :${port}'\`) and try again.`,
        });
      }
    }
    await s.beforeStart?.();
    const began = Date.now();
    const logStart = fileSize(s.logFile);
    const out = openSync(s.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawnAs(s.user, s.file, s.args, { cwd: s.cwd, env: s.env ?? process.env, detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        s.log(`${s.name}: could not run ${s.file}: ${err.message}`);
        resolve();
      });
      child.once('exit', () => resolve());
    });
    let exitedEarly = false;
    this.child = child;
    // Resolves once the exit is handled (pid file gone, afterStop done): what stop() waits for.
    this.exited = exited.then(() => {
      exitedEarly = true;
      return this.onExit(child);
    });
    if (child.pid) writeFileSync(s.pidFile, `${child.pid} ${startTime(child.pid)}\n`, { mode: 0o600 });

    const deadline = began + (s.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exitedEarly) {
        throw new CfPushError(`${s.name} exited while starting (${describeExit(child)}).`, {
          hint: `Its log, ${s.logFile}, says:\n${tail(s.logFile, logStart)}`,
        });
      }
      if (await s.ready().catch(() => false)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await this.exited;
        throw new CfPushError(`${s.name} did not answer within ${Math.round((deadline - began) / 1000)} s of starting.`, {
          hint: `Its log, ${s.logFile}, says:\n${tail(s.logFile, logStart)}`,
        });
      }
      await sleep(100);
    }
    await s.afterReady?.();
    this.upSince = Date.now();
    s.log(`${s.name}: running (pid ${child.pid}, 127.0.0.1:${s.ports[0]}), ready in ${Date.now() - began} ms`);
  }

  private async onExit(child: ChildProcess): Promise<void> {
    if (this.child !== child) return;
    this.child = undefined;
    const meant = this.stopping || !!this.starting; // a stop, or a failed start (its caller hears of it)
    rmSync(this.s.pidFile, { force: true });
    await this.s.afterStop?.().catch((err) => this.s.log(`${this.s.name}: cleaning up after it: ${(err as Error).message}`));
    if (meant) return;
    this.s.log(`${this.s.name}: exited unexpectedly (${describeExit(child)}); see ${this.s.logFile}`);
    this.restartLater();
  }

  private restartLater(): void {
    if (this.upSince && Date.now() - this.upSince > CRASH_RESET_MS) this.crashes = 0;
    this.upSince = 0;
    const delay = restartDelay(++this.crashes);
    this.s.log(`${this.s.name}: starting it again${delay ? ` in ${delay / 1000} s` : ''}`);
    this.timer = setTimeout(() => {
      if (this.stopping || this.child || this.starting) return;
      this.starting = this.start()
        .catch((err) => {
          this.s.log(`${this.s.name}: restart failed: ${(err as Error).message}`);
          if (!this.stopping && !this.child) this.restartLater();
        })
        .finally(() => (this.starting = undefined));
    }, delay);
    this.timer.unref();
  }

  /** Stops a server of these files that a killed foundation left running, and waits until it is gone. */
  private async stopLeftover(): Promise<void> {
    const [pid, start] = readText(this.s.pidFile).trim().split(' ').map(Number);
    const ours = () => !!pid && startTime(pid) === start; // the same process, not another that got its pid
    if (!ours()) return;
    this.s.log(`${this.s.name}: stopping the server (pid ${pid}) an earlier foundation left running`);
    process.kill(pid!, this.s.stopSignal);
    const until = Date.now() + (this.s.stopTimeoutMs ?? 30_000);
    while (ours() && Date.now() < until) await sleep(100);
    if (ours()) process.kill(pid!, 'SIGKILL');
    while (ours()) await sleep(50);
    rmSync(this.s.pidFile, { force: true });
    await this.s.afterStop?.();
  }
}

/** When a live process started (clock ticks since boot, /proc/<pid>/stat field 22); undefined if gone or a zombie. */
function startTime(pid: number): number | undefined {
  const text = readText(`/proc/${pid}/stat`);
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return !text || f[0] === 'Z' || f[0] === 'X' ? undefined : Number(f[19]);
}

/** A live process (not a zombie) whose command line has `marker` (PostgreSQL's own lock file names a pid). */
export function runsWith(pid: number, marker: string): boolean {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return readText(`/proc/${pid}/cmdline`).includes(marker);
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last lines the server wrote since `from` (its own words on why it failed). */
function tail(file: string, from: number): string {
  const size = fileSize(file);
  const start = Math.max(from, size - 4000);
  if (size <= start) return '(nothing)';
  const buf = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8').trimEnd().split('\n').slice(-15).join('\n');
}

function within(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
