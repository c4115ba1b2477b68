// Records → CC v3 JSON (cf-reference.md §1, CC `presenters/v3/*`). Only this
// file knows the wire shapes, so deepening fidelity later is local.
import type { Foundation } from './context';
import { findBuiltin } from '../core/staging/buildpacks';
import type {
  AppRec,
  BuildpackRec,
  BuildRec,
  DeploymentRec,
  DestinationRec,
  DomainRec,
  DropletRec,
  JobRec,
  OrgQuotaRec,
  OrgRec,
  PackageRec,
  ProcessRec,
  RoleRec,
  RouteRec,
  ServiceBindingRec,
  ServiceInstanceRec,
  SpaceRec,
  TaskRec,
} from './store';

const META = () => ({ labels: {}, annotations: {} });

function base<T extends { guid: string; created_at: string; updated_at: string }>(r: T) {
  return { guid: r.guid, created_at: r.created_at, updated_at: r.updated_at };
}

const HIDDEN = '[PRIVATE DATA HIDDEN IN LISTS]';

export class Presenter {
  constructor(private readonly f: Foundation) {}

  private href(path: string, method?: string) {
    return method ? { href: `${this.f.apiUrl}${path}`, method } : { href: `${this.f.apiUrl}${path}` };
  }

  org(o: OrgRec) {
    return {
      ...base(o),
      name: o.name,
      suspended: false,
      relationships: { quota: { data: { guid: o.quota_guid } } },
      metadata: META(),
      links: {
        self: this.href(`/v3/organizations/${o.guid}`),
        domains: this.href(`/v3/organizations/${o.guid}/domains`),
        default_domain: this.href(`/v3/organizations/${o.guid}/domains/default`),
        quota: this.href(`/v3/organization_quotas/${o.quota_guid}`),
      },
    };
  }

  space(s: SpaceRec) {
    return {
      ...base(s),
      name: s.name,
      relationships: { organization: { data: { guid: s.org_guid } }, quota: { data: null } },
      metadata: META(),
      links: {
        self: this.href(`/v3/spaces/${s.guid}`),
        features: this.href(`/v3/spaces/${s.guid}/features`),
        organization: this.href(`/v3/organizations/${s.org_guid}`),
        apply_manifest: this.href(`/v3/spaces/${s.guid}/actions/apply_manifest`, 'POST'),
      },
    };
  }

  domain(d: DomainRec) {
    const org = d.org_guid ?? null;
    return {
      ...base(d),
      name: d.name,
      internal: d.internal ?? false,
      router_group: null,
      supported_protocols: ['http'],
      metadata: META(),
      relationships: {
        organization: { data: org ? { guid: org } : null },
        shared_organizations: { data: (d.shared_org_guids ?? []).map((guid) => ({ guid })) },
      },
      links: {
        self: this.href(`/v3/domains/${d.guid}`),
        ...(org ? { organization: this.href(`/v3/organizations/${org}`) } : {}),
        route_reservations: this.href(`/v3/domains/${d.guid}/route_reservations`),
        ...(org ? { shared_organizations: this.href(`/v3/domains/${d.guid}/relationships/shared_organizations`) } : {}),
      },
    };
  }

  /**
   * A user: the foundation's admin (its one UAA user, as old as the
   * foundation's first records), or a guid a role names that UAA does not
   * know (CC presents those with no username, the guid as their name).
   */
  user(guid: string, since: string) {
    const admin = guid === this.f.auth.userId;
    return {
      guid,
      created_at: since,
      updated_at: since,
      username: admin ? this.f.auth.username : null,
      presentation_name: admin ? this.f.auth.username : guid,
      origin: admin ? 'uaa' : null,
      metadata: META(),
      links: { self: this.href(`/v3/users/${guid}`) },
    };
  }

