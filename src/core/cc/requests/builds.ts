// /v3/builds: staging a package into a droplet (ccv3/build.go).
import type { CcTransport } from '../transport';
import type { CcBuild } from '../types';

export class BuildRequests {
  constructor(private readonly t: CcTransport) {}

  create(packageGuid: string): Promise<CcBuild> {
    return this.t.post<CcBuild>('/v3/builds', { package: { guid: packageGuid } });
  }
  get(guid: string): Promise<CcBuild> {
    return this.t.get<CcBuild>(`/v3/builds/${guid}`);
  }
}
