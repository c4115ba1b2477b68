// /v3/deployments: rolling and canary (ccv3/deployment.go).
import type { CcTransport } from '../transport';
import type { CcDeployment } from '../types';

export class DeploymentRequests {
  constructor(private readonly t: CcTransport) {}

  create(body: { appGuid: string; dropletGuid: string; strategy: 'rolling' | 'canary'; canarySteps?: { instance_weight: number }[] }): Promise<CcDeployment> {
    return this.t.post<CcDeployment>('/v3/deployments', {
      droplet: { guid: body.dropletGuid },
      // Rolling is CC's default: the cf CLI leaves it out, and Korifi's strict decoder refuses fields it does not know.
      ...(body.strategy === 'rolling' ? {} : { strategy: body.strategy }),
      ...(body.canarySteps ? { options: { canary: { steps: body.canarySteps } } } : {}),
      relationships: { app: { data: { guid: body.appGuid } } },
    });
  }
  get(guid: string): Promise<CcDeployment> {
    return this.t.get<CcDeployment>(`/v3/deployments/${guid}`);
  }
  /** The apps' deployments still in progress (ACTIVE: deploying or a paused canary), newest first. */
  active(appGuids: string[]): Promise<CcDeployment[]> {
    if (!appGuids.length) return Promise.resolve([]);
    return this.t.list<CcDeployment>('/v3/deployments', { app_guids: appGuids, status_values: 'ACTIVE', order_by: '-created_at' });
  }
  continue(guid: string): Promise<CcDeployment> {
    return this.t.post<CcDeployment>(`/v3/deployments/${guid}/actions/continue`);
  }
  cancel(guid: string): Promise<unknown> {
    return this.t.post(`/v3/deployments/${guid}/actions/cancel`);
  }
}
