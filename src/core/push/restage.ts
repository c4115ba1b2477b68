// `restage` has no v3 endpoint: stage the newest READY package again, then
// stop, set the droplet and start (cf-reference.md §1.1 "Restage").
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { PushedApp, Reporter } from './index';
import { appUrls, findApp, setDropletAndRestart, stage, waitRunning } from './steps';

export async function restage(session: Session, appName: string, r: Reporter, signal?: AbortSignal): Promise<PushedApp> {
  const app = await findApp(session, appName);
  const pkg = await session.cc.packages.newest(app.guid, 'READY');
  if (!pkg) {
    throw new CfPushError(`App '${appName}' has no uploaded package to restage.`, { hint: `Push it first: \`cfpush push ${appName}\`.` });
  }
  r.warn('This action will cause app downtime.');
  const droplet = await stage(session, app, pkg.guid, r, signal);
  r.step(`Restarting ${appName}`);
  await setDropletAndRestart(session, app, droplet.guid);
  await waitRunning(session, app, r, signal);
  const now = await findApp(session, appName);
  return { name: now.name, guid: now.guid, state: now.state, urls: await appUrls(session, now.guid) };
}
