// /v3/packages: bits and docker packages, upload (ccv3/package.go).
import type { CcTransport } from '../transport';
import type { CcList, CcPackage } from '../types';

export class PackageRequests {
  constructor(private readonly t: CcTransport) {}

  createBits(appGuid: string): Promise<CcPackage> {
    return this.t.post<CcPackage>('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: appGuid } } } });
  }
  createDocker(appGuid: string, data: { image: string; username?: string; password?: string }): Promise<CcPackage> {
    return this.t.post<CcPackage>('/v3/packages', { type: 'docker', data, relationships: { app: { data: { guid: appGuid } } } });
  }
  get(guid: string): Promise<CcPackage> {
    return this.t.get<CcPackage>(`/v3/packages/${guid}`);
  }
  /** `resources` (the matched files) and, when some were not matched, `bits` (a zip of the rest); CC answers with the package. */
  async upload(guid: string, form: FormData): Promise<CcPackage | undefined> {
    const r = await this.t.send('POST', `/v3/packages/${guid}/upload`, { form });
    return r.json && typeof r.json === 'object' && typeof r.json.state === 'string' ? (r.json as CcPackage) : undefined;
  }
  /** The app's newest package in `state`, if any. */
  async newest(appGuid: string, state: CcPackage['state']): Promise<CcPackage | undefined> {
    const page = await this.t.get<CcList<CcPackage>>('/v3/packages', { app_guids: appGuid, states: state, order_by: '-created_at', per_page: 1 });
    return page.resources[0];
  }
}
