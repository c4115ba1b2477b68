// /v3/apps and its sub-resources (ccv3/application.go, process.go in the cf CLI).
import type { CcTransport } from '../transport';
import type { CcApp, CcAppEnv, CcDroplet, CcInstanceStats, CcProcess, CcRoute } from '../types';

export interface ProcessScale {
  instances?: number;
  memory_in_mb?: number;
  disk_in_mb?: number;
}

export class AppRequests {
  constructor(private readonly t: CcTransport) {}

  list(filter: { spaceGuids?: string[]; names?: string[]; guids?: string[] } = {}): Promise<CcApp[]> {
    return this.t.list<CcApp>('/v3/apps', { space_guids: filter.spaceGuids, names: filter.names, guids: filter.guids, order_by: 'name' });
  }
  inSpace(spaceGuid: string): Promise<CcApp[]> {
    return this.list({ spaceGuids: [spaceGuid] });
  }
  async find(spaceGuid: string, name: string): Promise<CcApp | undefined> {
    return (await this.list({ spaceGuids: [spaceGuid], names: [name] }))[0];
  }
  get(guid: string): Promise<CcApp> {
    return this.t.get<CcApp>(`/v3/apps/${guid}`);
  }
  rename(guid: string, name: string): Promise<CcApp> {
    return this.t.patch<CcApp>(`/v3/apps/${guid}`, { name });
  }
  /** Deleting is a job: the `Location` to wait on. */
  async delete(guid: string): Promise<string | undefined> {
    return (await this.t.send('DELETE', `/v3/apps/${guid}`)).location;
  }
  start(guid: string): Promise<CcApp> {
    return this.t.post<CcApp>(`/v3/apps/${guid}/actions/start`);
  }
  stop(guid: string): Promise<CcApp> {
    return this.t.post<CcApp>(`/v3/apps/${guid}/actions/stop`);
  }
  restart(guid: string): Promise<CcApp> {
    return this.t.post<CcApp>(`/v3/apps/${guid}/actions/restart`);
  }
  currentDroplet(guid: string): Promise<CcDroplet> {
    return this.t.get<CcDroplet>(`/v3/apps/${guid}/droplets/current`);
  }
  setCurrentDroplet(guid: string, dropletGuid: string): Promise<unknown> {
    return this.t.patch(`/v3/apps/${guid}/relationships/current_droplet`, { data: { guid: dropletGuid } });
  }
  processes(guid: string): Promise<CcProcess[]> {
    return this.t.list<CcProcess>(`/v3/apps/${guid}/processes`);
  }
  process(guid: string, type: string): Promise<CcProcess> {
    return this.t.get<CcProcess>(`/v3/apps/${guid}/processes/${type}`);
  }
  scale(guid: string, type: string, scale: ProcessScale): Promise<CcProcess> {
    return this.t.post<CcProcess>(`/v3/apps/${guid}/processes/${type}/actions/scale`, scale);
  }
  routes(guid: string): Promise<CcRoute[]> {
    return this.t.list<CcRoute>(`/v3/apps/${guid}/routes`);
  }
  /** PATCH the user-provided variables: a null value removes the name. */
  async updateEnvironmentVariables(guid: string, vars: Record<string, string | null>): Promise<Record<string, string>> {
    return (await this.t.patch<{ var: Record<string, string> }>(`/v3/apps/${guid}/environment_variables`, { var: vars })).var ?? {};
  }
  /** GET /v3/apps/:guid/manifest: the app's current settings as manifest YAML (`cf create-app-manifest`). */
  manifest(guid: string): Promise<string> {
    return this.t.getText(`/v3/apps/${guid}/manifest`);
  }
  /** GET /v3/apps/:guid/env: what `cf env` shows (system, user-provided, running and staging groups). */
  env(guid: string): Promise<CcAppEnv> {
    return this.t.get<CcAppEnv>(`/v3/apps/${guid}/env`);
  }
  async environmentVariables(guid: string): Promise<Record<string, string>> {
    return (await this.t.get<{ var: Record<string, string> }>(`/v3/apps/${guid}/environment_variables`)).var ?? {};
  }
  /** PATCH /v3/apps/:guid/features/ssh (`cf enable-ssh` / `disable-ssh`). */
  setSsh(guid: string, enabled: boolean): Promise<unknown> {
    return this.t.patch(`/v3/apps/${guid}/features/ssh`, { enabled });
  }
  /** GET /v3/apps/:guid/ssh_enabled: whether `cf ssh` may reach its instances, and why not. */
  sshEnabled(guid: string): Promise<{ enabled: boolean; reason: string }> {
    return this.t.get<{ enabled: boolean; reason: string }>(`/v3/apps/${guid}/ssh_enabled`);
  }
  /** Every process of the app with its instances' stats (the cf CLI's GetProcessInstances per process). */
  async processStats(guid: string): Promise<{ process: CcProcess; stats: CcInstanceStats[] }[]> {
    const procs = await this.processes(guid);
    return Promise.all(
      procs.map(async (process) => ({
        process,
        stats: await this.t.get<{ resources: CcInstanceStats[] }>(`/v3/processes/${process.guid}/stats`).then((r) => r.resources),
      })),
    );
  }
}
