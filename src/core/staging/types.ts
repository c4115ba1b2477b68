// The builder's and launcher's contracts, shared by `cfpush stage`, the local
// foundation's staging and (later) in-container staging. Shapes follow
// cf-reference.md §4 (buildpackapplifecycle).

/** One buildpack that took part in staging, as CC's droplet.buildpacks lists it. */
export interface BuildpackRecord {
  /** What the user asked for: a built-in name, a folder, a zip or a URL. */
  key: string;
  /** `name` from deps/<idx>/config.yml, else the built-in's name. */
  name: string;
  version: string;
  detect_output?: string;
  buildpack_name?: string;
}

/** Why a buildpack did or did not detect: shown before anything is pushed. */
export interface DetectVerdict {
  name: string;
  version: string;
  key: string;
  matched: boolean;
  /** bin/detect's trimmed stdout when matched; otherwise what it looked for. */
  output: string;
}

export interface DetectReport {
  appDir: string;
  /** The first matching buildpack in priority order, if any. */
  selected?: DetectVerdict;
  /** Every buildpack tried, in order. */
  verdicts: DetectVerdict[];
  /** 'docker' when a Dockerfile selects the docker lifecycle (issue 5). */
  lifecycle: 'buildpack' | 'docker';
}

export interface StageOptions {
  /** The app's files (will not be modified: staging works on a copy). */
  appDir: string;
  /**
   * appDir is this staging's own copy (a foundation's materialized package)
   * on the same disk as the output: it is moved into the build, not copied.
   */
  moveAppDir?: boolean;
  /** Buildpack keys in order; empty/undefined = detect over the built-ins. */
  buildpacks?: string[];
  /** Per-app build cache (persists between stagings). */
  cacheDir: string;
  /**
   * Where to write the droplet .tgz (packed with a segment cache: the app's own, or segmentCacheDir;
   * see droplet.ts `packDroplet`). Optional when `explodedDir` is given.
   */
  outputDroplet?: string;
  /**
   * A segment cache shared by many apps (the local foundation's), instead of
   * the app's own in its build cache; not pruned per staging.
   */
  segmentCacheDir?: string;
  /** If set, the exploded droplet (app/, deps/, profile.d/, tmp/, logs/, staging_info.yml) is left here. */
  explodedDir?: string;
  /** App env for the buildpack scripts (VCAP_APPLICATION, VCAP_SERVICES, MEMORY_LIMIT, user env). */
  env?: Record<string, string>;
  stack?: string;
  /** One call per output line of the buildpack scripts (and the builder's own lines). */
  log?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export interface StageResult {
  dropletPath?: string;
  explodedDir?: string;
  /** sha256 hex of the droplet tgz (when one was written). */
  checksum?: string;
  detectedBuildpack: string;
  startCommand: string;
  processTypes: Record<string, string>;
  buildpacks: BuildpackRecord[];
  stack: string;
}

/** CC error ids for builder exit codes (cf-reference.md §4.1). */
export type StagingErrorId =
  'NoAppDetectedError' | 'BuildpackCompileFailed' | 'BuildpackReleaseFailed' | 'StagingError' | 'StagingTimeExpired' | 'InsufficientResources';

/** What the launcher needs to start one instance of a droplet. */
export interface LaunchOptions {
  /** The exploded droplet root (the equivalent of /home/vcap). */
  dropletDir: string;
  /** process.command if set, else the droplet's start command is used. */
  command?: string;
  /** The app's PORT; none for a task (Diego gives a task no port). */
  port?: number;
  instanceIndex: number;
  instanceGuid: string;
  /** App env (user env, already merged with groups). */
  env?: Record<string, string>;
  vcapApplication: Record<string, unknown>;
  vcapServices?: Record<string, unknown[]>;
  memoryMb?: number;
}

/** A ready-to-spawn process: `spawn(file, args, {cwd, env})`. */
export interface LaunchSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}
