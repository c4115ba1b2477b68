// /v3/processes (ccv3/process.go, process_instance.go).
import type { CcTransport } from '../transport';
import type { CcInstanceStats, CcProcess } from '../types';

export class ProcessRequests {
  constructor(private readonly t: CcTransport) {}

  get(guid: string): Promise<CcProcess> {
    return this.t.get<CcProcess>(`/v3/processes/${guid}`);
  }
  async stats(guid: string): Promise<CcInstanceStats[]> {
    return (await this.t.get<{ resources: CcInstanceStats[] }>(`/v3/processes/${guid}/stats`)).resources;
  }
}