  role(r: RoleRec) {
    return {
      ...base(r),
      type: r.type,
      relationships: {
        user: { data: { guid: r.user_guid } },
        organization: { data: r.org_guid ? { guid: r.org_guid } : null },
        space: { data: r.space_guid ? { guid: r.space_guid } : null },
      },
      links: {
        self: this.href(`/v3/roles/${r.guid}`),
        user: this.href(`/v3/users/${r.user_guid}`),
        ...(r.org_guid ? { organization: this.href(`/v3/organizations/${r.org_guid}`) } : {}),
        ...(r.space_guid ? { space: this.href(`/v3/spaces/${r.space_guid}`) } : {}),
      },
    };
  }

  orgQuota(q: OrgQuotaRec) {
    const orgs = this.f.store.list('orgs').filter((o) => o.quota_guid === q.guid);
    return {
      ...base(q),
      name: q.name,
      apps: { ...q.apps, log_rate_limit_in_bytes_per_second: null },
      services: q.services,
      routes: q.routes,
      domains: q.domains,
      relationships: { organizations: { data: orgs.map((o) => ({ guid: o.guid })) } },
      links: { self: this.href(`/v3/organization_quotas/${q.guid}`) },
    };
  }

  app(a: AppRec) {
    const p = `/v3/apps/${a.guid}`;
    return {
      ...base(a),
      name: a.name,
      state: a.state,
      lifecycle: a.lifecycle,
      relationships: { space: { data: { guid: a.space_guid } } },
      metadata: META(),
      links: {
        self: this.href(p),
        environment_variables: this.href(`${p}/environment_variables`),
        space: this.href(`/v3/spaces/${a.space_guid}`),
        processes: this.href(`${p}/processes`),
        packages: this.href(`${p}/packages`),
        current_droplet: this.href(`${p}/droplets/current`),
        droplets: this.href(`${p}/droplets`),
        tasks: this.href(`${p}/tasks`),
        start: this.href(`${p}/actions/start`, 'POST'),
        stop: this.href(`${p}/actions/stop`, 'POST'),
        revisions: this.href(`${p}/revisions`),
        deployed_revisions: this.href(`${p}/revisions/deployed`),
        features: this.href(`${p}/features`),
      },
    };
  }

  /**
   * As CC's ProcessPresenter: the command given, else the one the current
   * droplet detected; in lists CC hides it (it may hold secrets).
   */
  process(p: ProcessRec, o: { inList?: boolean } = {}) {
    const app = this.f.store.get('apps', p.app_guid);
    const detected = app?.droplet_guid ? this.f.store.get('droplets', app.droplet_guid)?.process_types[p.type] : undefined;
    return {
      ...base(p),
      type: p.type,
      command: o.inList ? HIDDEN : (p.command ?? detected ?? null),
      user: 'vcap',
      instances: p.instances,
      memory_in_mb: p.memory_in_mb,
      disk_in_mb: p.disk_in_mb,
      log_rate_limit_in_bytes_per_second: -1,
      health_check: p.health_check,
      readiness_health_check: { type: 'process', data: { invocation_timeout: null, interval: null } },
      relationships: { app: { data: { guid: p.app_guid } }, revision: { data: null } },
      metadata: META(),
      links: {
        self: this.href(`/v3/processes/${p.guid}`),
        scale: this.href(`/v3/processes/${p.guid}/actions/scale`, 'POST'),
        app: this.href(`/v3/apps/${p.app_guid}`),
        space: this.href(`/v3/spaces/${app?.space_guid ?? ''}`),
        stats: this.href(`/v3/processes/${p.guid}/stats`),
      },
    };
  }

  package(p: PackageRec) {
    // CC never returns a docker password; it answers "***" when one is set.
    const data =
      p.type === 'docker'
        ? { image: p.docker?.image ?? '', username: p.docker?.username ?? null, password: p.docker?.password ? '***' : null }
        : { checksum: { type: 'sha256', value: p.sha256 }, error: p.error };
    return {
      ...base(p),
      type: p.type,
      data,
      state: p.state,
      relationships: { app: { data: { guid: p.app_guid } } },
      metadata: META(),
      links: {
        self: this.href(`/v3/packages/${p.guid}`),
        upload: this.href(`/v3/packages/${p.guid}/upload`, 'POST'),
        download: this.href(`/v3/packages/${p.guid}/download`, 'GET'),
        app: this.href(`/v3/apps/${p.app_guid}`),
      },
    };
  }

