// start / stop / delete, as the cf CLI does them over CC v3.
import { CfPushError, ccTitle } from '../errors';
import type { Session } from '../session';
import type { PushedApp, Reporter } from './index';
import { appUrls, findApp, waitForJob, waitRunning } from './steps';

export async function startApp(session: Session, name: string, r: Reporter, signal?: AbortSignal): Promise<PushedApp> {
  const app = await findApp(session, name);
  r.step(`Starting ${name}`);
  try {
    await session.cc.apps.start(app.guid);
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
  await session.cc.apps.stop(app.guid);
  return { name, guid: app.guid, state: 'STOPPED', urls: await appUrls(session, app.guid) };
}

export async function deleteApp(session: Session, name: string, r: Reporter): Promise<void> {
  const app = await findApp(session, name);
  r.step(`Deleting ${name}`);
  const job = await waitForJob(session, await session.cc.apps.delete(app.guid), `${name} to be deleted`);
  if (job?.state === 'FAILED') {
    throw new CfPushError(`Deleting ${name} failed: ${job.errors[0]?.detail ?? 'unknown error'}`, {
      code: ccTitle(job.errors[0]?.title),
      hint: `Run \`cfpush delete ${name}\` again; if it keeps failing, check the target's status.`,
    });
  }
}
