// /v3/roles and /v3/users: org and space roles (cf create-space gives its
// creator organization_user, space_manager and space_developer by username;
// cf org-users and space-users list them with include=user). The foundation
// has one UAA user, its admin; a role may also name another user by guid, as
// CC allows for org roles. CC's RoleCreateMessage, RoleCreate and
// RolesController for the rules and the words.
import { recordEvent, type EventTarget } from '../events';
import { runJob } from '../jobs';
import { filterList, includes, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { meta, now, ORG_ROLE_TYPES, SPACE_ROLE_TYPES, type RoleRec, type RoleType } from '../store';

const ALL_TYPES: readonly string[] = [...ORG_ROLE_TYPES, ...SPACE_ROLE_TYPES];
const isOrgType = (t: string) => (ORG_ROLE_TYPES as readonly string[]).includes(t);

/** Every user there is: the admin, and the guids roles name. */
function users(c: Ctx): { guid: string; since: string }[] {
  const { store, auth } = c.f;
  const first = [...store.list('org_quotas'), ...store.list('orgs')].map((r) => r.created_at).sort()[0] ?? now();
  const out = new Map<string, string>([[auth.userId, first]]);
  for (const r of store.list('roles')) if (!out.has(r.user_guid)) out.set(r.user_guid, r.created_at);
  return [...out].map(([guid, since]) => ({ guid, since }));
}

function userTarget(c: Ctx, guid: string): EventTarget {
  return { guid, type: 'user', name: guid === c.f.auth.userId ? c.f.auth.username : guid };
}

/** The user a role's `relationships.user` names: by guid, or by username (+ origin) in UAA, where only the admin is. */
function resolveUser(c: Ctx, data: Record<string, unknown>, forSpace: boolean): string {
  if (typeof data.guid === 'string') return data.guid;
  const { username, origin } = data;
  if (username === c.f.auth.username && (origin === undefined || origin === null || origin === 'uaa')) return c.f.auth.userId;
  if (forSpace) throw unprocessable("Users cannot be assigned roles in a space if they do not have a role in that space's organization.");
  if (typeof origin === 'string') throw unprocessable(`No user exists with the username '${String(username)}' and origin '${origin}'.`);
  throw unprocessable(`No user exists with the username '${String(username)}'.`);
}

/** RoleCreateMessage: the type and the shape of its relationships, every problem at once. */
function checkMessage(body: Record<string, any>): { type: RoleType; user: Record<string, unknown>; orgGuid?: string; spaceGuid?: string } {
  const errs: string[] = [];
  const type = body.type;
  if (!ALL_TYPES.includes(type)) errs.push(`Type must be one of the allowed types ${JSON.stringify(ALL_TYPES).replace(/","/g, '", "')}`);
  const rel = body.relationships;
  if (rel === null || typeof rel !== 'object' || Array.isArray(rel)) {
    errs.push("Relationships can't be blank");
    throw unprocessable(errs.join(', '));
  }
  rejectUnknown(rel, ['space', 'user', 'organization']);
  const user = rel.user?.data;
  const hasGuid = user && typeof user === 'object' && 'guid' in user;
  const hasName = user && typeof user === 'object' && 'username' in user;
  if (hasGuid && hasName) errs.push('Relationships Username cannot be specified when identifying user by guid');
  if (hasGuid && user && 'origin' in user) errs.push('Relationships User origin cannot be specified when identifying user by guid');
  if (!hasName && user && typeof user === 'object' && 'origin' in user)
    errs.push('Relationships User origin cannot be specified without specifying the username');
  if (!hasName && !hasGuid) errs.push('Relationships User must have a username or guid specified');
  if (hasName && typeof user.username !== 'string') errs.push('Relationships Username must be a string');
  const spaceGuid = rel.space?.data?.guid;
  const orgGuid = rel.organization?.data?.guid;
  if (!rel.space?.data && !rel.organization?.data) errs.push('Relationships must specify either a space or an organization.');
  if (rel.space?.data && isOrgType(type)) errs.push(`Relationships Space cannot be provided with the organization role type: '${type}'.`);
  if (rel.organization?.data && !isOrgType(type) && ALL_TYPES.includes(type)) {
    errs.push(`Relationships Organization cannot be provided with the space role type: '${type}'.`);
  }
  if (rel.space?.data && rel.organization?.data) errs.push('Relationships cannot specify both an organization and a space.');
  if (errs.length) throw unprocessable(errs.join(', '));
  return { type, user, orgGuid, spaceGuid };
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['type', 'relationships']);
  const m = checkMessage(body);
  const { store } = c.f;
  let role: RoleRec;
  if (m.spaceGuid !== undefined) {
    const space = store.get('spaces', m.spaceGuid);
    if (!space) throw unprocessable('Invalid space. Ensure that the space exists and you have access to it.');
    const userGuid = resolveUser(c, m.user, true);
    if (!store.list('roles').some((r) => r.org_guid === space.org_guid && r.user_guid === userGuid)) {
      throw unprocessable("Users cannot be assigned roles in a space if they do not have a role in that space's organization.");
    }
    const who = userGuid === c.f.auth.userId ? c.f.auth.username : userGuid;
    if (store.list('roles').some((r) => r.space_guid === space.guid && r.user_guid === userGuid && r.type === m.type)) {
      throw unprocessable(`User '${who}' already has '${m.type}' role in space '${space.name}'.`);
    }
    role = store.put('roles', { ...meta(), type: m.type, user_guid: userGuid, org_guid: null, space_guid: space.guid });
    recordEvent(c.f, `audit.user.${m.type}_add`, userTarget(c, userGuid), space.guid, { request: body });
  } else {
    const org = store.get('orgs', m.orgGuid);
    if (!org) throw unprocessable('Invalid organization. Ensure that the organization exists and you have access to it.');
    const userGuid = resolveUser(c, m.user, false);
    const who = userGuid === c.f.auth.userId ? c.f.auth.username : userGuid;
    if (store.list('roles').some((r) => r.org_guid === org.guid && r.user_guid === userGuid && r.type === m.type)) {
      throw unprocessable(`User '${who}' already has '${m.type}' role in organization '${org.name}'.`);
    }
    role = store.put('roles', { ...meta(), type: m.type, user_guid: userGuid, org_guid: org.guid, space_guid: null });
    recordEvent(c.f, `audit.user.${m.type}_add`, userTarget(c, userGuid), null, { request: body });
  }
  send(c.res, 201, c.f.present.role(role));
}

