// Caps for unpacking an archive someone else made (an uploaded package zip, a
// droplet tgz): total expanded bytes, entry count, and expansion ratio, all
// checked from headers before an entry is written and again on the bytes as
// they stream, so a bomb is refused before memory or disk grow.
import { Transform, type TransformCallback } from 'node:stream';
import { CfPushError } from '../errors';

export interface ArchiveLimits {
  /** Expanded bytes in all (CC's packages.max_package_size for packages). */
  maxBytes: number;
  maxEntries: number;
  /** Expanded / compressed, enforced once the expanded size passes `ratioFloor`. */
  maxRatio: number;
  ratioFloor: number;
}

const MiB = 1024 * 1024;

/** CC's default max_package_size is 1 GiB; CFPUSH_MAX_UPLOAD_BYTES changes both. */
export function packageLimits(maxBytes = 1024 * MiB): ArchiveLimits {
  return { maxBytes, maxEntries: 100_000, maxRatio: 100, ratioFloor: 100 * MiB };
}

/** A droplet carries a runtime (a JDK, Node) besides the app. */
export function dropletLimits(maxBytes = 4 * 1024 * MiB): ArchiveLimits {
  return { maxBytes, maxEntries: 200_000, maxRatio: 100, ratioFloor: 200 * MiB };
}

export type ArchiveLimitKind = 'bytes' | 'entries' | 'ratio';

export class ArchiveLimitError extends CfPushError {
  constructor(
    readonly kind: ArchiveLimitKind,
    readonly limit: number,
    message: string,
    hint: string,
  ) {
    super(message, { code: 'ArchiveTooLarge', hint });
    this.name = 'ArchiveLimitError';
  }
}

/** Counts what an archive unpacks to; throws ArchiveLimitError past a limit. */
export class ArchiveBudget {
  bytes = 0;
  entries = 0;
  private readonly cap: number;
  private readonly byRatio: boolean;

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly compressedBytes: number,
    private readonly what: string,
  ) {
    const ratioCap = Math.max(limits.ratioFloor, limits.maxRatio * compressedBytes);
    this.byRatio = ratioCap < limits.maxBytes;
    this.cap = Math.min(limits.maxBytes, ratioCap);
  }

  /** Before an entry is written: its header's size counts at once. */
  entry(declaredSize = 0): void {
    if (++this.entries > this.limits.maxEntries) {
      throw new ArchiveLimitError(
        'entries',
        this.limits.maxEntries,
        `${this.what} has more than ${this.limits.maxEntries} entries.`,
        'Leave out what the app does not need at run time (.cfignore: node_modules/.cache, test data, build outputs).',
      );
    }
    this.add(declaredSize);
  }

  /** Expanded bytes as they stream (a header may lie, the stream cannot). */
  add(n: number): void {
    this.bytes += n;
    if (this.bytes <= this.cap) return;
    if (this.byRatio) {
      throw new ArchiveLimitError(
        'ratio',
        this.limits.maxRatio,
        `${this.what} unpacks to more than ${this.limits.maxRatio} times its ${this.compressedBytes} bytes (over ${this.cap} bytes), which is what a decompression bomb does.`,
        'Real apps compress far less; if this one is real, ship the large file uncompressed or have the app create it at start.',
      );
    }
    throw new ArchiveLimitError(
      'bytes',
      this.limits.maxBytes,
      `${this.what} unpacks to more than ${this.limits.maxBytes} bytes, the limit.`,
      "Leave out what the app does not need at run time (.cfignore), or raise the local foundation's limit with CFPUSH_MAX_UPLOAD_BYTES.",
    );
  }

  /**
   * A pass-through for the decompressed stream of a tar: its bytes also hold
   * headers and padding, so it gets a tenth more room than the entries; it
   * stops a stream that goes on past what its headers admit.
   */
  counter(): Transform {
    let streamed = 0;
    const room = this.cap + this.cap / 10 + MiB;
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) => {
        try {
          streamed += chunk.length;
          if (streamed > room) this.add(Infinity);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
    });
  }
}
