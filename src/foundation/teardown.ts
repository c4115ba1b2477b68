// Deleting what holds other things, as CC does: a space takes its service
// instances, apps (their instances stopped), routes and roles with it
// (SpaceDelete); an org its spaces, roles and private domains
// (OrganizationDelete); a domain its routes (Domain's association
// dependencies). The API runs these as jobs (DELETE answers 202).
import type { Foundation } from './context';
import { appTarget, recordEvent } from './events';
import { deleteApp } from './model';
import { deleteServiceInstance } from './services';
import type { DomainRec, OrgRec, RouteRec, SpaceRec } from './store';

/** An explicit route deletion (RouteDeleteAction): recorded as audit.route.delete-request. */
export function deleteRoute(f: Foundation, r: RouteRec): void {
  recordEvent(f, 'audit.route.delete-request', { guid: r.guid, type: 'route', name: r.host }, r.space_guid, { request: { recursive: true } });
  f.store.remove('routes', r.guid);
  f.routesChanged();
}

/** Routes matching `which` go, without events (a cascade, as Sequel's association dependencies). */
function dropRoutes(f: Foundation, which: (r: RouteRec) => boolean): void {
  const gone = f.store.list('routes').filter(which);
  for (const r of gone) f.store.remove('routes', r.guid);
  if (gone.length) f.routesChanged();
}

export function deleteDomain(f: Foundation, d: DomainRec): void {
  dropRoutes(f, (r) => r.domain_guid === d.guid);
  f.store.remove('domains', d.guid);
}

export async function deleteSpace(f: Foundation, space: SpaceRec): Promise<void> {
  for (const si of f.store.list('service_instances').filter((x) => x.space_guid === space.guid)) deleteServiceInstance(f, si);
  for (const app of f.store.list('apps').filter((a) => a.space_guid === space.guid)) {
    recordEvent(f, 'audit.app.delete-request', appTarget(app), space.guid, { request: { recursive: true } });
    await deleteApp(f, app);
  }
  dropRoutes(f, (r) => r.space_guid === space.guid);
  for (const role of f.store.list('roles').filter((r) => r.space_guid === space.guid)) f.store.remove('roles', role.guid);
  recordEvent(f, 'audit.space.delete-request', { guid: space.guid, type: 'space', name: space.name }, space.guid, { request: { recursive: true } });
  f.store.remove('spaces', space.guid);
}

export async function deleteOrg(f: Foundation, org: OrgRec): Promise<void> {
  for (const space of f.store.list('spaces').filter((s) => s.org_guid === org.guid)) await deleteSpace(f, space);
  for (const role of f.store.list('roles').filter((r) => r.org_guid === org.guid)) f.store.remove('roles', role.guid);
  for (const d of f.store.list('domains')) {
    if (d.org_guid === org.guid) deleteDomain(f, d);
    else if (d.shared_org_guids?.includes(org.guid)) {
      d.shared_org_guids = d.shared_org_guids.filter((g) => g !== org.guid);
      f.store.touch(d);
    }
  }
  recordEvent(f, 'audit.organization.delete-request', { guid: org.guid, type: 'organization', name: org.name }, null, { request: { recursive: true } });
  f.store.remove('orgs', org.guid);
}
