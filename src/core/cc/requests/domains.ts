// /v3/domains (ccv3/domain.go).
import type { CcTransport } from '../transport';
import type { CcDomain } from '../types';

export class DomainRequests {
  constructor(private readonly t: CcTransport) {}

  list(filter: { names?: string[] } = {}): Promise<CcDomain[]> {
    return this.t.list<CcDomain>('/v3/domains', { names: filter.names });
  }
  get(guid: string): Promise<CcDomain> {
    return this.t.get<CcDomain>(`/v3/domains/${guid}`);
  }
  /** The org's default domain (the first shared one, as CC picks it). */
  orgDefault(orgGuid: string): Promise<CcDomain> {
    return this.t.get<CcDomain>(`/v3/organizations/${orgGuid}/domains/default`);
  }
}
