// The foundation's state: one JSON document written atomically (small, and a
// crash never leaves half a file), a content-addressed blob store for package
// files, droplet bits (droplet-bits.ts) and per-app build caches, all under
// the data dir.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, realpath, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { ensurePrivateDir } from '../core/paths';
import { BUILTIN_STACK, builtinBuildpacks } from '../core/staging/buildpacks';
import type { BuildpackRecord } from '../core/staging/types';
import { BuildpackBits } from './buildpack-bits';
import { DropletBits } from './droplet-bits';
import { fsyncDir, PRIVATE_FILE_MODE } from './state';

export interface Meta {
  guid: string;
  created_at: string;
  updated_at: string;
}

export interface OrgRec extends Meta {
  name: string;
  /** Its organization quota (every org has one: `default` unless set). */
  quota_guid: string;
}
export interface SpaceRec extends Meta {
  name: string;
  org_guid: string;
  /** The space's `ssh` feature (CC: allow_ssh); absent = on. */
  allow_ssh?: boolean;
}
export interface DomainRec extends Meta {
  name: string;
  /** The owning org of a private domain; absent or null = shared. */
  org_guid?: string | null;
  internal?: boolean;
  /** Orgs a private domain is shared with. */
  shared_org_guids?: string[];
}

/** CC's role types (RoleTypes::ALL_ROLES, in its order). */
export const ORG_ROLE_TYPES = ['organization_auditor', 'organization_manager', 'organization_billing_manager', 'organization_user'] as const;
export const SPACE_ROLE_TYPES = ['space_auditor', 'space_developer', 'space_manager', 'space_supporter'] as const;
export type RoleType = (typeof ORG_ROLE_TYPES)[number] | (typeof SPACE_ROLE_TYPES)[number];

/** A user's role in an org or a space. */
export interface RoleRec extends Meta {
  type: RoleType;
  user_guid: string;
  org_guid: string | null;
  space_guid: string | null;
}

/** An organization quota; a null limit is unlimited. */
export interface OrgQuotaRec extends Meta {
  name: string;
  apps: { total_memory_in_mb: number | null; per_process_memory_in_mb: number | null; total_instances: number | null; per_app_tasks: number | null };
  services: { paid_services_allowed: boolean; total_service_instances: number | null; total_service_keys: number | null };
  routes: { total_routes: number | null; total_reserved_ports: number | null };
  domains: { total_domains: number | null };
}

export interface AppRec extends Meta {
  name: string;
  space_guid: string;
  state: 'STARTED' | 'STOPPED';
  lifecycle: { type: 'buildpack' | 'docker'; data: { buildpacks: string[]; stack: string } | Record<string, never> };
  env: Record<string, string>;
  droplet_guid: string | null;
  /** App features (`/v3/apps/:guid/features`); absent = on, as CC's defaults. */
  enable_ssh?: boolean;
  revisions_enabled?: boolean;
  /** The last task's sequence_id (CC's max_task_sequence_id); absent = none yet. */
  max_task_sequence_id?: number;
}

export interface HealthCheck {
  type: 'port' | 'process' | 'http';
  data: { timeout: number | null; invocation_timeout: number | null; interval: number | null; endpoint: string | null };
}

export interface ProcessRec extends Meta {
  app_guid: string;
  type: string;
  command: string | null;
  instances: number;
  memory_in_mb: number;
  disk_in_mb: number;
  health_check: HealthCheck;
}

/** One file of a package: its bytes live in the blob store under `sha1`. */
export interface PackageFile {
  path: string;
  mode: string;
  /** sha1 of the contents in the blob store; '' for a symlink. */
  sha1: string;
  size: number;
  /** A symlink's target, relative and inside the package (checked at upload). */
  link?: string;
}

export interface PackageRec extends Meta {
  app_guid: string;
  type: 'bits' | 'docker';
  state: 'AWAITING_UPLOAD' | 'PROCESSING_UPLOAD' | 'READY' | 'FAILED';
  sha256: string | null;
  error: string | null;
  files: PackageFile[];
  /** Docker packages: the image and registry credentials (the password is never presented). */
  docker?: { image: string; username: string | null; password: string | null };
}

export interface BuildRec extends Meta {
  app_guid: string;
  package_guid: string;
  state: 'STAGING' | 'STAGED' | 'FAILED';
  error: string | null;
  droplet_guid: string | null;
  buildpacks: string[];
  stack: string;
  staging_memory_in_mb: number;
  staging_disk_in_mb: number;
}

