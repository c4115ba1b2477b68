// `push`: the cf CLI's sequence (cf-reference.md §1.1) for every app in the
// manifest, or a blue-green push of one: which of the two, by strategy.
import type { Session } from '../session';
import type { PushedApp, PushOptions, Reporter } from './index';
import { pushBlueGreen } from './bluegreen';
import { pushApps } from './deploy';

export async function push(session: Session, opts: PushOptions, r: Reporter): Promise<PushedApp[]> {
  return opts.strategy === 'blue-green' ? pushBlueGreen(session, opts, r) : pushApps(session, opts, r);
}
