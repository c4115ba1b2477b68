// Smaller CC resources: jobs, resource matching, the catalog of buildpacks and
// stacks, audit events (service instances: services.ts).
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
  /** The newest `n` events about one resource, newest first (one page). */
  async recent(targetGuid: string, n: number): Promise<CcAuditEvent[]> {
    const q = { target_guids: targetGuid, order_by: '-created_at', per_page: n };
    return (await this.t.get<{ resources: CcAuditEvent[] }>('/v3/audit_events', q)).resources;
  }
}