export interface DropletRec extends Meta {
  app_guid: string;
  /** '' for a droplet uploaded with POST /v3/droplets (no package). */
  package_guid: string;
  state: 'AWAITING_UPLOAD' | 'PROCESSING_UPLOAD' | 'STAGING' | 'STAGED' | 'FAILED';
  error: string | null;
  process_types: Record<string, string>;
  buildpacks: BuildpackRecord[];
  stack: string;
  checksum: string | null;
  execution_metadata: string;
  /** Docker lifecycle droplets (issue 5): the image the instances run; absent for buildpack droplets. */
  image?: string | null;
}

export interface DestinationRec {
  guid: string;
  app_guid: string;
  process_type: string;
  created_at: string;
  updated_at: string;
}

export interface RouteRec extends Meta {
  host: string;
  path: string;
  domain_guid: string;
  space_guid: string;
  destinations: DestinationRec[];
}

/** CC's last_operation of a service instance or binding; `broker_operation` is what a broker's 202 asked to be sent back when polling. */
export interface LastOperationRec {
  type: 'create' | 'update' | 'delete';
  /** Absent on user-provided records written before managed services (they always succeeded). */
  state?: 'initial' | 'in progress' | 'succeeded' | 'failed';
  description?: string;
  created_at: string;
  updated_at: string;
  broker_operation?: string | null;
}

interface ServiceInstanceBase extends Meta {
  name: string;
  space_guid: string;
  tags: string[];
  last_operation: LastOperationRec;
}

/** A user-provided service instance (`type: user-provided`). */
export interface UserProvidedInstanceRec extends ServiceInstanceBase {
  type: 'user-provided';
  credentials: Record<string, unknown>;
  syslog_drain_url: string | null;
  route_service_url: string | null;
}

/** A managed service instance: provisioned by its plan's broker (service-operations.ts). */
export interface ManagedInstanceRec extends ServiceInstanceBase {
  type: 'managed';
  service_plan_guid: string;
  dashboard_url: string | null;
  maintenance_info: Record<string, unknown>;
  /** The plan an update moves to, kept until the broker says the update succeeded. */
  proposed_plan_guid?: string | null;
}

export type ServiceInstanceRec = UserProvidedInstanceRec | ManagedInstanceRec;

/**
 * A service broker (`cf create-service-broker`): an Open Service Broker API
 * endpoint the foundation fetches catalogs from. The password is kept for
 * the broker calls (the state file is readable by this user only) and never
 * presented.
 */
export interface ServiceBrokerRec extends Meta {
  name: string;
  url: string;
  username: string;
  password: string;
  /** Set for a space-scoped broker (`--space-scoped`): its plans are visible in that space only. */
  space_guid: string | null;
  /** The foundation's own broker (builtin-broker/), registered at every start. */
  builtin?: true;
}

/** An offering of a broker's catalog (OSBAPI "service"). */
export interface ServiceOfferingRec extends Meta {
  name: string;
  description: string;
  available: boolean;
  tags: string[];
  requires: string[];
  shareable: boolean;
  documentation_url: string | null;
  broker_catalog: { id: string; metadata: Record<string, unknown>; features: Record<string, boolean> };
  service_broker_guid: string;
}

export type PlanVisibility = 'public' | 'admin' | 'organization' | 'space';

/** A plan of an offering, with who may see it (`enable-service-access`). */
export interface ServicePlanRec extends Meta {
  name: string;
  description: string;
  available: boolean;
  free: boolean;
  costs: { amount: number; currency: string; unit: string }[];
  maintenance_info: Record<string, unknown>;
  broker_catalog: { id: string; metadata: Record<string, unknown>; maximum_polling_duration: number | null; features: Record<string, boolean> };
  schemas: Record<string, unknown>;
  service_offering_guid: string;
  visibility_type: PlanVisibility;
  /** The organizations of an `organization` visibility. */
  visibility_org_guids: string[];
}

/**
 * A service credential binding: `app` (VCAP_SERVICES) or `key` (a service
 * key, no app). A managed instance's binding holds what its broker answered;
 * a user-provided one reads the instance's credentials.
 */
