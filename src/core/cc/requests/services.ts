// Service plans and offerings (the marketplace), service instances (user-provided
// and managed) and service credential bindings (app and key), with the query
// shapes the cf CLI 8 sends (docs/design/services.md §1). Managed writes answer
// 202 + a job: these return its Location; actors wait for it.
import type { CcTransport, Query } from '../transport';

export interface CcServicePlan {
  guid: string;
  name: string;
  description?: string;
  available?: boolean;
  free?: boolean;
  costs?: { amount: number; currency: string; unit: string }[];
  maintenance_info?: { version?: string; description?: string };
  visibility_type?: string;
  relationships: { service_offering: { data: { guid: string } } };
}

export interface CcServiceOffering {
  guid: string;
  name: string;
  description?: string;
  available?: boolean;
  tags?: string[];
  relationships: { service_broker: { data: { guid: string } } };
}

/** `GET /v3/service_plans?include=service_offering&fields[service_offering.service_broker]=name,guid`. */
export interface PlansWithOfferings {
  plans: CcServicePlan[];
  offerings: CcServiceOffering[];
  brokers: { guid: string; name: string }[];
}

export class ServicePlanRequests {
  constructor(private readonly t: CcTransport) {}

  /** `cf marketplace`'s request: visible plans with their offerings and brokers' names. */
  async withOfferings(filter: { spaceGuid?: string; offeringNames?: string[]; brokerNames?: string[]; available?: boolean }): Promise<PlansWithOfferings> {
    const { resources, included } = await this.t.listIncluded<CcServicePlan>('/v3/service_plans', {
      available: filter.available,
      'fields[service_offering.service_broker]': 'name,guid',
      include: 'service_offering',
      service_broker_names: filter.brokerNames,
      service_offering_names: filter.offeringNames,
      space_guids: filter.spaceGuid,
    });
    return { plans: resources, offerings: included.service_offerings ?? [], brokers: included.service_brokers ?? [] };
  }
  /** `cf create-service`'s lookup: plans by name of an offering (and broker). */
  find(filter: { planNames: string[]; offeringNames: string[]; brokerNames?: string[] }): Promise<CcServicePlan[]> {
    return this.t.list<CcServicePlan>('/v3/service_plans', {
      names: filter.planNames,
      service_broker_names: filter.brokerNames,
      service_offering_names: filter.offeringNames,
    });
  }
}

export interface CcLastOperation {
  type: string;
  state?: string;
  description?: string | null;
  created_at?: string;
  updated_at?: string;
}

export interface CcServiceInstance {
  guid: string;
  name: string;
  type?: string;
  tags?: string[];
  dashboard_url?: string | null;
  upgrade_available?: boolean;
  last_operation?: CcLastOperation | null;
  relationships?: { service_plan?: { data: { guid: string } | null }; space?: { data: { guid: string } } };
}

/** Instances with the plan → offering → broker names `cf services` reads (fields[...] decorators). */
export interface InstancesWithPlans {
  instances: CcServiceInstance[];
  plans: { guid: string; name: string; relationships?: { service_offering?: { data: { guid: string } } } }[];
  offerings: { guid: string; name: string; relationships?: { service_broker?: { data: { guid: string } } } }[];
  brokers: { guid: string; name: string }[];
}

export interface CcCredentialBinding {
  guid: string;
  name: string | null;
  type: string;
  last_operation?: CcLastOperation | null;
  relationships: { app?: { data: { guid: string } | null }; service_instance: { data: { guid: string } } };
}

export interface CcBindingDetails {
  credentials?: Record<string, unknown>;
  syslog_drain_url?: string | null;
  volume_mounts?: unknown[];
}

/** User-provided service instance fields (CC's names). */
export interface UserProvidedFields {
  credentials?: Record<string, unknown>;
  syslog_drain_url?: string;
  route_service_url?: string;
  tags?: string[];
}

/** A managed instance as `cf create-service` sends it. */
export interface ManagedFields {
  name: string;
  planGuid: string;
  parameters?: Record<string, unknown>;
  tags?: string[];
}

