// cf-push's debug endpoint on the local foundation (foundation/api/debug.ts),
// found through `links.cfpush_debug` in GET /: a target without the link
// (any real CF) has none, and Debug App goes through the app's environment
// and ssh instead.
import type { DebugRuntime } from '../../debug/runtimes';
import { CfPushError } from '../../errors';
import { CcApiError } from '../transport';
import type { CcTransport } from '../transport';

/** A debugged instance, as the endpoint answers. */
export interface CcDebugInfo {
  process_guid: string;
  app_guid: string;
  index: number;
  runtime: DebugRuntime;
  agent: string;
  host: string;
  port: number;
  suspend: boolean;
  state: 'STARTING' | 'RUNNING' | 'CRASHED' | 'DOWN';
  listening: boolean;
  app_root: string;
  /** Where the running code names its sources (Go: /home/vcap/app; else app_root). Absent from an older foundation's answer. */
  source_root?: string;
  details: string | null;
  /** Crashes since it runs under the agent (absent from older foundations). */
  crashes?: number;
  last_crash?: string | null;
}

export class DebugRequests {
  constructor(private readonly t: CcTransport) {}

  /** The endpoint's URL, when the target has one. */
  url(): Promise<string | undefined> {
    return this.t.link('cfpush_debug');
  }
  /** PUT: restart the instance under its agent. A refusal (422) is the endpoint's reason, and its next step as the hint. */
  async start(base: string, processGuid: string, index: number, port?: number): Promise<CcDebugInfo> {
    try {
      return (await this.t.send('PUT', `${base}/${processGuid}/${index}`, { body: port === undefined ? {} : { port } })).json as CcDebugInfo;
    } catch (err) {
      const detail = err instanceof CcApiError && err.status === 422 ? err.errors[0]?.detail : undefined;
      if (!detail) throw err;
      const [reason, ...next] = detail.split('\n');
      throw new CfPushError(reason!, { code: 'DebugUnavailable', hint: next.join(' ') || undefined });
    }
  }
  /** GET: the debugged instance, or undefined when it is not debugged. */
  async show(base: string, processGuid: string, index: number): Promise<CcDebugInfo | undefined> {
    try {
      return await this.t.get<CcDebugInfo>(`${base}/${processGuid}/${index}`);
    } catch (err) {
      if (err instanceof CcApiError && err.status === 404) return undefined;
      throw err;
    }
  }
  /** DELETE: restart it without the agent. */
  stop(base: string, processGuid: string, index: number): Promise<void> {
    return this.t.delete(`${base}/${processGuid}/${index}`);
  }
}