  build(b: BuildRec) {
    return {
      ...base(b),
      created_by: { guid: this.f.auth.userId, name: this.f.auth.username, email: this.f.auth.username },
      state: b.state,
      staging_memory_in_mb: b.staging_memory_in_mb,
      staging_disk_in_mb: b.staging_disk_in_mb,
      staging_log_rate_limit_bytes_per_second: -1,
      error: b.error,
      lifecycle:
        this.f.store.get('packages', b.package_guid)?.type === 'docker'
          ? { type: 'docker', data: {} }
          : { type: 'buildpack', data: { buildpacks: b.buildpacks, stack: b.stack } },
      package: { guid: b.package_guid },
      droplet: b.droplet_guid ? { guid: b.droplet_guid } : null,
      relationships: { app: { data: { guid: b.app_guid } } },
      metadata: META(),
      links: {
        self: this.href(`/v3/builds/${b.guid}`),
        app: this.href(`/v3/apps/${b.app_guid}`),
        ...(b.droplet_guid ? { droplet: this.href(`/v3/droplets/${b.droplet_guid}`) } : {}),
      },
    };
  }

  /** In lists CC hides what may hold secrets (start commands, image metadata). */
  droplet(d: DropletRec, o: { inList?: boolean } = {}) {
    return {
      ...base(d),
      state: d.state,
      error: d.error,
      lifecycle: { type: d.image ? 'docker' : 'buildpack', data: {} },
      execution_metadata: o.inList ? HIDDEN : d.execution_metadata,
      process_types: o.inList ? { redacted_message: HIDDEN } : d.process_types,
      checksum: d.checksum ? { type: 'sha256', value: d.checksum } : null,
      buildpacks: d.image
        ? null
        : d.buildpacks.map((b) => ({
            name: b.key,
            detect_output: b.detect_output ?? null,
            version: b.version || null,
            buildpack_name: b.buildpack_name ?? b.name,
          })),
      stack: d.image ? null : d.stack,
      image: d.image ?? null,
      relationships: { app: { data: { guid: d.app_guid } } },
      metadata: META(),
      links: {
        self: this.href(`/v3/droplets/${d.guid}`),
        ...(d.package_guid ? { package: this.href(`/v3/packages/${d.package_guid}`) } : {}),
        app: this.href(`/v3/apps/${d.app_guid}`),
        assign_current_droplet: this.href(`/v3/apps/${d.app_guid}/relationships/current_droplet`, 'PATCH'),
        ...(d.state === 'AWAITING_UPLOAD' ? { upload: this.href(`/v3/droplets/${d.guid}/upload`, 'POST') } : {}),
        ...(d.state === 'STAGED' ? { download: this.href(`/v3/droplets/${d.guid}/download`) } : {}),
      },
    };
  }

  destination(d: DestinationRec) {
    return {
      guid: d.guid,
      app: { guid: d.app_guid, process: { type: d.process_type } },
      weight: null,
      port: 8080,
      protocol: 'http1',
      created_at: d.created_at,
      updated_at: d.updated_at,
    };
  }

  route(r: RouteRec) {
    const domain = this.f.store.get('domains', r.domain_guid);
    return {
      ...base(r),
      protocol: 'http',
      host: r.host,
      path: r.path,
      port: null,
      url: routeUrl(r.host, domain?.name ?? '', r.path),
      destinations: r.destinations.map((d) => this.destination(d)),
      options: {},
      metadata: META(),
      relationships: { space: { data: { guid: r.space_guid } }, domain: { data: { guid: r.domain_guid } } },
      links: {
        self: this.href(`/v3/routes/${r.guid}`),
        space: this.href(`/v3/spaces/${r.space_guid}`),
        domain: this.href(`/v3/domains/${r.domain_guid}`),
        destinations: this.href(`/v3/routes/${r.guid}/destinations`),
      },
    };
  }