export class ServiceInstanceRequests {
  constructor(private readonly t: CcTransport) {}

  inSpace(spaceGuid: string, names?: string[]): Promise<CcServiceInstance[]> {
    return this.t.list<CcServiceInstance>('/v3/service_instances', { names, space_guids: spaceGuid });
  }
  /** `cf services`' request. */
  async withPlans(spaceGuid: string): Promise<InstancesWithPlans> {
    const { resources, included } = await this.t.listIncluded<CcServiceInstance>('/v3/service_instances', {
      'fields[service_plan.service_offering.service_broker]': 'guid,name',
      'fields[service_plan.service_offering]': 'guid,name,relationships.service_broker',
      'fields[service_plan]': 'guid,name,relationships.service_offering',
      order_by: 'name',
      space_guids: spaceGuid,
    });
    return {
      instances: resources,
      plans: included.service_plans ?? [],
      offerings: included.service_offerings ?? [],
      brokers: included.service_brokers ?? [],
    };
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
  /** `type: managed`: CC answers 202 and the job's Location. */
  async createManaged(spaceGuid: string, f: ManagedFields): Promise<string | undefined> {
    return (
      await this.t.send('POST', '/v3/service_instances', {
        body: {
          type: 'managed',
          name: f.name,
          ...(f.parameters ? { parameters: f.parameters } : {}),
          ...(f.tags ? { tags: f.tags } : {}),
          relationships: { service_plan: { data: { guid: f.planGuid } }, space: { data: { guid: spaceGuid } } },
        },
      })
    ).location;
  }
  /** 204 (user-provided) or 202 + a job (managed): the job's Location, if any. */
  async delete(guid: string): Promise<string | undefined> {
    return (await this.t.send('DELETE', `/v3/service_instances/${guid}`)).location;
  }
  get(guid: string): Promise<CcServiceInstance> {
    return this.t.get<CcServiceInstance>(`/v3/service_instances/${guid}`);
  }
  bindings(filter: { appGuids?: string[]; instanceGuids?: string[] }): Promise<CcCredentialBinding[]> {
    return this.t.list<CcCredentialBinding>('/v3/service_credential_bindings', {
      type: 'app',
      app_guids: filter.appGuids,
      service_instance_guids: filter.instanceGuids,
    });
  }
  /** An app binding; CC answers 201 (user-provided) or 202 with a job (managed): the job's Location, if any. */
  async bind(appGuid: string, instanceGuid: string, name?: string, parameters?: Record<string, unknown>): Promise<string | undefined> {
    return (
      await this.t.send('POST', '/v3/service_credential_bindings', {
        body: {
          type: 'app',
          ...(name ? { name } : {}),
          ...(parameters ? { parameters } : {}),
          relationships: { service_instance: { data: { guid: instanceGuid } }, app: { data: { guid: appGuid } } },
        },
      })
    ).location;
  }
  async unbind(guid: string): Promise<string | undefined> {
    return (await this.t.send('DELETE', `/v3/service_credential_bindings/${guid}`)).location;
  }
  /** Service keys of an instance (`type=key`), optionally by name. */
  keys(instanceGuid: string, names?: string[]): Promise<CcCredentialBinding[]> {
    const q: Query = { names, service_instance_guids: instanceGuid, type: 'key' };
    return this.t.list<CcCredentialBinding>('/v3/service_credential_bindings', q);
  }
  /** A key binding: 202 + job (managed); the job's Location. */
  async createKey(instanceGuid: string, name: string, parameters?: Record<string, unknown>): Promise<string | undefined> {
    return (
      await this.t.send('POST', '/v3/service_credential_bindings', {
        body: { type: 'key', name, ...(parameters ? { parameters } : {}), relationships: { service_instance: { data: { guid: instanceGuid } } } },
      })
    ).location;
  }
  /** `GET /v3/service_credential_bindings/:guid/details`: the credentials. */
  details(guid: string): Promise<CcBindingDetails> {
    return this.t.get<CcBindingDetails>(`/v3/service_credential_bindings/${guid}/details`);
  }
}
