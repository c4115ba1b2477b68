// Runs one buildpack script: output streamed line by line, the tail kept for
// error messages, and the whole process group killed on abort (scripts spawn
// npm, go, pip... which must not outlive a cancelled staging).
import { spawn } from 'node:child_process';
import { cancelledError, type CfPushError } from '../errors';

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Called per output line; stdout is not logged when `captureStdout` is set. */
  log?: (line: string, stream: 'stdout' | 'stderr') => void;
  captureStdout?: boolean;
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  stdout: string;
  /** The last output lines (both streams), for failure messages. */
  tail: string[];
  /** Set when the script could not be started at all (missing, not executable). */
  spawnError?: string;
}

const TAIL = 15;

/** A staging stopped by its signal. */
export const stagingCancelled = (): CfPushError => cancelledError('Staging');

export function runScript(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  if (opts.signal?.aborted) return Promise.reject(stagingCancelled());
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let stdout = '';
    let spawnError: string | undefined;
    const lineReader = (stream: 'stdout' | 'stderr') => {
      let buf = '';
      return {
        push(chunk: Buffer) {
          const text = chunk.toString('utf8');
          if (stream === 'stdout' && opts.captureStdout) stdout += text;
          buf += text;
          const lines = buf.split(/\r?\n/);
          buf = lines.pop() ?? '';
          for (const l of lines) emit(l);
        },
        flush() {
          if (buf) emit(buf);
          buf = '';
        },
      };
      function emit(line: string) {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        if (!(stream === 'stdout' && opts.captureStdout)) opts.log?.(line, stream);
      }
    };
    const out = lineReader('stdout');
    const err = lineReader('stderr');
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));

    const onAbort = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'EACCES' ? `${file} is not executable` : e.code === 'ENOENT' ? `${file} not found` : e.message;
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      out.flush();
      err.flush();
      if (opts.signal?.aborted) return reject(stagingCancelled());
      // A script's leftovers (background jobs) go with it.
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* none left */
      }
      resolvePromise({ code: code ?? (sig ? 128 : 1), stdout, tail, spawnError });
    });
  });
}

/** The host folders one staging uses: what a runner outside this machine's process tree must reach. */
export interface StagingDirs {
  /** The staging's work folder (build dir `app/`, `contents/` with deps and profile.d, `tmp/`). */
  work: string;
  /** The app's build cache. */
  cacheDir: string;
  /** Every buildpack folder (read-only for the scripts). */
  buildpackDirs: string[];
}

/**
 * Where the builder runs buildpack scripts: on this machine by default
 * (`hostRunner`), or elsewhere with the same contract (a stack container for
 * `cfpush stage --in-container`, see core/docker/stack-runner.ts). Paths in
 * `file`, `args` and `opts.cwd` are host paths; a runner that runs scripts
 * elsewhere makes them valid there (the container runner mounts them at the
 * same paths).
 */
export interface ScriptRunner {
  /** Where scripts run, for the staging log ("stack container cfpush/stack:bookworm"). */
  where?: string;
  /** Before the first script, with the folders the scripts will use. */
  begin?(dirs: StagingDirs): Promise<void>;
  run(file: string, args: string[], opts: RunOptions): Promise<RunResult>;
  /** After the last script, also when staging failed or was cancelled. */
  end?(): Promise<void>;
}

/** Buildpack scripts as child processes of this one. */
export const hostRunner: ScriptRunner = { run: runScript };
