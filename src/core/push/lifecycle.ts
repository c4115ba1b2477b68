// start / stop / delete, as the cf CLI does them over CC v3.
import type { CcJob } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { PushedApp, Reporter } from './index';
import { pollUntil } from './poll';
import { appUrls, findApp, waitRunning } from './steps';

export async function startApp(session: Session, name: string, r: Reporter, signal?: AbortSignal): Promise<PushedApp> {
  const app = await findApp(session, name);
  r.step(`Starting ${name}`);
  try {
    await session.cc.post(`/v3/apps/${app.guid}/actions/start`);
  } catch (err) {
    // CC: 422 "Assign a droplet before starting this app."
    if ((err as { status?: number }).status === 422) {
      throw new CfPushError(`${(err as Error).message}`, { code: 'NoDroplet', hint: `Push it first: \`cfpush push ${name}\`.`, cause: err });
    }
    throw err;
  }
  await waitRunning(session, app, r, signal);
  return { name, guid: app.guid, state: 'STARTED', urls: await appUrls(session, app.guid) };
}

export async function stopApp(session: Session, name: string, r: Reporter): Promise<PushedApp> {
  const app = await findApp(session, name);
  r.step(`Stopping ${name}`);
  await session.cc.post(`/v3/apps/${app.guid}/actions/stop`);
  return { name, guid: app.guid, state: 'STOPPED', urls: await appUrls(session, app.guid) };
}

export async function deleteApp(session: Session, name: string, r: Reporter): Promise<void> {
  const app = await findApp(session, name);
  r.step(`Deleting ${name}`);
  const res = await session.cc.send('DELETE', `/v3/apps/${app.guid}`);
  if (res.location) {
    const job = await pollUntil(
      () => session.cc.get<CcJob>(new URL(res.location!, session.cc.api).pathname),
      (j) => j.state === 'COMPLETE' || j.state === 'FAILED',
      { what: `${name} to be deleted`, timeoutMs: 120_000 },
    );
    if (job.state === 'FAILED') throw new CfPushError(`Deleting ${name} failed: ${job.errors[0]?.detail ?? 'unknown error'}`);
  }
}
