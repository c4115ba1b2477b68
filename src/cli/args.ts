// Argument parsing on node:util parseArgs; flags follow the cf CLI's names.
// Each command declares its flags once, with their help text (a Spec): the
// parser, the usage line in errors and `--help` all come from that one
// declaration, so what is documented is what is parsed.
import { parseArgs } from 'node:util';
import { CfPushError } from '../core/errors';

export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** What the flag does, for --help. */
  help: string;
  /** The value's name in the usage line and --help (string flags): `-m MEMORY`. */
  arg?: string;
}

export interface Spec<F extends Record<string, Flag> = Record<string, Flag>> {
  /** `push`, or `foundation start` for a subcommand. */
  name: string;
  /** Positional arguments as the usage line shows them: `[APP]`, `APP TASK_ID`. */
  args?: string;
  summary: string;
  flags: F;
  /** Lines under the options in --help (examples, environment). */
  notes?: string[];
}

/** A command's declaration (the identity function: it keeps the flags' literal types for parse()). */
export function spec<const F extends Record<string, Flag>>(s: Spec<F>): Spec<F> {
  return s;
}

/** Thrown after `--help` printed a command's help: the CLI ends there with status 0. */
export class HelpShown extends Error {
  constructor() {
    super('help shown');
  }
}

function flagTerm(long: string, f: Flag): string {
  const name = f.short ? `-${f.short}` : `--${long}`;
  return f.type === 'string' ? `${name} ${f.arg ?? long.toUpperCase().replace(/-/g, '_')}` : name;
}

/** The usage line, from the declaration: `cfpush push [APP] [-p PATH] [-b BUILDPACK]... [--json]`. */
export function usageOf(s: Spec): string {
  const flags = Object.entries(s.flags).map(([long, f]) => `[${flagTerm(long, f)}]${f.multiple ? '...' : ''}`);
  return ['cfpush', s.name, s.args, ...flags].filter(Boolean).join(' ');
}

/** `cfpush CMD --help`, in the cf CLI's layout (NAME, USAGE, OPTIONS). */
export function helpOf(s: Spec): string {
  const rows = Object.entries(s.flags).map(([long, f]) => {
    const names = f.short ? `--${long}, -${f.short}` : `--${long}`;
    return [f.type === 'string' ? `${names} ${f.arg ?? long.toUpperCase().replace(/-/g, '_')}` : names, f.help + (f.multiple ? ' (repeatable)' : '')];
  });
  const width = Math.max(0, ...rows.map(([n]) => n!.length));
  const out = ['NAME:', `   ${s.name} - ${s.summary}`, '', 'USAGE:', `   ${usageOf(s)}`];
  if (rows.length) out.push('', 'OPTIONS:', ...rows.map(([n, h]) => `   ${n!.padEnd(width)}   ${h}`));
  if (s.notes?.length) out.push('', ...s.notes.map((l) => `   ${l}`));
  return out.join('\n');
}

/** Parses argv against the declaration; `--help` (or `-h` when no flag takes it) prints the help and throws HelpShown. */
export function parse<const F extends Record<string, Flag>>(argv: string[], s: Spec<F>) {
  const hTaken = Object.values(s.flags).some((f) => f.short === 'h');
  if (argv.includes('--help') || (!hTaken && argv.includes('-h'))) {
    console.log(helpOf(s));
    throw new HelpShown();
  }
  try {
    return parseArgs({ args: argv, options: s.flags, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CfPushError(`Incorrect usage: ${(err as Error).message.replace(/\. To specify.*$/s, '')}`, { hint: `Usage: ${usageOf(s)}` });
  }
}

/** An `Incorrect usage:` error with the command's usage line as the hint. */
export function usageError(message: string, s: Spec): CfPushError {
  return new CfPushError(`Incorrect usage: ${message}`, { hint: `Usage: ${usageOf(s)}` });
}

/** `--var k=v` pairs into a map. */
export function varsFrom(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new CfPushError(`Incorrect usage: --var '${kv}' must be KEY=VALUE.`, { hint: 'Example: --var host=myapp' });
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export function need(value: string | undefined, what: string, s: Spec): string {
  if (!value) throw usageError(`${what} is required.`, s);
  return value;
}

/** A size flag (`-m 256M`, `-k 1G`, a bare number is MB) in megabytes; undefined when not given. */
export function megabytes(v: string | undefined, flag: string, s: Spec): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(M|MB|G|GB)?$/i.exec(v);
  if (!m) throw usageError(`${flag} '${v}' must be a size such as 256M or 1G.`, s);
  return Number(m[1]) * (/^g/i.test(m[2] ?? 'M') ? 1024 : 1);
}
