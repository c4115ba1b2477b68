// /v3/routes and their destinations (ccv3/route.go, route_destination.go).
import type { CcTransport } from '../transport';
import type { CcDestination, CcRoute } from '../types';

export interface RouteFilter {
  spaceGuids?: string[];
  appGuids?: string[];
  hosts?: string[];
  domainGuids?: string[];
  paths?: string[];
}

export class RouteRequests {
  constructor(private readonly t: CcTransport) {}

  list(filter: RouteFilter = {}): Promise<CcRoute[]> {
    return this.t.list<CcRoute>('/v3/routes', {
      space_guids: filter.spaceGuids,
      app_guids: filter.appGuids,
      hosts: filter.hosts,
      domain_guids: filter.domainGuids,
      paths: filter.paths,
    });
  }
  get(guid: string): Promise<CcRoute> {
    return this.t.get<CcRoute>(`/v3/routes/${guid}`);
  }
  create(o: { spaceGuid: string; domainGuid: string; host?: string; path?: string }): Promise<CcRoute> {
    return this.t.post<CcRoute>('/v3/routes', {
      ...(o.host ? { host: o.host } : {}),
      ...(o.path ? { path: o.path } : {}),
      relationships: { space: { data: { guid: o.spaceGuid } }, domain: { data: { guid: o.domainGuid } } },
    });
  }
  /** Deleting is a job: the `Location` to wait on. */
  async delete(guid: string): Promise<string | undefined> {
    return (await this.t.send('DELETE', `/v3/routes/${guid}`)).location;
  }
  async destinations(guid: string): Promise<CcDestination[]> {
    return (await this.t.get<{ destinations: CcDestination[] }>(`/v3/routes/${guid}/destinations`)).destinations;
  }
  /** Adds (never replaces) destinations: the route keeps the ones it had. */
  addDestinations(guid: string, appGuids: string[]): Promise<unknown> {
    return this.t.post(`/v3/routes/${guid}/destinations`, { destinations: appGuids.map((g) => ({ app: { guid: g } })) });
  }
  removeDestination(guid: string, destinationGuid: string): Promise<unknown> {
    return this.t.delete(`/v3/routes/${guid}/destinations/${destinationGuid}`);
  }
}
