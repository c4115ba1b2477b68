/** Where in a file a problem is; line and col are 1-based, as editors print them. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A Cloud Controller error title, as CC sends it ("CF-ResourceNotFound"). */
export type CcErrorTitle = `CF-${string}`;

/** A CC error item's title as a code, when it is one (CC's are "CF-…"; a proxy's HTML error is not). */
export function ccTitle(title: string | undefined): CcErrorTitle | undefined {
  return title?.startsWith('CF-') ? (title as CcErrorTitle) : undefined;
}

/** Staging error ids, as Diego and the buildpack lifecycle report them (CC's build.error "Id - detail"). */
export type StagingErrorId =
  | 'StagingError'
  | 'StagingTimeExpired'
  | 'InsufficientResources'
  | 'NoCompatibleCell'
  | 'NoAppDetectedError'
  | 'BuildpackCompileFailed'
  | 'BuildpackReleaseFailed'
  | 'BuildpackMalformed'
  | 'BuildpackNotFound'
  | 'BuildpackDownloadFailed'
  | 'NoStartCommand';

const STAGING_ERROR_IDS: ReadonlySet<string> = new Set<StagingErrorId>([
  'StagingError',
  'StagingTimeExpired',
  'InsufficientResources',
  'NoCompatibleCell',
  'NoAppDetectedError',
  'BuildpackCompileFailed',
  'BuildpackReleaseFailed',
  'BuildpackMalformed',
  'BuildpackNotFound',
  'BuildpackDownloadFailed',
  'NoStartCommand',
]);

/** A target's staging error id as ours, or the generic one. */
export function stagingErrorId(id: string): StagingErrorId {
  return STAGING_ERROR_IDS.has(id) ? (id as StagingErrorId) : 'StagingError';
}

/** The OAuth error a login server answers with (RFC 6749 §5.2 and UAA's own). */
export type OAuthErrorCode =
  'invalid_grant' | 'invalid_token' | 'unauthorized' | 'invalid_client' | 'invalid_request' | 'unsupported_grant_type' | 'auth_failed';
const OAUTH_CODES: ReadonlySet<string> = new Set<OAuthErrorCode>([
  'invalid_grant',
  'invalid_token',
  'unauthorized',
  'invalid_client',
  'invalid_request',
  'unsupported_grant_type',
]);

export function oauthErrorCode(error: string | undefined): OAuthErrorCode {
  return error && OAUTH_CODES.has(error) ? (error as OAuthErrorCode) : 'auth_failed';
}

/** Every id an error of ours can carry: one vocabulary for the CLI, the extension and tests. */
export type ErrorCode =
  | CcErrorTitle
  | StagingErrorId
  | OAuthErrorCode
  // Talking to a target
  | 'Unreachable'
  | 'Tls'
  | 'Timeout'
  | 'LoginRequired'
  | 'Cancelled'
  // The local foundation
  | 'FoundationNotRunning'
  | 'FoundationUnresponsive'
  | 'FoundationLocked'
  | 'FoundationStartFailed'
  | 'FoundationDataDirUnusable'
  | 'PortInUse'
  // Manifests and app folders
  | 'ManifestInvalid'
  | 'ManifestNotFound'
  | 'ManifestTooLarge'
  | 'ManifestTooDeep'
  | 'ManifestAliasLimit'
  | 'VarsFileInvalid'
  | 'VarsFileNotFound'
  | 'AppNameTooLong'
  | 'AppPathNotFound'
  | 'AppPathNotFolder'
  | 'EmptyDirectory'
  | 'SymlinkOutsideApp'
  // Archives and droplets
  | 'InvalidZip'
  | 'UnsafeZipEntry'
  | 'ArchiveEntryOutsideTarget'
  | 'ArchiveTooLarge'
  | 'DropletInvalid'
  | 'DropletDownloadFailed'
  | 'NoDroplet'
  // Pushing and running
  | 'AppNotFound'
  | 'AppCrashed'
  | 'DomainNotFound'
  | 'StackNotFound'
  | 'DeploymentNotFound'
  | 'DeploymentNotPaused'
  | 'ServiceInstanceNotFound'
  | 'SmokeTestFailed'
  | 'StagingContainerFailed'
  // ssh
  | 'SshDisabled'
  | 'SshUnavailable'
  | 'SshHostKeyMismatch'
  | 'SshFailed'
  | 'ForwardSpecInvalid'
  // Debugging (issue 20)
  | 'DebugUnavailable'
  | 'DebugPortTaken'
  | 'DebugFailed'
  // Docker
  | 'DockerNotRunning'
  | 'DockerBuildFailed'
  | 'DockerPushFailed'
  | 'DockerRunFailed'
  | 'DockerImageMissing'
  | 'DockerRegistryRequired'
  | 'StackImageNotFound'
  | 'ExportFailed';

export interface CfPushErrorOptions {
  /** What the user should do next ("Run `cfpush foundation start`."). */
  hint?: string;
  /** A stable machine-readable id (see ErrorCode). */
  code?: ErrorCode;
  location?: SourceLocation;
  cause?: unknown;
}

/**
 * Every error a user can see. The message says what was wrong; `hint` says
 * what to do next; `location` says where (manifests).
 */
export class CfPushError extends Error {
  readonly hint?: string;
  readonly code?: ErrorCode;
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

/** The one way work stops when its signal is aborted (Ctrl-C, a Cancel button). */
export function cancelledError(what = 'The operation'): CfPushError {
  return new CfPushError(`${what} was cancelled.`, { code: 'Cancelled' });
}

/** Was this a cancellation (ours, or an AbortError from a library), or was `signal` aborted? */
export function isCancelled(err: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (err instanceof CfPushError && err.code === 'Cancelled') || (err as Error)?.name === 'AbortError';
}
