// Argument parsing on node:util parseArgs; flags follow the cf CLI's names.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CfPushError } from '../core/errors';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<const O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CfPushError(`Incorrect usage: ${(err as Error).message.replace(/\. To specify.*$/s, '')}`, { hint: `Usage: ${usage}` });
  }
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

export function need(value: string | undefined, what: string, usage: string): string {
  if (!value) throw new CfPushError(`Incorrect usage: ${what} is required.`, { hint: `Usage: ${usage}` });
  return value;
}

/** A size flag (`-m 256M`, `-k 1G`, a bare number is MB) in megabytes; undefined when not given. */
export function megabytes(v: string | undefined, flag: string, usage: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(M|MB|G|GB)?$/i.exec(v);
  if (!m) throw new CfPushError(`Incorrect usage: ${flag} '${v}' must be a size such as 256M or 1G.`, { hint: `Usage: ${usage}` });
  return Number(m[1]) * (/^g/i.test(m[2] ?? 'M') ? 1024 : 1);
}
