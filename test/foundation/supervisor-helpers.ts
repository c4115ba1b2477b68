// Plumbing for the supervisor, crash, log and fault tests: push without
// waiting for RUNNING, read /stats and the log store, scan /proc.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cliPath, repoRoot, type CliResult } from '../helpers/cli';
import type { RunningFoundation } from '../../src/foundation/server';
import { Api, until } from './helpers';

export interface Line {
  ns: bigint;
  source: string;
  instance: string;
  stream: string;
  text: string;
}

export { stageAndStart } from './helpers';

export async function stats(api: Api, processGuid: string): Promise<any[]> {
  const r = await api.get(`/v3/processes/${processGuid}/stats`);
  if (r.status !== 200) throw new Error(`stats: ${r.status} ${r.text}`);
  return r.json.resources;
}

export async function readLines(api: Api, appGuid: string): Promise<Line[]> {
  const r = await api.get(`/api/v1/read/${appGuid}?envelope_types=LOG&limit=1000`);
  if (r.status !== 200) throw new Error(`read: ${r.status} ${r.text}`);
  return (r.json.envelopes.batch as any[]).map((e) => ({
    ns: BigInt(e.timestamp),
    source: e.tags.source_type,
    instance: e.instance_id,
    stream: e.log.type,
    text: Buffer.from(e.log.payload, 'base64').toString('utf8'),
  }));
}

/** Polls the log store until a line matches. */
export async function waitLine(api: Api, appGuid: string, pred: (l: Line) => boolean, timeoutMs: number, what: string): Promise<Line> {
  return until(async () => (await readLines(api, appGuid)).find(pred), timeoutMs, what, 50);
}

/** An Api for a foundation running as a daemon (only apiUrl and dataDir are used). */
export function daemonApi(apiUrl: string, dataDir: string): Promise<Api> {
  return Api.connect({ apiUrl, dataDir } as RunningFoundation);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** utime + stime of a process, in clock ticks (1/100 s). */
export function cpuTicks(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

export function ppid(pid: number): number | undefined {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Live processes whose environment holds `NAME=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const vars = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (vars.includes(`${name}=${value}`) && alive(pid)) out.push(pid);
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

/** True when `ancestor` is `pid` or one of its parents. */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = pid, n = 0; p && p > 1 && n < 64; p = ppid(p), n++) if (p === ancestor) return true;
  return false;
}

/**
 * A private copy of the built CLI (dist/cli.js and the dist/core.js it runs) in its own package root (with
 * package.json and buildpacks/ linked), so a long test is not broken by a
 * concurrent `node build.mjs` that wipes dist/.
 */
export async function snapshotCli(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'cfpush-cli-'));
  mkdirSync(join(root, 'dist'));
  symlinkSync(join(repoRoot, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(repoRoot, 'buildpacks'), join(root, 'buildpacks'));
  for (const name of ['core.js', 'cli.js']) {
    await until(
      async () => {
        const text = readFileSync(join(dirname(cliPath), name), 'utf8');
        // A bundle being written is cut short: its source map comment comes last.
        if (!text.trimEnd().endsWith(`//# sourceMappingURL=${name}.map`)) return false;
        writeFileSync(join(root, 'dist', name), text);
        return true;
      },
      120_000,
      `dist/${name}`,
    );
  }
  return join(root, 'dist', 'cli.js');
}

export function runCli(cli: string, env: NodeJS.ProcessEnv, args: string[], cwd?: string): Promise<CliResult> {
  return new Promise((res) => {
    execFile(process.execPath, [cli, ...args], { env, cwd, timeout: 120_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

export async function okCli(cli: string, env: NodeJS.ProcessEnv, args: string[], cwd?: string): Promise<CliResult> {
  const r = await runCli(cli, env, args, cwd);
  if (r.code !== 0) throw new Error(`cfpush ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** Safety net for after() hooks: SIGKILL whatever still carries this (temp) data dir's marker. */
export function killMarked(dataDir: string): void {
  for (const pid of processesWithEnv('CFPUSH_FOUNDATION', dataDir)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* not a group leader */
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
