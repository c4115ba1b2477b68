// /v3/organizations and /v3/spaces (ccv3/organization.go, space.go).
import type { CcTransport } from '../transport';
import type { CcOrg, CcSpace } from '../types';

export class OrganizationRequests {
  constructor(private readonly t: CcTransport) {}

  list(): Promise<CcOrg[]> {
    return this.t.list<CcOrg>('/v3/organizations', { order_by: 'name' });
  }
}

export class SpaceRequests {
  constructor(private readonly t: CcTransport) {}

  inOrg(orgGuid: string): Promise<CcSpace[]> {
    return this.t.list<CcSpace>('/v3/spaces', { organization_guids: orgGuid, order_by: 'name' });
  }
  /** apply_manifest: 202 with a job; the `Location` to wait on. */
  async applyManifest(spaceGuid: string, yaml: string): Promise<string | undefined> {
    return (await this.t.send('POST', `/v3/spaces/${spaceGuid}/actions/apply_manifest`, { body: yaml, contentType: 'application/x-yaml' })).location;
  }
  /** manifest_diff: what apply_manifest would change (RFC 6902-like ops). */
  async manifestDiff(spaceGuid: string, yaml: string): Promise<{ op: string; path: string; was?: unknown; value?: unknown }[]> {
    const res = await this.t.send('POST', `/v3/spaces/${spaceGuid}/manifest_diff`, { body: yaml, contentType: 'application/x-yaml' });
    return res.json?.diff ?? [];
  }
}
