// CC's audit events (`/v3/audit_events`, what `cf events` shows): recorded
// where the change is made (model.ts, the API handlers), by the foundation's
// one user, kept for the newest MAX_EVENTS.
import type { Foundation } from './context';
import { meta, type AuditEventRec } from './store';

const MAX_EVENTS = 5000;

export interface EventTarget {
  guid: string;
  type: 'app' | 'route' | 'space' | 'organization' | 'service_instance' | 'service_binding' | 'buildpack' | 'domain' | 'task' | 'process' | 'user';
  name: string;
}

/** Records `type` (CC's names: "audit.app.start", "app.crash") against `target`, in `spaceGuid`'s space and org. */
export function recordEvent(f: Foundation, type: string, target: EventTarget, spaceGuid: string | null, data: Record<string, unknown> = {}): void {
  const space = spaceGuid ? f.store.get('spaces', spaceGuid) : undefined;
  f.store.put('audit_events', {
    ...meta(),
    type,
    actor: { guid: f.auth.userId, type: 'user', name: f.auth.username },
    target,
    data,
    space_guid: space?.guid ?? null,
    org_guid: space?.org_guid ?? (target.type === 'organization' ? target.guid : null),
  });
  const all = f.store.list('audit_events');
  for (const old of all.slice(0, Math.max(0, all.length - MAX_EVENTS))) f.store.remove('audit_events', old.guid);
}

export function appTarget(app: { guid: string; name: string }): EventTarget {
  return { guid: app.guid, type: 'app', name: app.name };
}

export type { AuditEventRec };

/**
 * Route mappings as the last call saw them; each call records
 * audit.app.map-route / unmap-route for what changed since (whatever changed
 * it: the routes API, apply_manifest, a deployment, an app's deletion).
 */
export function mappingRecorder(f: Foundation): () => void {
  type Mapped = Map<string, { name: string; space: string }>;
  const snapshot = () =>
    new Map<string, Mapped>(
      f.store.list('routes').map((r) => [
        r.guid,
        new Map(
          r.destinations.flatMap((d) => {
            const app = f.store.get('apps', d.app_guid);
            return app ? [[app.guid, { name: app.name, space: app.space_guid }] as const] : [];
          }),
        ),
      ]),
    );
  let last = snapshot();
  const record = (type: string, route: string, guid: string, a: { name: string; space: string }) =>
    recordEvent(f, type, { guid, type: 'app', name: a.name }, a.space, { route_guid: route });
  return () => {
    const now = snapshot();
    for (const [route, apps] of now) {
      const before: Mapped = last.get(route) ?? new Map();
      for (const [g, a] of apps) if (!before.has(g)) record('audit.app.map-route', route, g, a);
      for (const [g, a] of before) if (!apps.has(g)) record('audit.app.unmap-route', route, g, a);
    }
    for (const [route, before] of last) if (!now.has(route)) for (const [g, a] of before) record('audit.app.unmap-route', route, g, a);
    last = now;
  };
}
