// The docker lifecycle's package (cf-reference.md §1.1 step 5′): CC stages a
// docker package by reading the image's metadata; the password comes from
// CF_DOCKER_PASSWORD, never from a flag or the manifest.
import type { CcApp, CcPackage } from '../cc/types';
import { CfPushError } from '../errors';
import type { Session } from '../session';
import type { Reporter } from './index';
import { pollUntil, STAGING_TIMEOUT_MS } from './poll';

export async function dockerPackage(
  session: Session,
  app: CcApp,
  image: string,
  username: string | undefined,
  r: Reporter,
  signal?: AbortSignal,
): Promise<CcPackage> {
  const password = process.env.CF_DOCKER_PASSWORD;
  if (username && !password) {
    throw new CfPushError('Environment variable CF_DOCKER_PASSWORD not set.', {
      hint: 'Set CF_DOCKER_PASSWORD to the registry password for --docker-username.',
    });
  }
  r.step(`Using docker image ${image}`);
  const pkg = await session.cc.post<CcPackage>('/v3/packages', {
    type: 'docker',
    relationships: { app: { data: { guid: app.guid } } },
    data: username ? { image, username, password } : { image },
  });
  const ready = await pollUntil(
    () => session.cc.get<CcPackage>(`/v3/packages/${pkg.guid}`),
    (p) => p.state !== 'PROCESSING_UPLOAD' && p.state !== 'AWAITING_UPLOAD' && p.state !== 'COPYING',
    { what: 'the docker package', timeoutMs: STAGING_TIMEOUT_MS, signal },
  );
  if (ready.state !== 'READY') throw new CfPushError(`The docker package for '${app.name}' is ${ready.state}.`);
  return ready;
}
