// Byte quantities as CC reads them (CC `app_manifest/byte_converter.rb`,
// palm_civet's `^(-?\d+(?:\.\d+)?)([KMGT]i?B?|B)$`, case-insensitive, binary units).

const NUMERIC_START = /^-?\d+(?:\.\d+)?/;
const QUANTITY = /^(-?\d+(?:\.\d+)?)([KMGT]i?B?|B)$/i;
const FACTOR: Record<string, number> = { B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export type ByteResult = { ok: true; bytes: number } | { ok: false; reason: 'unit' | 'number' };

/** Blank values (null, "") mean "not given", as in CC (`present?`). */
export function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

export function parseBytes(value: unknown): ByteResult {
  const text = String(value).trim();
  if (!NUMERIC_START.test(text)) return { ok: false, reason: 'number' };
  const m = QUANTITY.exec(text);
  if (!m) return { ok: false, reason: 'unit' };
  const unit = m[2]!.toUpperCase()[0]!;
  return { ok: true, bytes: Math.trunc(Number(m[1]) * FACTOR[unit]!) };
}

/** Whole megabytes, truncated like Ruby's integer division (512K → 0). */
export function toMb(bytes: number): number {
  return Math.trunc(bytes / 1024 ** 2);
}

/**
 * CC's messages for a byte quantity field (`label` = "Memory", "Disk quota",
 * "Log rate limit per second"); undefined when valid.
 */
export function byteFormatError(value: unknown, label: string): string | undefined {
  if (isBlank(value)) return undefined;
  const r = parseBytes(value);
  if (r.ok) return undefined;
  return r.reason === 'number' ? `${label} is not a number` : `${label} must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB`;
}

/** Memory/disk in MB with every CC check ("must be greater than 0MB"). */
export function megabytes(value: unknown, label: string): { mb?: number; error?: string } {
  if (isBlank(value)) return {};
  const err = byteFormatError(value, label);
  if (err) return { error: err };
  const mb = toMb((parseBytes(value) as { bytes: number }).bytes);
  if (mb <= 0) return { error: `${label} must be greater than 0MB` };
  return { mb };
}

/** log-rate-limit-per-second: bytes/s; -1 (unlimited) and 0 are allowed bare. */
export function logRate(value: unknown): { bps?: number; error?: string } {
  if (isBlank(value)) return {};
  const text = String(value).trim();
  if (text === '-1' || text === '0') return { bps: Number(text) };
  const label = 'Log rate limit per second';
  const err = byteFormatError(value, label);
  if (err) return { error: err };
  const bps = (parseBytes(value) as { bytes: number }).bytes;
  if (bps < -1) return { error: `${label} must be an integer greater than or equal to -1` };
  return { bps };
}
