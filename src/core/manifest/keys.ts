// Key documentation for editor hovers and completion (cf-reference.md §3).
export type KeyScope = 'top' | 'app' | 'process' | 'route' | 'docker' | 'service' | 'metadata' | 'sidecar';

export interface ManifestKeyInfo {
  /** Where the key may appear. */
  scopes: KeyScope[];
  /** One line: what the key does. */
  description: string;
  /** Allowed values, as a user would type them. */
  values?: string;
  /** Set when the key is deprecated or removed: what to use instead. */
  deprecated?: string;
}

const UNITS = 'integer with a unit: B, K, KB, M, MB, G, GB, T, TB (also MiB, GiB…), any case, e.g. 512M, 1G';
const HC = '"port" | "process" | "http"';

export const MANIFEST_KEYS: Readonly<Record<string, ManifestKeyInfo>> = {
  version: { scopes: ['top'], description: 'Manifest schema version.', values: '1' },
  applications: { scopes: ['top'], description: 'The apps to push; at least one.', values: 'list of application maps' },
  name: { scopes: ['app', 'sidecar'], description: 'App name (required, must not be empty).', values: 'string' },
  path: { scopes: ['app'], description: 'Folder or zip to upload, relative to the manifest (client-side only; not with docker).', values: 'path' },
  buildpacks: {
    scopes: ['app'],
    description: 'Buildpacks to use, in order; empty, null or default = auto-detect.',
    values: 'list of buildpack names or git/zip URLs',
  },
  buildpack: {
    scopes: ['app'],
    description: 'A single buildpack.',
    values: 'buildpack name or URL',
    deprecated: "Use 'buildpacks'. Cannot be combined with 'buildpacks'.",
  },
  stack: { scopes: ['app'], description: 'Root filesystem to stage and run on.', values: 'stack name, e.g. cflinuxfs4' },
  lifecycle: { scopes: ['app'], description: 'How the app is built.', values: '"buildpack" | "cnb" | "docker"' },
  command: {
    scopes: ['app', 'process', 'sidecar'],
    description: 'Start command; overrides the Procfile and the buildpack default.',
    values: 'string, 1-4096 characters',
  },
  instances: { scopes: ['app', 'process'], description: 'Number of instances (applies immediately).', values: 'integer 0-2000000' },
  memory: { scopes: ['app', 'process', 'sidecar'], description: 'Memory limit per instance.', values: UNITS },
  disk_quota: { scopes: ['app', 'process'], description: 'Disk limit per instance.', values: UNITS },
  'disk-quota': { scopes: ['app', 'process'], description: 'Disk limit per instance (same as disk_quota; use one of them).', values: UNITS },
  'log-rate-limit-per-second': { scopes: ['app', 'process'], description: 'Log rate limit per instance.', values: `${UNITS}; -1 = unlimited` },
  env: { scopes: ['app'], description: 'Environment variables (values are sent as strings).', values: 'map of NAME: value' },
  routes: { scopes: ['app'], description: 'Routes to map to the app.', values: 'list of {route: host.domain/path | domain:port, protocol: http1|http2|tcp}' },
  route: { scopes: ['route'], description: 'A route: host.domain[/path] or tcp-domain:port.', values: 'string' },
  protocol: { scopes: ['route'], description: 'Protocol the route uses to reach the app.', values: '"http1" | "http2" | "tcp"' },
  options: { scopes: ['route'], description: 'Per-route options.', values: '{loadbalancing: round-robin|least-connection|hash, hash_header, hash_balance}' },
  'random-route': { scopes: ['app'], description: 'Map a route with a random host on the default domain when the app has none.', values: 'true | false' },
  'default-route': { scopes: ['app'], description: 'Map APP-NAME.default-domain when the app has no routes.', values: 'true | false' },
  'no-route': { scopes: ['app'], description: 'Map no routes and remove existing ones; wins over the others.', values: 'true | false' },
  'health-check-type': { scopes: ['app', 'process'], description: 'How liveness is checked.', values: HC },
  'health-check-http-endpoint': { scopes: ['app', 'process'], description: 'Path probed by the http health check.', values: 'URI path starting with /' },
  'health-check-invocation-timeout': { scopes: ['app', 'process'], description: 'Seconds a single health check may take.', values: 'integer >= 1' },
  'health-check-interval': { scopes: ['app', 'process'], description: 'Seconds between health checks.', values: 'integer >= 1' },
  'readiness-health-check-type': { scopes: ['app', 'process'], description: 'How readiness is checked.', values: HC },
  'readiness-health-check-http-endpoint': {
    scopes: ['app', 'process'],
    description: 'Path probed by the http readiness check.',
    values: 'URI path starting with /',
  },
  timeout: { scopes: ['app', 'process'], description: 'Seconds an instance may take to become healthy at start.', values: 'integer >= 1' },
  docker: {
    scopes: ['app'],
    description: 'Run a Docker image instead of staging with buildpacks (password from CF_DOCKER_PASSWORD).',
    values: '{image, username}',
  },
  image: { scopes: ['docker'], description: 'Docker image reference.', values: 'repo/image:tag' },
  username: { scopes: ['docker'], description: 'Registry user; the password comes from CF_DOCKER_PASSWORD.', values: 'string' },
  services: { scopes: ['app'], description: 'Service instances to bind.', values: 'list of names or {name, binding_name, parameters}' },
  processes: {
    scopes: ['app'],
    description: 'Per-process settings; a "web" entry overrides the top-level values.',
    values: 'list of {type, command, instances, memory, disk_quota, health-check-*, timeout}',
  },
  type: { scopes: ['process'], description: 'Process type (required, unique), e.g. web or worker.', values: 'string' },
  sidecars: {
    scopes: ['app'],
    description: 'Extra processes running next to the given process types.',
    values: 'list of {name, process_types, command, memory}',
  },
  metadata: { scopes: ['app'], description: 'Labels and annotations on the app.', values: '{labels: map, annotations: map}' },
  features: { scopes: ['app'], description: 'App features to enable or disable.', values: 'map like {ssh: true, revisions: true}' },
  host: { scopes: ['app', 'top'], description: 'Removed route component.', deprecated: "Use 'routes: [{route: host.domain}]'." },
  hosts: { scopes: ['app', 'top'], description: 'Removed route component.', deprecated: "Use 'routes'." },
  domain: { scopes: ['app', 'top'], description: 'Removed route component.', deprecated: "Use 'routes'." },
  domains: { scopes: ['app', 'top'], description: 'Removed route component.', deprecated: "Use 'routes'." },
  'no-hostname': { scopes: ['app', 'top'], description: 'Removed route component.', deprecated: "Use 'routes: [{route: domain}]'." },
  inherit: { scopes: ['top'], description: 'Removed manifest inheritance.', deprecated: 'Use YAML anchors and aliases (<<: *defaults).' },
};
