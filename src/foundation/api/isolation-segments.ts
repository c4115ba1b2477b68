// Isolation segments: the local foundation has none (its apps all run on
// this machine), so the lists are empty and an org's default segment and a
// space's segment are null, in CC's shapes (cf org, cf space, cf
// isolation-segments read them).
import { emptyList, noneOf, send, type Ctx, type RouteDef } from '../http';
import { orgByGuid } from './orgs';
import { spaceByGuid } from './spaces';

/** CC's ToOneRelationshipPresenter with no related instance: data null, a self link only. */
function noSegment(c: Ctx, path: string): void {
  send(c.res, 200, { data: null, links: { self: { href: `${c.f.apiUrl}${path}` } } });
}

export const isolationSegmentRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/isolation_segments', handler: (c) => emptyList(c) },
  { method: 'GET', path: '/v3/isolation_segments/:guid', handler: noneOf('Isolation segment') },
  {
    method: 'GET',
    path: '/v3/organizations/:guid/relationships/default_isolation_segment',
    handler: (c) => noSegment(c, `/v3/organizations/${orgByGuid(c).guid}/relationships/default_isolation_segment`),
  },
  {
    method: 'GET',
    path: '/v3/spaces/:guid/relationships/isolation_segment',
    handler: (c) => noSegment(c, `/v3/spaces/${spaceByGuid(c).guid}/relationships/isolation_segment`),
  },
];