  destinations(r: RouteRec) {
    return {
      destinations: r.destinations.map((d) => this.destination(d)),
      links: { self: this.href(`/v3/routes/${r.guid}/destinations`), route: this.href(`/v3/routes/${r.guid}`) },
    };
  }

  serviceInstance(si: ServiceInstanceRec) {
    const p = `/v3/service_instances/${si.guid}`;
    const op = si.last_operation;
    const state = op.state ?? 'succeeded';
    const last_operation = {
      type: op.type,
      state,
      description: op.description ?? (state === 'succeeded' ? 'Operation succeeded' : ''),
      created_at: op.created_at,
      updated_at: op.updated_at,
    };
    const links = {
      self: this.href(p),
      space: this.href(`/v3/spaces/${si.space_guid}`),
      service_credential_bindings: this.href(`/v3/service_credential_bindings?service_instance_guids=${si.guid}`),
      service_route_bindings: this.href(`/v3/service_route_bindings?service_instance_guids=${si.guid}`),
    };
    if (si.type === 'managed') {
      const plan = this.f.store.get('service_plans', si.service_plan_guid);
      const planVersion = (plan?.maintenance_info as { version?: string } | undefined)?.version;
      const mine = (si.maintenance_info as { version?: string }).version;
      return {
        ...base(si),
        name: si.name,
        type: si.type,
        tags: si.tags,
        maintenance_info: si.maintenance_info,
        upgrade_available: Boolean(planVersion && mine && planVersion !== mine),
        dashboard_url: si.dashboard_url,
        last_operation,
        metadata: META(),
        relationships: { service_plan: { data: { guid: si.service_plan_guid } }, space: { data: { guid: si.space_guid } } },
        links: { ...links, service_plan: this.href(`/v3/service_plans/${si.service_plan_guid}`), parameters: this.href(`${p}/parameters`) },
      };
    }
    return {
      ...base(si),
      name: si.name,
      type: si.type,
      tags: si.tags,
      syslog_drain_url: si.syslog_drain_url,
      route_service_url: si.route_service_url,
      last_operation,
      metadata: META(),
      relationships: { space: { data: { guid: si.space_guid } } },
      links: { ...links, credentials: this.href(`${p}/credentials`) },
    };
  }

  serviceBinding(b: ServiceBindingRec) {
    const p = `/v3/service_credential_bindings/${b.guid}`;
    const op = b.last_operation;
    return {
      ...base(b),
      name: b.name,
      type: b.type,
      last_operation: op
        ? { type: op.type, state: op.state ?? 'succeeded', description: op.description || null, created_at: op.created_at, updated_at: op.updated_at }
        : { type: 'create', state: 'succeeded', description: null, created_at: b.created_at, updated_at: b.updated_at },
      metadata: META(),
      relationships: {
        ...(b.app_guid ? { app: { data: { guid: b.app_guid } } } : {}),
        service_instance: { data: { guid: b.service_instance_guid } },
      },
      links: {
        self: this.href(p),
        details: this.href(`${p}/details`),
        service_instance: this.href(`/v3/service_instances/${b.service_instance_guid}`),
        ...(b.last_operation ? { parameters: this.href(`${p}/parameters`) } : {}),
        ...(b.app_guid ? { app: this.href(`/v3/apps/${b.app_guid}`) } : {}),
      },
    };
  }

