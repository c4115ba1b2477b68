// The real cf CLI (v8) against a local foundation on free ports, as a Cloud
// Foundry user drives it: `cf api`, `cf auth`, `cf target`, then commands. The
// binary comes from CFPUSH_CF_CLI, else `cf` on PATH; without one the tests
// skip on a laptop (saying how to get it) and fail in CI. Every command runs
// with CF_TRACE on; a failing command's trace is kept in test-results/.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';

export const CF_CLI_HINT =
  'Set CFPUSH_CF_CLI to a cf CLI v8 binary (this machine has one at ../shared/tools/cf-cli/cf), or put `cf` on PATH (https://github.com/cloudfoundry/cli/releases).';

/** The cf binary to test with, or undefined. */
export function cfBinary(): string | undefined {
  const fromEnv = process.env.CFPUSH_CF_CLI;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  try {
    return execFileSync('sh', ['-c', 'command -v cf'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The cf binary, or undefined on a laptop without one; in CI (CFPUSH_REQUIRE_HOSTS) a missing CLI is an error. */
export function requireCf(): string | undefined {
  const cf = cfBinary();
  if (cf) return cf;
  if (process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1') throw new Error(`the cf CLI is missing. ${CF_CLI_HINT}`);
  return undefined;
}

export const NO_CF = `the cf CLI is missing. ${CF_CLI_HINT}`;

export interface CfResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The CF_TRACE of this one command (requests and responses, tokens hidden by the CLI). */
  trace: string;
}

export interface CfSession {
  /** cfpush against the same foundation (its CFPUSH_HOME). */
  c: CliEnv;
  cfHome: string;
  run(args: string[], opts?: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: string }): Promise<CfResult>;
  /** Runs and fails with the output (keeping the trace) unless it exits 0. */
  ok(args: string[], opts?: { cwd?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CfResult>;
  cleanup(): Promise<void>;
}

let traces = 0;

/** A foundation (started with `cfpush foundation start [startArgs]`) and a cf CLI logged in to it as its admin, targeting org/space. */
export async function cfSession(cf: string, startArgs: string[] = []): Promise<CfSession> {
  const c = await cliEnv();
  await c.ok(['foundation', 'start', ...startArgs]);
  const s = await cfLogin(cf, c);
  return {
    ...s,
    cleanup: async () => {
      await c.cleanup();
      await s.cleanup();
    },
  };
}

/** A cf CLI logged in as its admin to the foundation `c` already runs, targeting org/space; cleanup leaves the foundation to `c`. */
export async function cfLogin(cf: string, c: CliEnv): Promise<CfSession> {
  const cfHome = mkdtempSync(join(tmpdir(), 'cfpush-cfhome-'));
  const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8')) as { username: string; password: string };
  const run: CfSession['run'] = (args, opts = {}) =>
    new Promise((resolve) => {
      const trace = join(cfHome, `trace-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
      const child = execFile(
        cf,
        args,
        {
          cwd: opts.cwd ?? cfHome,
          env: { ...process.env, CF_HOME: cfHome, CF_TRACE: trace, CF_COLOR: 'false', CF_STARTUP_TIMEOUT: '2', CF_STAGING_TIMEOUT: '5', ...opts.env },
          timeout: opts.timeoutMs ?? 300_000,
          maxBuffer: 32 << 20,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          const text = existsSync(trace) ? readFileSync(trace, 'utf8') : '';
          rmSync(trace, { force: true });
          resolve({ code, stdout, stderr, trace: text });
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  const ok: CfSession['ok'] = async (args, opts) => {
    const r = await run(args, opts);
    if (r.code !== 0) {
      const dir = join(repoRoot, 'test-results');
      mkdirSync(dir, { recursive: true });
      const file = join(
        dir,
        `cf-trace-${++traces}-${args
          .slice(0, 2)
          .join('-')
          .replace(/[^\w.-]+/g, '_')}.log`,
      );
      writeFileSync(file, `$ cf ${args.join(' ')}\n\n${r.trace}`);
      throw new Error(`cf ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\ntrace kept in ${file}`);
    }
    return r;
  };
  await ok(['api', `http://127.0.0.1:${c.apiPort}`, '--skip-ssl-validation']);
  // From the environment: a generated password may start with '-', which cf would take for a flag.
  await ok(['auth'], { env: { CF_USERNAME: creds.username, CF_PASSWORD: creds.password } });
  await ok(['target', '-o', 'org', '-s', 'space']);
  return {
    c,
    cfHome,
    run,
    ok,
    cleanup: async () => rmSync(cfHome, { recursive: true, force: true }),
  };
}

/** A copy of an example app (without its manifest) in a fresh folder named `as`. */
export function exampleApp(name: string, as = name): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-cfapp-')), as);
  cpSync(join(repoRoot, 'examples', name), dir, { recursive: true });
  rmSync(join(dir, 'manifest.yml'), { force: true });
  return dir;
}
