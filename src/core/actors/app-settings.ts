// An app's environment, name and history, and the target's catalog (the cf
// CLI's env / set-env / unset-env / rename / events / buildpacks / stacks /
// domains / create-route / delete-route actors): each resolves names to
// guids and returns what the command prints, so the CLI and the extension
// show the same thing.
import type { CcApp, CcAppEnv, CcDomain, CcRoute } from '../cc/types';
import type { CcAuditEvent, CcBuildpack } from '../cc/requests/misc';
import { CfPushError } from '../errors';
import { findApp, waitForJob } from '../push/steps';
import type { Session } from '../session';

export async function appEnv(session: Session, appName: string): Promise<{ app: CcApp; env: CcAppEnv }> {
  const app = await findApp(session, appName);
  return { app, env: await session.cc.apps.env(app.guid) };
}

/** Sets one user-provided variable; it takes effect at the next restage (or restart, for what the app reads at start). */
export async function setEnv(session: Session, appName: string, name: string, value: string): Promise<Record<string, string>> {
  if (!name || /[=\s]/.test(name)) throw new CfPushError(`'${name}' is not a variable name.`, { hint: 'Use a name such as LOG_LEVEL.' });
  const app = await findApp(session, appName);
  return session.cc.apps.updateEnvironmentVariables(app.guid, { [name]: value });
}

/** Removes one user-provided variable; `false` when it was not set (as `cf unset-env` says, not an error). */
export async function unsetEnv(session: Session, appName: string, name: string): Promise<boolean> {
  const app = await findApp(session, appName);
  const vars = await session.cc.apps.environmentVariables(app.guid);
  if (!(name in vars)) return false;
  await session.cc.apps.updateEnvironmentVariables(app.guid, { [name]: null });
  return true;
}

export async function renameApp(session: Session, appName: string, newName: string): Promise<CcApp> {
  const app = await findApp(session, appName);
  return session.cc.apps.rename(app.guid, newName);
}

/** The app's audit events, newest first (as `cf events` lists them). */
export async function appEvents(session: Session, appName: string): Promise<{ app: CcApp; events: CcAuditEvent[] }> {
  const app = await findApp(session, appName);
  const events = await session.cc.auditEvents.list({ targetGuids: [app.guid] });
  return { app, events: events.reverse() };
}

export function listBuildpacks(session: Session): Promise<CcBuildpack[]> {
  return session.cc.catalog.buildpacks();
}

export function listStacks(session: Session): Promise<{ name: string; description?: string }[]> {
  return session.cc.catalog.stacks();
}

export function listDomains(session: Session): Promise<CcDomain[]> {
  return session.cc.domains.list();
}

async function domainNamed(session: Session, name: string): Promise<CcDomain> {
  const [d] = await session.cc.domains.list({ names: [name] });
  if (!d) {
    const all = (await session.cc.domains.list()).map((x) => x.name);
    throw new CfPushError(`Domain '${name}' not found.`, { code: 'DomainNotFound', hint: `The target's domains: ${all.join(', ') || '(none)'}.` });
  }
  return d;
}

/** `cf create-route DOMAIN [--hostname H] [--path P]`: a route in the targeted space, mapped to no app. */
export async function createRoute(session: Session, domain: string, o: { host?: string; path?: string }): Promise<CcRoute> {
  const d = await domainNamed(session, domain);
  return session.cc.routes.create({ spaceGuid: session.space.guid, domainGuid: d.guid, host: o.host, path: o.path });
}

/** `cf delete-route`: `false` when there was no such route (cf says so and succeeds). */
export async function deleteRoute(session: Session, domain: string, o: { host?: string; path?: string }): Promise<boolean> {
  const d = await domainNamed(session, domain);
  const route = (await session.cc.routes.list({ domainGuids: [d.guid], spaceGuids: [session.space.guid] })).find(
    (r) => r.host === (o.host ?? '') && r.path === (o.path ?? ''),
  );
  if (!route) return false;
  const job = await waitForJob(session, await session.cc.routes.delete(route.guid), `route ${route.url} to be deleted`);
  if (job?.state === 'FAILED') throw new CfPushError(`Deleting route ${route.url} failed: ${job.errors[0]?.detail ?? 'unknown error'}`);
  return true;
}

/** `cf create-app-manifest`: the app's current settings as manifest YAML, from CC. */
export async function appManifest(session: Session, appName: string): Promise<{ app: CcApp; yaml: string }> {
  const app = await findApp(session, appName);
  return { app, yaml: await session.cc.apps.manifest(app.guid) };
}
