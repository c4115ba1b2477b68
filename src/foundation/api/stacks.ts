// /v3/stacks: the one stack the local foundation offers, under CC's name for
// it (what droplets and apps report), with what it really is.
import { createHash } from 'node:crypto';
import { filterList, notFound, paginate, send, type Ctx, type RouteDef } from '../http';
import { STACK } from '../model';

/** A stable guid for a stack name (the same on every foundation and restart). */
function stackGuid(name: string): string {
  const h = createHash('sha1').update(`cf-push stack ${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const CREATED = '2026-01-01T00:00:00Z';

function stacks(c: Ctx) {
  return [
    {
      guid: stackGuid(STACK),
      name: STACK,
      description:
        "cf-push local foundation: apps run with this machine's toolchains (process runtime) or in the cfpush/stack:bookworm image (container runtime)",
      build_rootfs_image: 'cfpush/stack:bookworm',
      run_rootfs_image: 'cfpush/stack:bookworm',
      default: true,
      created_at: CREATED,
      updated_at: CREATED,
      metadata: { labels: {}, annotations: {} },
      links: { self: { href: `${c.f.apiUrl}/v3/stacks/${stackGuid(STACK)}` }, apps: { href: `${c.f.apiUrl}/v3/stacks/${stackGuid(STACK)}/apps` } },
    },
  ];
}

function get(c: Ctx) {
  const s = stacks(c).find((x) => x.guid === c.params.guid || (c.params.guid === 'default' && x.default));
  if (!s) throw notFound('Stack');
  return s;
}

export const stackRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/v3/stacks',
    handler: (c) =>
      send(
        c.res,
        200,
        paginate(c, filterList(stacks(c), c.query, { names: (s) => s.name, guids: (s) => s.guid }), (s) => s, ['created_at', 'updated_at', 'name']),
      ),
  },
  { method: 'GET', path: '/v3/stacks/:guid', handler: (c) => send(c.res, 200, get(c)) },
  {
    method: 'GET',
    path: '/v3/stacks/:guid/apps',
    handler: (c) => {
      const s = get(c);
      send(
        c.res,
        200,
        paginate(
          c,
          c.f.store.list('apps').filter((a) => a.lifecycle.type === 'buildpack' && (a.lifecycle.data as { stack?: string }).stack === s.name),
          (a) => c.f.present.app(a),
        ),
      );
    },
  },
];
