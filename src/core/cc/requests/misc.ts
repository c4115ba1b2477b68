// Smaller CC resources: jobs, resource matching, the catalog of buildpacks and
// stacks, service instances, audit events.
import type { CcTransport, Query } from '../transport';
import type { CcJob } from '../types';

export class JobRequests {
  constructor(private readonly t: CcTransport) {}

  /** The job a 202 pointed at (its `Location`, on this API). */
  get(location: string): Promise<CcJob> {
    return this.t.get<CcJob>(new URL(location, this.t.api).pathname);
  }
}

export interface WireResource {
  path: string;
  mode: string;
  checksum: { value: string };
  size_in_bytes: number;
}

export class ResourceMatchRequests {
  constructor(private readonly t: CcTransport) {}

  /** Which of these files the target already has (at most 5000 per request). */
  async match(resources: WireResource[]): Promise<{ checksum: { value: string } }[]> {
    return (await this.t.post<{ resources: { checksum: { value: string } }[] }>('/v3/resource_matches', { resources })).resources;
  }
}

export interface CcBuildpack {
  name: string;
  filename?: string | null;
  version?: string | null;
  stack?: string | null;
  position?: number;
  enabled?: boolean;
  locked?: boolean;
  state?: string;
}

export class CatalogRequests {
  constructor(private readonly t: CcTransport) {}

  buildpacks(): Promise<CcBuildpack[]> {
    return this.t.list<CcBuildpack>('/v3/buildpacks', { order_by: 'position' });
  }
  stacks(): Promise<{ name: string; description?: string }[]> {
    return this.t.list<{ name: string; description?: string }>('/v3/stacks');
  }
}

export interface CcServiceInstance {
  guid: string;
  name: string;
  type?: string;
  tags?: string[];
  last_operation?: { type: string; state?: string } | null;
}

export interface CcCredentialBinding {
  guid: string;
  name: string | null;
  type: string;
  relationships: { app?: { data: { guid: string } | null }; service_instance: { data: { guid: string } } };
}

/** User-provided service instance fields (CC's names). */
export interface UserProvidedFields {
  credentials?: Record<string, unknown>;
  syslog_drain_url?: string;
  route_service_url?: string;
  tags?: string[];
}

export class ServiceInstanceRequests {
  constructor(private readonly t: CcTransport) {}

  inSpace(spaceGuid: string): Promise<CcServiceInstance[]> {
    return this.t.list<CcServiceInstance>('/v3/service_instances', { space_guids: spaceGuid });
  }
  createUserProvided(spaceGuid: string, name: string, fields: UserProvidedFields): Promise<CcServiceInstance> {
    return this.t.post<CcServiceInstance>('/v3/service_instances', {
      type: 'user-provided',
      name,
      ...fields,
      relationships: { space: { data: { guid: spaceGuid } } },
    });
  }
  updateUserProvided(guid: string, fields: UserProvidedFields): Promise<CcServiceInstance> {
    return this.t.patch<CcServiceInstance>(`/v3/service_instances/${guid}`, fields);
  }
  bindings(filter: { appGuids?: string[]; instanceGuids?: string[] }): Promise<CcCredentialBinding[]> {
    return this.t.list<CcCredentialBinding>('/v3/service_credential_bindings', {
      type: 'app',
      app_guids: filter.appGuids,
      service_instance_guids: filter.instanceGuids,
    });
  }
  /** An app binding; CC answers 201 (user-provided) or 202 with a job (managed): the job's Location, if any. */
  async bind(appGuid: string, instanceGuid: string, name?: string): Promise<string | undefined> {
    return (
      await this.t.send('POST', '/v3/service_credential_bindings', {
        body: {
          type: 'app',
          ...(name ? { name } : {}),
          relationships: { service_instance: { data: { guid: instanceGuid } }, app: { data: { guid: appGuid } } },
        },
      })
    ).location;
  }
  async unbind(guid: string): Promise<string | undefined> {
    return (await this.t.send('DELETE', `/v3/service_credential_bindings/${guid}`)).location;
  }
}

export interface CcAuditEvent {
  type: string;
  created_at: string;
  actor?: { guid: string; type: string; name: string };
  target: { guid: string; name: string };
  data?: { route_guid?: string; request?: { route_guid?: string } };
}

export class AuditEventRequests {
  constructor(private readonly t: CcTransport) {}

  list(filter: { types?: string[]; targetGuids?: string[]; since?: Date }): Promise<CcAuditEvent[]> {
    const q: Query = { types: filter.types, target_guids: filter.targetGuids, order_by: 'created_at' };
    if (filter.since) q['created_ats[gte]'] = filter.since.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return this.t.list<CcAuditEvent>('/v3/audit_events', q);
  }
}