export interface ServiceBindingRec extends Meta {
  name: string | null;
  type: 'app' | 'key';
  app_guid: string | null;
  service_instance_guid: string;
  /** Managed only: the broker's bind answer and the operation's state. */
  credentials?: Record<string, unknown>;
  syslog_drain_url?: string | null;
  volume_mounts?: Record<string, unknown>[];
  last_operation?: LastOperationRec;
}

export type DeploymentReason = 'DEPLOYING' | 'PAUSED' | 'CANCELING' | 'DEPLOYED' | 'CANCELED' | 'SUPERSEDED';

export interface DeploymentRec extends Meta {
  app_guid: string;
  strategy: 'rolling' | 'canary';
  droplet_guid: string;
  previous_droplet_guid: string | null;
  max_in_flight: number;
  /** Web instances wanted at the end (options.web_instances, else the old web process's). */
  web_instances: number;
  value: 'ACTIVE' | 'FINALIZED';
  reason: DeploymentReason;
  last_status_change: string;
  error: string | null;
  /** The web process this deployment brings up next to the old one(s). */
  new_process_guid: string | null;
  /** Instances of each old web process when it began: what a cancel restores, also after a restart. */
  old_instances?: Record<string, number>;
  /** Canary: options.canary.steps' instance weights (none given: one instance), and the step reached (1-based). */
  canary?: { weights: number[] | null; current: number };
}

export interface JobRec extends Meta {
  operation: string;
  /** POLLING: waiting on a broker's asynchronous operation (the cf CLI stops polling there without --wait). */
  state: 'PROCESSING' | 'POLLING' | 'COMPLETE' | 'FAILED';
  errors: { code: number; title: string; detail: string }[];
  warnings: { detail: string }[];
  resource: string | null;
  /** A POLLING job's broker operation, resumed when the foundation starts again. */
  polls?: { kind: 'service_instance' | 'service_binding'; guid: string };
}

/** A numbered snapshot of what an app runs (revisions.ts). */
export interface RevisionRec extends Meta {
  app_guid: string;
  version: number;
  droplet_guid: string;
  environment_variables: Record<string, string>;
  commands: Record<string, string | null>;
  description: string;
}

export type TaskState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'CANCELING' | 'FAILED';

/** A one-off process from an app's droplet (`cf run-task`; tasks.ts runs it). */
export interface TaskRec extends Meta {
  app_guid: string;
  sequence_id: number;
  name: string;
  command: string;
  state: TaskState;
  memory_in_mb: number;
  disk_in_mb: number;
  droplet_guid: string;
  failure_reason: string | null;
}

/** A feature flag set away from its default (keyed by name: the record's guid is the name). */
export interface FeatureFlagRec extends Meta {
  enabled: boolean;
  custom_error_message: string | null;
}

/** An environment variable group, `running` or `staging` (its guid). */
export interface EnvGroupRec extends Meta {
  var: Record<string, string>;
}

/** An app usage event (`/v3/app_usage_events`), stored in CC's presented shape. */
export interface UsageEventRec extends Meta {
  state: { current: string; previous: string | null };
  app: { guid: string; name: string };
  process: { guid: string; type: string };
  space: { guid: string; name: string };
  organization: { guid: string };
  buildpack: { guid: string | null; name: string | null };
  task: { guid: string | null; name: string | null };
  memory_in_mb_per_instance: { current: number; previous: number | null };
  instance_count: { current: number; previous: number | null };
}

/** One audit event (what `cf events` lists). */
export interface AuditEventRec extends Meta {
  type: string;
  actor: { guid: string; type: 'user'; name: string };
  target: { guid: string; type: string; name: string };
  data: Record<string, unknown>;
  space_guid: string | null;
  org_guid: string | null;
}

/** An admin buildpack (`cf buildpacks`): a built-in, or a zip uploaded into buildpack-bits.ts. */
export interface BuildpackRec extends Meta {
  name: string;
  /** null until bits are uploaded (then the zip's manifest stack, else the foundation's). */
  stack: string | null;
  /** 1…n, unique: detection order (admin-buildpacks.ts keeps them so). */
  position: number;
  enabled: boolean;
  /** Refuses new bits. */
  locked: boolean;
  /** The uploaded zip's name; null before an upload (and for a built-in: present.ts names its version). */
  filename: string | null;
  /** sha256 of the uploaded zip: its bits in buildpack-bits.ts. */
  sha256: string | null;
  /** A built-in shipped with cf-push (its folder under buildpacks/), until bits are uploaded over it. */
  builtin?: string;
}

