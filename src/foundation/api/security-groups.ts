// Application security groups: the local foundation enforces none (apps
// reach what this machine reaches), so there are none to list, globally or
// for a space (cf space reads a space's running and staging groups).
import { emptyList, noneOf, type RouteDef } from '../http';
import { spaceByGuid } from './spaces';

export const securityGroupRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/security_groups', handler: (c) => emptyList(c) },
  { method: 'GET', path: '/v3/security_groups/:guid', handler: noneOf('Security group') },
  { method: 'GET', path: '/v3/spaces/:guid/running_security_groups', handler: (c) => (spaceByGuid(c), emptyList(c)) },
  { method: 'GET', path: '/v3/spaces/:guid/staging_security_groups', handler: (c) => (spaceByGuid(c), emptyList(c)) },
];
