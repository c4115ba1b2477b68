// /v3/droplets: droplets staged elsewhere, uploaded and downloaded (ccv3/droplet.go).
import type { CcTransport } from '../transport';
import type { CcDroplet } from '../types';

export class DropletRequests {
  constructor(private readonly t: CcTransport) {}

  create(appGuid: string): Promise<CcDroplet> {
    return this.t.post<CcDroplet>('/v3/droplets', { relationships: { app: { data: { guid: appGuid } } } });
  }
  get(guid: string): Promise<CcDroplet> {
    return this.t.get<CcDroplet>(`/v3/droplets/${guid}`);
  }
  /** A tgz in the multipart field `bits`; CC answers 202 with a job. */
  upload(guid: string, form: FormData): Promise<unknown> {
    return this.t.send('POST', `/v3/droplets/${guid}/upload`, { form });
  }
  /** Where the tgz is (CC redirects on to its blobstore). */
  downloadUrl(guid: string): string {
    return `${this.t.api}/v3/droplets/${guid}/download`;
  }
}