export interface State {
  version: 1;
  orgs: Record<string, OrgRec>;
  spaces: Record<string, SpaceRec>;
  domains: Record<string, DomainRec>;
  apps: Record<string, AppRec>;
  processes: Record<string, ProcessRec>;
  packages: Record<string, PackageRec>;
  builds: Record<string, BuildRec>;
  droplets: Record<string, DropletRec>;
  routes: Record<string, RouteRec>;
  jobs: Record<string, JobRec>;
  service_instances: Record<string, ServiceInstanceRec>;
  service_bindings: Record<string, ServiceBindingRec>;
  service_brokers: Record<string, ServiceBrokerRec>;
  service_offerings: Record<string, ServiceOfferingRec>;
  service_plans: Record<string, ServicePlanRec>;
  deployments: Record<string, DeploymentRec>;
  audit_events: Record<string, AuditEventRec>;
  revisions: Record<string, RevisionRec>;
  feature_flags: Record<string, FeatureFlagRec>;
  env_groups: Record<string, EnvGroupRec>;
  app_usage_events: Record<string, UsageEventRec>;
  roles: Record<string, RoleRec>;
  org_quotas: Record<string, OrgQuotaRec>;
  buildpacks: Record<string, BuildpackRec>;
  tasks: Record<string, TaskRec>;
  /** Built-ins this data dir has been offered: a newer cf-push adds the ones it lacks once; one a user deleted stays deleted. */
  offered_builtins?: string[];
}

export type Collection = Exclude<keyof State, 'version' | 'offered_builtins'>;

/** Every collection, once (the compiler checks none is missing): an empty state has them all, an older data dir gets those it lacks. */
const COLLECTIONS = Object.keys({
  orgs: 1,
  spaces: 1,
  domains: 1,
  apps: 1,
  processes: 1,
  packages: 1,
  builds: 1,
  droplets: 1,
  routes: 1,
  jobs: 1,
  service_instances: 1,
  service_bindings: 1,
  service_brokers: 1,
  service_offerings: 1,
  service_plans: 1,
  deployments: 1,
  audit_events: 1,
  revisions: 1,
  feature_flags: 1,
  env_groups: 1,
  app_usage_events: 1,
  roles: 1,
  org_quotas: 1,
  buildpacks: 1,
  tasks: 1,
} satisfies Record<Collection, 1>) as Collection[];

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Code-unit order, for sorting by `created_at` (timestamps of now(), where it
 * is localeCompare's order) and by path: localeCompare would load ICU's
 * collation data, ~3 MB of the daemon's resident memory (docs/benchmarks.md,
 * issue 21).
 */
export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function meta(): Meta {
  const t = now();
  return { guid: randomUUID(), created_at: t, updated_at: t };
}

/** CC's `default` org quota (cf-deployment's limits), which every new org gets. */
export function defaultOrgQuota(): OrgQuotaRec {
  return {
    ...meta(),
    name: 'default',
    apps: { total_memory_in_mb: 102400, per_process_memory_in_mb: null, total_instances: null, per_app_tasks: null },
    services: { paid_services_allowed: true, total_service_instances: null, total_service_keys: null },
    routes: { total_routes: 1000, total_reserved_ports: 100 },
    domains: { total_domains: null },
  };
}

/** The built-ins as CC's admin buildpacks, named as CF names them, in detection order. */
function builtinBuildpackRecords(): Record<string, BuildpackRec> {
  const recs = builtinBuildpacks().map((b, i) => builtinRecord(b, i + 1));
  return Object.fromEntries(recs.map((r) => [r.guid, r]));
}

/** One built-in as CC's admin buildpack record at `position`. */
function builtinRecord(b: { key: string; name: string }, position: number): BuildpackRec {
  return {
    ...meta(),
    name: b.key,
    stack: BUILTIN_STACK,
    position,
    enabled: true,
    locked: false,
    filename: null,
    sha256: null,
    builtin: b.name,
  };
}

