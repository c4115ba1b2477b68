// Runs one buildpack script: output streamed line by line, the tail kept for
// error messages, and the whole process group killed on abort (scripts spawn
// npm, go, pip... which must not outlive a cancelled staging).
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
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
/** After a script exits, how long its pipes may stay open (a background job holding them) before it counts as ended. */
const EXIT_DRAIN_MS = 200;

/** A staging stopped by its signal. */
export const stagingCancelled = (): CfPushError => cancelledError('Staging');

/**
 * node's own spawn, not execa: a staging runs 7-10 scripts, and execa's
 * stream and transform set-up cost ~3 ms of the main thread per script
 * (measured: 7.3 vs 3.8 ms for a detect), a tenth of a re-push.
 */
export async function runScript(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  if (opts.signal?.aborted) throw stagingCancelled();
  const tail: string[] = [];
  const out: string[] = [];
  const emit = (text: string, stream: 'stdout' | 'stderr') => {
    tail.push(text);
    if (tail.length > TAIL) tail.shift();
    if (stream === 'stdout' && opts.captureStdout) out.push(text);
    else opts.log?.(text, stream);
  };
  // Its own process group (detached), so a cancel or the end takes the script's children with it.
  const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const readLines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + decoder.write(chunk)).split('\n');
      rest = parts.pop()!;
      for (const p of parts) emit(p.endsWith('\r') ? p.slice(0, -1) : p, name);
    });
    stream.on('end', () => {
      rest += decoder.end();
      if (rest) emit(rest, name);
    });
  };
  readLines(child.stdout!, 'stdout');
  readLines(child.stderr!, 'stderr');
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  opts.signal?.addEventListener('abort', killGroup, { once: true });
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    let error: NodeJS.ErrnoException | undefined;
    child.once('error', (err: NodeJS.ErrnoException) => {
      error = err;
      // A process that never started has no 'close' to wait for when its pipes were never opened.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once('close', (code, signal) => resolve({ code, signal, error }));
    // A background job the script left may hold its pipes open: the script's end is its exit; its output
    // gets a moment to drain, then the group is killed below (which closes them).
    child.once('exit', (code, signal) => setTimeout(() => resolve({ code, signal, error }), EXIT_DRAIN_MS).unref());
  });
  opts.signal?.removeEventListener('abort', killGroup);
  if (opts.signal?.aborted) throw stagingCancelled();
  killGroup(); // a script's leftovers (background jobs) go with it
  const e = result.error;
  const spawnError = e ? (e.code === 'EACCES' ? `${file} is not executable` : e.code === 'ENOENT' ? `${file} not found` : e.message) : undefined;
  return { code: result.code ?? (result.signal ? 128 : 1), stdout: out.join('\n'), tail, spawnError };
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
