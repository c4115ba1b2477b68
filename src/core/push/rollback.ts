// A cancelled push leaves nothing half-made: apps it created (absent when it
// began) are deleted, with the routes only they had; apps that existed keep
// the version they had, since nothing is switched until the new droplet runs.
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { Reporter } from './index';
import type { Before } from './plan';
import { waitForJob } from './steps';

export class PushCancelledError extends CfPushError {
  constructor(
    readonly removed: string[],
    readonly notRemoved: string[],
  ) {
    super(
      `Push cancelled${removed.length ? `; removed ${removed.join(', ')}, which this push had created` : '; apps keep the version they had before'}.` +
        (notRemoved.length ? ` Could not remove ${notRemoved.join(', ')}.` : ''),
      { code: 'Cancelled', hint: notRemoved.length ? `Delete them with \`cfpush delete ${notRemoved[0]}\`.` : undefined },
    );
    this.name = 'PushCancelledError';
  }
}

/** The apps in the session's space now (before a push changes them), by name. */
export async function appsBefore(session: Session): Promise<Map<string, Before>> {
  return new Map((await session.cc.apps.inSpace(session.space.guid)).map((a) => [a.name, { state: a.state }]));
}

/** Deletes the apps among `names` that were not in `existed`, and routes that led only to them. */
export async function removeCreated(session: Session, names: string[], existed: Set<string>, r: Reporter): Promise<PushCancelledError> {
  const removed: string[] = [];
  const notRemoved: string[] = [];
  for (const name of names.filter((n) => !existed.has(n))) {
    try {
      const app = await session.cc.apps.find(session.space.guid, name);
      if (!app) continue;
      r.step(`Removing ${name}, which this push had created`);
      const routes = await session.cc.apps.routes(app.guid);
      const job = await waitForJob(session, await session.cc.apps.delete(app.guid), `${name} to be deleted`);
      if (job?.state === 'FAILED') throw new CfPushError(job.errors[0]?.detail ?? 'the delete job failed');
      for (const rt of routes) {
        if (rt.destinations.every((d) => d.app.guid === app.guid)) await session.cc.routes.delete(rt.guid).catch(() => undefined);
      }
      removed.push(name);
    } catch (err) {
      r.warn(`Could not remove ${name} after the cancel: ${(err as Error).message}`);
      notRemoved.push(name);
    }
  }
  return new PushCancelledError(removed, notRemoved);
}