function emptyState(): State {
  const quota = defaultOrgQuota();
  const org: OrgRec = { ...meta(), name: 'org', quota_guid: quota.guid };
  const space: SpaceRec = { ...meta(), name: 'space', org_guid: org.guid };
  const domain: DomainRec = { ...meta(), name: 'localhost' };
  const empty = Object.fromEntries(COLLECTIONS.map((k) => [k, {}])) as Omit<State, 'version'>;
  return {
    ...empty,
    version: 1,
    orgs: { [org.guid]: org },
    spaces: { [space.guid]: space },
    domains: { [domain.guid]: domain },
    org_quotas: { [quota.guid]: quota },
    buildpacks: builtinBuildpackRecords(),
    offered_builtins: builtinBuildpacks().map((b) => b.name),
  };
}

/**
 * Built-ins added to cf-push since this data dir was made join its admin
 * buildpacks in their detection place: before the next built-in that follows
 * them in order (positions after it shift), else last.
 */
function offerNewBuiltins(state: State): void {
  const recs = () => Object.values(state.buildpacks).sort((a, b) => a.position - b.position);
  const offered = new Set(state.offered_builtins ?? recs().flatMap((r) => (r.builtin ? [r.builtin] : [])));
  const order = builtinBuildpacks();
  for (const [i, b] of order.entries()) {
    if (offered.has(b.name)) continue;
    offered.add(b.name);
    const later = new Set(order.slice(i + 1).map((x) => x.name));
    const all = recs();
    // A user's buildpack may already have the name: theirs wins, the built-in stays out.
    if (all.some((r) => r.name === b.key)) continue;
    const next = all.find((r) => r.builtin && later.has(r.builtin));
    const position = next ? next.position : all.length + 1;
    for (const r of all) if (r.position >= position) r.position++;
    const rec = builtinRecord(b, position);
    state.buildpacks[rec.guid] = rec;
  }
  state.offered_builtins = [...offered];
}

/** CC's failure_reason for a task that was running when its cell was lost (Diego BULKER_TASK_FAILURE). */
export const LOST_TASK = 'Unable to determine completion status';

// Finished jobs are only polled briefly; keep the document small.
const MAX_JOBS = 200;

/** The data dir and what is directly in it: readable by this user only (state.json holds env values and credentials). */
const PRIVATE_DIRS = ['blobs', 'droplets', 'droplet-blobs', 'buildpacks', 'cache', 'tmp'];

/** Collections a failed write does not take back: a job's outcome must stay visible to the client polling it. */
const KEPT_ON_REVERT: readonly Collection[] = ['jobs'];

export class Store {
  readonly state: State;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer?: NodeJS.Timeout;
  readonly dropletBits = new DropletBits(this);
  readonly buildpackBits = new BuildpackBits(this);
  /** The document as it last reached the disk: what memory returns to when a write fails. */
  private lastGood: string;
  /** Writes that failed so far; a request that lived through one was not saved (http.ts). */
  failures = 0;
  lastError: unknown;
  /** Called after memory went back to the last saved document (the foundation re-converges apps and routes). */
  onRevert: () => void = () => undefined;

  constructor(readonly dataDir: string) {
    ensurePrivateDir(dataDir);
    for (const d of PRIVATE_DIRS) ensurePrivateDir(join(dataDir, d));
    const file = this.file;
    const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (text !== undefined) chmodSync(file, PRIVATE_FILE_MODE);
    this.state = text !== undefined ? (JSON.parse(text) as State) : emptyState();
    this.lastGood = text ?? '';
    // A data dir from before buildpacks were records offered the built-ins: it does so now as records.
    this.state.buildpacks ??= builtinBuildpackRecords();
    offerNewBuiltins(this.state);
    // Documents written before some collections existed.
    for (const k of COLLECTIONS) (this.state as unknown as Record<string, object>)[k] ??= {};
    // ... and before org quotas: the `default` one, and every org on it.
    let fallback = Object.values(this.state.org_quotas).find((q) => q.name === 'default');
    if (!fallback) this.state.org_quotas[(fallback = defaultOrgQuota()).guid] = fallback;
    for (const o of Object.values(this.state.orgs)) o.quota_guid ??= fallback.guid;
    // ACTIVE deployments go on where they stand once the foundation runs (resumeDeployments).
    for (const d of Object.values(this.state.droplets)) if (d.state === 'PROCESSING_UPLOAD') d.state = 'FAILED';
    // Anything that was staging when the last foundation died will never finish.
    for (const b of Object.values(this.state.builds)) {
      if (b.state === 'STAGING') Object.assign(b, { state: 'FAILED', error: 'StagingError - the foundation stopped while staging' });
    }
    for (const d of Object.values(this.state.droplets)) if (d.state === 'STAGING') d.state = 'FAILED';
    // Tasks do not survive the foundation: what it was running is lost, as CC's task sync marks tasks Diego no longer has.
    for (const t of Object.values(this.state.tasks)) {
      if (t.state !== 'SUCCEEDED' && t.state !== 'FAILED') Object.assign(t, { state: 'FAILED', failure_reason: LOST_TASK });
    }
    // A job that was running when the last foundation died will never end: its pollers get an answer.
    for (const j of Object.values(this.state.jobs)) {
      if (j.state === 'PROCESSING') {
        Object.assign(j, {
          state: 'FAILED',
          errors: [{ code: 10001, title: 'UnknownError', detail: 'The local foundation stopped while this job ran; run the command again.' }],
        });
      }
    }
    rmSync(join(dataDir, 'tmp'), { recursive: true, force: true });
    mkdirSync(join(dataDir, 'tmp'), { mode: 0o700 });
    if (text === undefined) {
      this.lastGood = JSON.stringify(this.state);
      writeFileAtomic.sync(file, this.lastGood, { mode: PRIVATE_FILE_MODE });
    }
  }

