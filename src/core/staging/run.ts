// Runs one buildpack script: output streamed line by line, the tail kept for
// error messages, and the whole process group killed on abort (scripts spawn
// npm, go, pip... which must not outlive a cancelled staging).
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

export async function runScript(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  if (opts.signal?.aborted) throw stagingCancelled();
  const tail: string[] = [];
  // execa hands output on line by line (its generator transforms); the tail is kept for failure messages.
  const lines = (stream: 'stdout' | 'stderr') =>
    function* (line: unknown) {
      const text = String(line);
      tail.push(text);
      if (tail.length > TAIL) tail.shift();
      if (!(stream === 'stdout' && opts.captureStdout)) opts.log?.(text, stream);
      yield text;
    };
  // execa on first use: loading it costs a process ~11 MB resident (measured); most CLI runs never spawn.
  const { execa } = await import('execa');
  // Its own process group (detached), so a cancel or the end takes the script's children with it.
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    stdout: [lines('stdout')],
    stderr: [lines('stderr')],
    buffer: { stdout: !!opts.captureStdout, stderr: false },
    stripFinalNewline: false,
    reject: false,
  });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  opts.signal?.addEventListener('abort', killGroup, { once: true });
  const result = await child;
  opts.signal?.removeEventListener('abort', killGroup);
  if (opts.signal?.aborted) throw stagingCancelled();
  killGroup(); // a script's leftovers (background jobs) go with it
  const spawnError =
    result.failed && result.exitCode === undefined && !result.signal
      ? result.code === 'EACCES'
        ? `${file} is not executable`
        : result.code === 'ENOENT'
          ? `${file} not found`
          : (result.originalMessage ?? result.shortMessage)
      : undefined;
  const stdout = opts.captureStdout ? (result.stdout as string[] | string | undefined) : '';
  return { code: result.exitCode ?? (result.signal ? 128 : 1), stdout: Array.isArray(stdout) ? stdout.join('\n') : (stdout ?? ''), tail, spawnError };
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
