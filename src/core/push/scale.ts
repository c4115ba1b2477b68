// scale and restart (cf scale / cf restart over CC v3).
import type { CcProcess } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { PushedApp, Reporter } from './index';
import { appUrls, findApp, waitRunning } from './steps';

export interface Scale {
  instances?: number;
  memoryMb?: number;
  diskMb?: number;
}

export async function webProcess(session: Session, appGuid: string): Promise<CcProcess> {
  return session.cc.apps.process(appGuid, 'web');
}

export async function scaleApp(session: Session, name: string, scale: Scale, r: Reporter, signal?: AbortSignal): Promise<PushedApp> {
  if (scale.instances !== undefined && (!Number.isInteger(scale.instances) || scale.instances < 0)) {
    throw new CfPushError(`Instances must be a whole number ≥ 0 (got ${scale.instances}).`, { hint: 'Example: `cfpush scale APP -i 3`.' });
  }
  const app = await findApp(session, name);
  r.step(`Scaling ${name}: ${describe(scale)}`);
  await session.cc.apps.scale(app.guid, 'web', {
    instances: scale.instances,
    memory_in_mb: scale.memoryMb,
    disk_in_mb: scale.diskMb,
  });
  // Memory / disk changes need a restart to take effect, as on CF.
  if ((scale.memoryMb !== undefined || scale.diskMb !== undefined) && app.state === 'STARTED') {
    await session.cc.apps.restart(app.guid);
  }
  if (app.state === 'STARTED') await waitRunning(session, app, r, signal);
  return { name, guid: app.guid, state: app.state, urls: await appUrls(session, app.guid) };
}

export async function restartApp(session: Session, name: string, r: Reporter, signal?: AbortSignal): Promise<PushedApp> {
  const app = await findApp(session, name);
  r.step(`Restarting ${name}`);
  await session.cc.apps.restart(app.guid);
  await waitRunning(session, app, r, signal);
  return { name, guid: app.guid, state: 'STARTED', urls: await appUrls(session, app.guid) };
}

function describe(s: Scale): string {
  return [
    s.instances !== undefined ? `${s.instances} instance(s)` : '',
    s.memoryMb !== undefined ? `${s.memoryMb} MB memory` : '',
    s.diskMb !== undefined ? `${s.diskMb} MB disk` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