  private get file(): string {
    return join(this.dataDir, 'state.json');
  }

  list<K extends Collection>(kind: K): State[K][string][] {
    return Object.values(this.state[kind]) as State[K][string][];
  }

  get<K extends Collection>(kind: K, guid: string | null | undefined): State[K][string] | undefined {
    return guid ? (this.state[kind][guid] as State[K][string] | undefined) : undefined;
  }

  put<K extends Collection>(kind: K, rec: State[K][string]): State[K][string] {
    (this.state[kind] as Record<string, Meta>)[rec.guid] = rec;
    if (kind === 'jobs') this.pruneJobs();
    this.save();
    return rec;
  }

  /** Marks a record changed (updated_at) and schedules a save. */
  touch<T extends Meta>(rec: T): T {
    rec.updated_at = now();
    this.save();
    return rec;
  }

  remove(kind: Collection, guid: string): void {
    delete (this.state[kind] as Record<string, Meta>)[guid];
    this.save();
  }

  /** Coalesces bursts of changes into one atomic write. */
  save(): void {
    this.dirty = true;
    if (this.timer || this.sealed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, 20);
  }

  /** After the final flush of close(): the data dir may already belong to the next foundation. */
  sealed = false;

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const run = this.saving.then(async () => {
      if (!this.dirty || this.sealed) return;
      this.dirty = false;
      const text = JSON.stringify(this.state);
      try {
        await this.writeDocument(text);
      } catch (err) {
        // A full or read-only disk: what was not saved did not happen (the callers say so), memory included.
        this.failures++;
        this.lastError = err;
        this.revert();
        throw err;
      }
      this.lastGood = text;
      // The rename is only durable once the directory is synced (state.ts).
      await fsyncDir(this.dataDir);
    });
    this.saving = run.catch(() => undefined);
    return run;
  }

  private documentWrites = 0;

  /**
   * The document to a temp file in tmp/ (the same filesystem; emptied at
   * start), fsynced, then renamed over state.json. Not write-file-atomic here:
   * it resolves, stats, chowns and chmods the file on every write, ten round
   * trips to the thread pool where these take two (~3 ms of the main thread
   * per push, issue 21).
   */
  private async writeDocument(text: string): Promise<void> {
    const tmp = join(this.dataDir, 'tmp', `state-${process.pid}-${++this.documentWrites}.json`);
    try {
      await writeFile(tmp, text, { mode: PRIVATE_FILE_MODE, flush: true }).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await mkdir(dirname(tmp), { recursive: true, mode: 0o700 }); // someone emptied the data dir's tmp/
        await writeFile(tmp, text, { mode: PRIVATE_FILE_MODE, flush: true });
      });
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Puts memory back to the last saved document, in place: records handlers
   * hold stay the same objects; ones the failed write would have added go,
   * ones it would have removed come back. Jobs stay (KEPT_ON_REVERT).
   */
  private revert(): void {
    const saved = JSON.parse(this.lastGood) as State;
    if (saved.offered_builtins) this.state.offered_builtins = saved.offered_builtins;
    for (const kind of Object.keys(saved) as (keyof State)[]) {
      if (kind === 'version' || kind === 'offered_builtins' || KEPT_ON_REVERT.includes(kind)) continue;
      const live = (this.state[kind] ??= {} as never) as unknown as Record<string, Record<string, unknown>>;
      const old = saved[kind] as unknown as Record<string, Record<string, unknown>>;
      for (const guid of Object.keys(live)) if (!(guid in old)) delete live[guid];
      for (const [guid, rec] of Object.entries(old)) {
        const cur = live[guid];
        if (!cur) {
          live[guid] = rec;
          continue;
        }
        for (const k of Object.keys(cur)) if (!(k in rec)) delete cur[k];
        Object.assign(cur, rec);
      }
    }
    try {
      this.onRevert();
    } catch {
      /* the revert itself stands */
    }
  }

  private pruneJobs(): void {
    const jobs = Object.values(this.state.jobs);
    if (jobs.length <= MAX_JOBS) return;
    jobs.sort((a, b) => ordinal(a.created_at, b.created_at));
    for (const j of jobs.slice(0, jobs.length - MAX_JOBS)) delete this.state.jobs[j.guid];
  }

  // --- blobs -------------------------------------------------------------

  blobPath(sha1: string): string {
    return join(this.dataDir, 'blobs', sha1.slice(0, 2), sha1);
  }

  hasBlob(sha1: string): boolean {
    return /^[0-9a-f]{40}$/.test(sha1) && existsSync(this.blobPath(sha1));
  }

  /** Moves a temp file into the blob store under its sha1 (already computed by the caller). */
  adoptBlob(tmpFile: string, sha1: string): Promise<void> {
    return this.lockBlobs(async () => {
      const dest = this.blobPath(sha1);
      if (existsSync(dest)) {
        // Fresh again: the garbage collector leaves blobs an upload in flight touched (gc.ts).
        const t = new Date();
        await utimes(dest, t, t);
        return rm(tmpFile, { force: true });
      }
      await mkdir(join(this.dataDir, 'blobs', sha1.slice(0, 2)), { recursive: true, mode: 0o700 });
      await chmod(tmpFile, PRIVATE_FILE_MODE);
      await rename(tmpFile, dest);
    });
  }

  private blobLock: Promise<unknown> = Promise.resolve();
  /** Adopting and collecting blobs never interleave (a blob re-adopted while the collector deletes it). */
  lockBlobs<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.blobLock.then(fn);
    this.blobLock = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes a package's files into `dir` (staging works on this copy): files
   * first, symlinks last (so no file is written through one), and every link
   * must still resolve inside `dir` once all are in place.
   */
  async materialize(files: PackageFile[], dir: string): Promise<void> {
    const links = files.filter((f) => f.link !== undefined);
    for (const f of files) {
      if (f.link !== undefined) continue;
      const dest = join(dir, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(this.blobPath(f.sha1), dest);
      const mode = parseInt(f.mode, 8);
      // No special bits, and the owner can always read and write (staging must).
      await chmod(dest, ((Number.isNaN(mode) ? 0o644 : mode) & 0o777) | 0o600);
    }
    for (const f of links) {
      const dest = join(dir, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await symlink(f.link!, dest).catch((err: NodeJS.ErrnoException) => {
        throw new Error(err.code === 'EEXIST' ? `the package has both a symlink '${f.path}' and files under it` : `symlink '${f.path}': ${err.message}`);
      });
    }
    const root = await realpath(dir);
    for (const f of links) {
      const target = await realpath(join(dir, f.path)).catch(() => undefined); // a dangling link is the app's business
      if (target && target !== root && !target.startsWith(`${root}${sep}`)) {
        throw new Error(`symlink '${f.path}' -> '${f.link}' resolves outside the app (Symlink(s) point outside of root folder)`);
      }
    }
  }

  tmpDir(name: string): string {
    return join(this.dataDir, 'tmp', `${name}-${randomUUID()}`);
  }

  /** A droplet's exploded tree: keyed by its checksum (droplets/<guid>/ for one not migrated yet). */
  /** The exploded droplet instances run: droplets/<sha256>/, or an old data dir's droplets/<guid>/. */
  dropletDir(guid: string): string {
    const legacy = join(this.dataDir, 'droplets', guid);
    const sum = this.get('droplets', guid)?.checksum;
    return sum && !existsSync(legacy) ? join(this.dataDir, 'droplets', sum) : legacy;
  }

  cacheDir(appGuid: string): string {
    return join(this.dataDir, 'cache', appGuid);
  }
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
