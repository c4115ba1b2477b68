// `--strategy rolling`: a CC deployment (cf-reference.md §1.8). The platform
// brings new instances up before old ones go; we poll until it is FINALIZED
// and cancel it if the startup timeout runs out (as the cf CLI learned to).
import type { CcApp } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { Reporter } from './index';
import { pollUntil, STARTUP_TIMEOUT_MS } from './poll';

interface CcDeployment {
  guid: string;
  status: { value: 'ACTIVE' | 'FINALIZED'; reason: string; details?: { error?: string | null } };
}

export async function deployRolling(session: Session, app: CcApp, dropletGuid: string, r: Reporter, signal?: AbortSignal): Promise<void> {
  r.step(`Rolling deployment of ${app.name}`);
  const dep = await session.cc.post<CcDeployment>('/v3/deployments', {
    strategy: 'rolling',
    droplet: { guid: dropletGuid },
    relationships: { app: { data: { guid: app.guid } } },
  });
  let done: CcDeployment;
  try {
    done = await pollUntil(
      () => session.cc.get<CcDeployment>(`/v3/deployments/${dep.guid}`),
      (d) => d.status.value === 'FINALIZED',
      { what: `the rolling deployment of ${app.name}`, timeoutMs: STARTUP_TIMEOUT_MS, signal },
    );
  } catch (err) {
    await session.cc.post(`/v3/deployments/${dep.guid}/actions/cancel`).catch(() => undefined);
    throw err;
  }
  if (done.status.reason !== 'DEPLOYED') {
    throw new CfPushError(`The rolling deployment of ${app.name} ended ${done.status.reason}${done.status.details?.error ? `: ${done.status.details.error}` : ''}.`, {
      hint: `The previous version keeps serving. See \`cfpush logs ${app.name} --recent\`.`,
    });
  }
}
