// Limits that keep a hostile or broken manifest from taking the parser (the
// editor runs it per keystroke, the foundation per apply_manifest) or the app
// it describes down. Each message names the limit and what to do instead.

/** A manifest is text a person writes; a megabyte of it is already a mistake. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Collections inside collections; a manifest needs about six. */
export const MAX_DEPTH = 64;
/** Nodes reached through `*alias` (and `<<: *alias`) in one manifest: stops alias bombs. */
export const MAX_ALIAS_NODES = 50_000;
/** CC stores app names in a varchar(255). */
export const MAX_NAME_LENGTH = 255;
/** Linux refuses to start a process with one `KEY=value` longer than this (MAX_ARG_STRLEN). */
export const MAX_ENV_VAR_BYTES = 128 * 1024;
/** All of an app's variables together, well under the kernel's ARG_MAX. */
export const MAX_ENV_BYTES = 1024 * 1024;

export const LIMIT_CODES = {
  size: 'ManifestTooLarge',
  depth: 'ManifestTooDeep',
  aliases: 'ManifestAliasLimit',
} as const;

const kib = (n: number): string => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`);

export function tooLargeMessage(file: string, bytes: number): string {
  return `Manifest ${file} is ${bytes} bytes; manifests are limited to ${kib(MAX_MANIFEST_BYTES)} (${MAX_MANIFEST_BYTES} bytes).`;
}
export const TOO_LARGE_HINT = 'Keep large values (certificates, data) in files the app reads, or pass them with --var / --vars-file.';

export function tooDeepMessage(file: string): string {
  return `Manifest ${file} nests lists and maps more than ${MAX_DEPTH} levels deep.`;
}
export const TOO_DEEP_HINT = 'A manifest needs only a few levels (applications → app → env); look for an unclosed [ or { or a runaway indentation here.';

export function aliasMessage(file: string): string {
  return `Manifest ${file} expands its aliases (*name) to more than ${MAX_ALIAS_NODES} nodes, which looks like an alias bomb.`;
}
export const ALIAS_HINT = 'Use each anchor (&name) for a small shared block, such as `<<: *defaults`, and do not nest aliases of aliases.';

export function nameTooLongMessage(length: number): string {
  return `Name is too long (maximum is ${MAX_NAME_LENGTH} characters, this one has ${length})`;
}

export function envVarTooLongMessage(key: string, bytes: number): string {
  return `Env variable '${key.length > 40 ? `${key.slice(0, 40)}…` : key}' is ${bytes} bytes; a process cannot be started with a variable over ${kib(MAX_ENV_VAR_BYTES)}`;
}

export function envTooLargeMessage(bytes: number): string {
  return `Env variables add up to ${bytes} bytes; an app's variables are limited to ${kib(MAX_ENV_BYTES)} in all`;
}