  deployment(d: DeploymentRec) {
    const p = `/v3/deployments/${d.guid}`;
    const proc = d.new_process_guid ? this.f.store.get('processes', d.new_process_guid) : undefined;
    // `state` is CC's deprecated summary of status.
    const state = d.value === 'ACTIVE' ? d.reason : d.reason === 'SUPERSEDED' ? 'DEPLOYED' : d.reason;
    return {
      ...base(d),
      state,
      status: {
        value: d.value,
        reason: d.reason,
        details: { last_successful_healthcheck: d.updated_at, last_status_change: d.last_status_change, error: d.error },
        ...(d.canary
          ? { canary: { steps: { current: Math.min(d.canary.current, d.canary.weights?.length ?? 1), total: d.canary.weights?.length ?? 1 } } }
          : {}),
      },
      strategy: d.strategy,
      options: {
        max_in_flight: d.max_in_flight,
        web_instances: d.web_instances,
        memory_in_mb: proc?.memory_in_mb ?? null,
        disk_in_mb: proc?.disk_in_mb ?? null,
        log_rate_limit_in_bytes_per_second: -1,
        ...(d.canary?.weights ? { canary: { steps: d.canary.weights.map((w) => ({ instance_weight: w })) } } : {}),
      },
      droplet: { guid: d.droplet_guid },
      previous_droplet: { guid: d.previous_droplet_guid },
      new_processes: d.new_process_guid ? [{ guid: d.new_process_guid, type: 'web' }] : [],
      revision: null,
      metadata: META(),
      relationships: { app: { data: { guid: d.app_guid } } },
      links: {
        self: this.href(p),
        app: this.href(`/v3/apps/${d.app_guid}`),
        cancel: this.href(`${p}/actions/cancel`, 'POST'),
        continue: this.href(`${p}/actions/continue`, 'POST'),
      },
    };
  }

  job(j: JobRec) {
    return {
      ...base(j),
      operation: j.operation,
      state: j.state,
      errors: j.errors,
      warnings: j.warnings,
      links: { self: this.href(`/v3/jobs/${j.guid}`), ...(j.resource ? { resource: this.href(j.resource) } : {}) },
    };
  }

  /** CC's buildpack: READY once it has bits; a built-in's filename says which one it is. */
  buildpack(b: BuildpackRec) {
    const builtin = b.builtin ? findBuiltin(b.builtin) : undefined;
    const filename = builtin ? `built-in ${builtin.name}${builtin.version ? ` v${builtin.version}` : ''}` : b.filename;
    return {
      ...base(b),
      name: b.name,
      state: filename ? 'READY' : 'AWAITING_UPLOAD',
      filename,
      stack: b.stack,
      position: b.position,
      enabled: b.enabled,
      locked: b.locked,
      metadata: META(),
      links: { self: this.href(`/v3/buildpacks/${b.guid}`), upload: this.href(`/v3/buildpacks/${b.guid}/upload`, 'POST') },
    };
  }

  /** CC's TaskPresenter; lists leave the command out (it may hold secrets). */
  task(t: TaskRec, o: { inList?: boolean } = {}) {
    return {
      ...base(t),
      sequence_id: t.sequence_id,
      name: t.name,
      ...(o.inList ? {} : { command: t.command }),
      state: t.state,
      memory_in_mb: t.memory_in_mb,
      disk_in_mb: t.disk_in_mb,
      log_rate_limit_in_bytes_per_second: -1,
      result: { failure_reason: t.failure_reason },
      droplet_guid: t.droplet_guid,
      relationships: { app: { data: { guid: t.app_guid } } },
      metadata: META(),
      links: {
        self: this.href(`/v3/tasks/${t.guid}`),
        app: this.href(`/v3/apps/${t.app_guid}`),
        cancel: this.href(`/v3/tasks/${t.guid}/actions/cancel`, 'POST'),
        droplet: this.href(`/v3/droplets/${t.droplet_guid}`),
      },
    };
  }
}

/** CC's route url: "host.domain/path", or "domain/path" without a host. */
export function routeUrl(host: string, domain: string, path: string): string {
  return `${host ? `${host}.` : ''}${domain}${path}`;
}
