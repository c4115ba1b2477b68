// CC v3 resource shapes (cf-reference.md §1), only the fields we read.
export interface Link {
  href: string;
  method?: string;
}

export interface CcResource {
  guid: string;
  created_at: string;
  updated_at: string;
  links?: Record<string, Link>;
}

export interface Relationship {
  data: { guid: string } | null;
}

export interface CcOrg extends CcResource {
  name: string;
}

export interface CcSpace extends CcResource {
  name: string;
  relationships: { organization: Relationship };
}

export interface CcLifecycle {
  type: 'buildpack' | 'docker' | 'cnb';
  data: { buildpacks?: string[]; stack?: string };
}

export interface CcApp extends CcResource {
  name: string;
  state: 'STARTED' | 'STOPPED';
  lifecycle: CcLifecycle;
  relationships: { space: Relationship; current_droplet?: Relationship };
}

export interface CcPackage extends CcResource {
  type: 'bits' | 'docker';
  state: 'AWAITING_UPLOAD' | 'PROCESSING_UPLOAD' | 'READY' | 'FAILED' | 'COPYING' | 'EXPIRED';
  data: Record<string, unknown>;
}

export interface CcBuild extends CcResource {
  state: 'STAGING' | 'STAGED' | 'FAILED';
  error: string | null;
  droplet: { guid: string } | null;
  package: { guid: string };
}

export interface CcDroplet extends CcResource {
  state: string;
  error: string | null;
  process_types: Record<string, string>;
  buildpacks: { name: string; version?: string | null; detect_output?: string | null; buildpack_name?: string | null }[];
  stack: string | null;
  image?: string | null;
  execution_metadata?: string;
}

export interface CcProcess extends CcResource {
  type: string;
  command: string | null;
  instances: number;
  memory_in_mb: number;
  disk_in_mb: number;
  health_check: { type: string; data: { timeout?: number | null; endpoint?: string | null } };
}

export interface CcInstanceStats {
  type: string;
  index: number;
  state: 'RUNNING' | 'CRASHED' | 'STARTING' | 'STOPPING' | 'DOWN';
  host?: string;
  uptime?: number;
  details?: string | null;
  instance_ports?: { external: number; internal: number }[];
}

export interface CcDomain extends CcResource {
  name: string;
  internal: boolean;
  /** An owning org makes the domain private to it; none: shared. */
  relationships?: { organization?: { data: { guid: string } | null } };
}

export interface CcDestination {
  guid: string;
  app: { guid: string; process?: { type: string } };
  port?: number | null;
  protocol?: string | null;
}

export interface CcRoute extends CcResource {
  protocol: string;
  host: string;
  path: string;
  url: string;
  destinations: CcDestination[];
  relationships: { domain: Relationship; space: Relationship };
}

export interface CcJob extends CcResource {
  operation: string;
  state: 'PROCESSING' | 'POLLING' | 'COMPLETE' | 'FAILED';
  errors: CcErrorItem[];
  warnings: { detail: string }[];
}

export interface CcErrorItem {
  code: number;
  title: string;
  detail: string;
}

export interface CcList<T> {
  pagination: { total_results: number; total_pages: number; next: Link | null };
  resources: T[];
}

export interface CcRoot {
  links: Record<string, (Link & { meta?: { version?: string } }) | null>;
}

export interface CcDeployment extends Partial<CcResource> {
  guid: string;
  strategy?: string;
  status: {
    value: 'ACTIVE' | 'FINALIZED';
    reason: string;
    details?: { error?: string | null };
    canary?: { steps: { current: number; total: number } };
  };
  /** The processes the deployment brings up (CC: new_processes). */
  new_processes?: { guid: string; type: string }[];
  relationships?: { app: { data: { guid: string } } };
}

export interface CcTask extends CcResource {
  sequence_id: number;
  name: string;
  /** Absent in lists (CC hides it). */
  command?: string;
  state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'CANCELING' | 'FAILED';
  memory_in_mb: number;
  disk_in_mb: number;
  result?: { failure_reason: string | null };
  droplet_guid?: string;
}

/** GET /v3/apps/:guid/env. */
export interface CcAppEnv {
  environment_variables: Record<string, string>;
  system_env_json: Record<string, unknown>;
  application_env_json: Record<string, unknown>;
  running_env_json: Record<string, unknown>;
  staging_env_json: Record<string, unknown>;
}
