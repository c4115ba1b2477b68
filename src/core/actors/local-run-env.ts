// Run an app outside the foundation with what it sees there: VCAP_SERVICES
// (its bindings' credentials), VCAP_APPLICATION, DATABASE_URL, the running
// environment group and its own variables, read from CC's
// /v3/apps/:guid/env and written into a .env file that the editor's launch
// configurations (`envFile`) and dotenv libraries read. The file holds
// credentials: it is written for this user only. What is written sits
// between two marker lines and is replaced as a whole next time; every line
// outside them (the user's own keys, comments) stays, except a line setting
// one of the keys written here.
import { execFile } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { CfPushError } from '../errors';
import { findApp } from '../push/steps';
import type { Session } from '../session';
import { databaseUrl } from '../staging/env';

/** The variables the app's instances get from CC, as strings (JSON for the VCAP_ ones), lowest precedence first. */
export async function appRunEnv(session: Session, appName: string): Promise<Record<string, string>> {
  const app = await findApp(session, appName);
  const env = await session.cc.apps.env(app.guid);
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env.running_env_json ?? {})) out[k] = text(v);
  Object.assign(out, env.environment_variables);
  const services = env.system_env_json?.VCAP_SERVICES ?? {};
  out.VCAP_APPLICATION = JSON.stringify(env.application_env_json?.VCAP_APPLICATION ?? {});
  out.VCAP_SERVICES = JSON.stringify(services);
  const db = databaseUrl(services);
  if (db) out.DATABASE_URL = db;
  return out;
}

/**
 * One `KEY=value` entry that npm's dotenv (and VS Code's envFile) reads back
 * unchanged: single or back quotes take a value literally, newlines included;
 * double quotes only when those are in the value and it has no `\n` / `\r`
 * escape that dotenv would expand.
 */
export function dotenvLine(key: string, value: string): string {
  for (const q of ["'", '`']) if (!value.includes(q)) return `${key}=${q}${value}${q}`;
  if (!value.includes('"') && !/\\[nr]/.test(value)) return `${key}="${value}"`;
  throw new CfPushError(`The value of ${key} holds every kind of quote: it cannot be written to a .env file unchanged.`, {
    hint: 'Remove a quote character from it, or set it in the launch configuration instead.',
  });
}

const BEGIN = '# >>> written by cfpush for';
const END = '# <<< end of what cfpush wrote';

/** Writes `vars` into `file` (see the top of this file); the file is made readable by this user only. */
export async function writeDotenv(file: string, vars: Record<string, string>, about: string): Promise<{ written: string[]; kept: number }> {
  let old = '';
  try {
    old = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const ours = new Set(Object.keys(vars));
  const lines = old.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.startsWith(BEGIN));
  const end = begin < 0 ? -1 : lines.findIndex((l, i) => i > begin && l === END);
  const outside = begin < 0 ? lines : [...lines.slice(0, begin), ...(end < 0 ? [] : lines.slice(end + 1))];
  const kept = outside.filter((l) => {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*=/.exec(l);
    return !(m && ours.has(m[1]!));
  });
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const block = [
    `${BEGIN} ${about}: VCAP_SERVICES holds credentials, keep this file out of version control.`,
    ...Object.entries(vars).map(([k, v]) => dotenvLine(k, v)),
    END,
  ];
  await writeFileAtomic(file, `${[...kept, ...(kept.length ? [''] : []), ...block].join('\n')}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { written: [...ours], kept: kept.filter((l) => /^\s*(?:export\s+)?[\w.-]+\s*=/.test(l)).length };
}

/** false when `file` is in a git work tree and not ignored there (its credentials would be committed); true or undefined otherwise. */
export function gitIgnores(file: string): Promise<boolean | undefined> {
  return new Promise((resolve) =>
    execFile('git', ['check-ignore', '-q', file], { cwd: dirname(file) }, (err) => {
      if (!err) return resolve(true);
      // 1: not ignored; 128: not a work tree (or no git).
      resolve((err as { code?: number }).code === 1 ? false : undefined);
    }),
  );
}
