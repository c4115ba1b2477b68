/** Where in a file a problem is; line and col are 1-based, as editors print them. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface CfPushErrorOptions {
  /** What the user should do next ("Run `cfpush foundation start`."). */
  hint?: string;
  /** A stable machine-readable id: a CF error title ("CF-ResourceNotFound"), a staging error id, or our own. */
  code?: string;
  location?: SourceLocation;
  cause?: unknown;
}

/**
 * Every error a user can see. The message says what was wrong; `hint` says
 * what to do next; `location` says where (manifests).
 */
export class CfPushError extends Error {
  readonly hint?: string;
  readonly code?: string;
  readonly location?: SourceLocation;
  constructor(message: string, opts: CfPushErrorOptions = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'CfPushError';
    this.hint = opts.hint;
    this.code = opts.code;
    this.location = opts.location;
  }
}

/** "file:line:col: message" when located, plus the hint on its own line. */
export function formatError(err: unknown): string {
  if (err instanceof CfPushError) {
    const where = err.location ? `${err.location.file}:${err.location.line}:${err.location.col}: ` : '';
    return `${where}${err.message}${err.hint ? `\n${err.hint}` : ''}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