function byGuid(c: Ctx): RoleRec {
  const r = c.f.store.get('roles', c.params.guid);
  if (!r) throw notFound('Role');
  return r;
}

async function remove(c: Ctx): Promise<void> {
  const role = byGuid(c);
  const { store } = c.f;
  if (role.type === 'organization_user') {
    const spaces = new Set(
      store
        .list('spaces')
        .filter((s) => s.org_guid === role.org_guid)
        .map((s) => s.guid),
    );
    if (store.list('roles').some((r) => r.user_guid === role.user_guid && r.space_guid && spaces.has(r.space_guid))) {
      throw unprocessable('Cannot delete organization_user role while user has roles in spaces in that organization.');
    }
  }
  await runJob(c, 'role.delete', async () => {
    recordEvent(c.f, `audit.user.${role.type}_remove`, userTarget(c, role.user_guid), role.space_guid, {});
    store.remove('roles', role.guid);
  });
}

/** `included` for include=user,organization,space: each named once. */
function included(c: Ctx, roles: RoleRec[], want: Set<string>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const all = users(c);
  if (want.has('user')) {
    const guids = new Set(roles.map((r) => r.user_guid));
    out.users = all.filter((u) => guids.has(u.guid)).map((u) => c.f.present.user(u.guid, u.since));
  }
  if (want.has('organization')) {
    const guids = new Set(roles.map((r) => r.org_guid));
    out.organizations = c.f.store
      .list('orgs')
      .filter((o) => guids.has(o.guid))
      .map((o) => c.f.present.org(o));
  }
  if (want.has('space')) {
    const guids = new Set(roles.map((r) => r.space_guid));
    out.spaces = c.f.store
      .list('spaces')
      .filter((s) => guids.has(s.guid))
      .map((s) => c.f.present.space(s));
  }
  return out;
}

function list(c: Ctx): void {
  const want = includes(c, ['user', 'organization', 'space']);
  const roles = filterList(c.f.store.list('roles'), c.query, {
    guids: (r) => r.guid,
    types: (r) => r.type,
    organization_guids: (r) => r.org_guid,
    space_guids: (r) => r.space_guid,
    user_guids: (r) => r.user_guid,
  });
  const page = paginate(c, roles, (r) => c.f.present.role(r)) as { resources: unknown[] };
  const shown = roles.filter((r) => page.resources.some((p) => (p as { guid: string }).guid === r.guid));
  send(c.res, 200, want.size ? { ...page, included: included(c, shown, want) } : page);
}

function get(c: Ctx): void {
  const want = includes(c, ['user', 'organization', 'space']);
  const role = byGuid(c);
  send(c.res, 200, want.size ? { ...c.f.present.role(role), included: included(c, [role], want) } : c.f.present.role(role));
}

function listUsers(c: Ctx): void {
  const admin = c.f.auth;
  const list = filterList(users(c), c.query, {
    guids: (u) => u.guid,
    usernames: (u) => (u.guid === admin.userId ? admin.username : null),
    origins: (u) => (u.guid === admin.userId ? 'uaa' : null),
  });
  send(
    c.res,
    200,
    paginate(c, list, (u) => c.f.present.user(u.guid, u.since)),
  );
}

function getUser(c: Ctx): void {
  const u = users(c).find((x) => x.guid === c.params.guid);
  if (!u) throw notFound('User');
  send(c.res, 200, c.f.present.user(u.guid, u.since));
}

export const roleRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/roles', handler: list },
  { method: 'POST', path: '/v3/roles', handler: create },
  { method: 'GET', path: '/v3/roles/:guid', handler: get },
  { method: 'DELETE', path: '/v3/roles/:guid', handler: remove },
  { method: 'GET', path: '/v3/users', handler: listUsers },
  { method: 'GET', path: '/v3/users/:guid', handler: getUser },
];
