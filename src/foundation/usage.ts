// CC's app usage events (`/v3/app_usage_events`: what billing and usage
// reports read): a record each time an app's process starts, stops or is
// scaled while started, with the instance count and memory before and after.
import type { Foundation } from './context';
import { meta, type AppRec, type ProcessRec, type UsageEventRec } from './store';

const MAX_USAGE_EVENTS = 5000;

export function recordUsage(
  f: Foundation,
  app: AppRec,
  proc: ProcessRec,
  state: 'STARTED' | 'STOPPED',
  previous?: { state: string; instances: number; memory: number },
): void {
  const space = f.store.get('spaces', app.space_guid);
  const droplet = app.droplet_guid ? f.store.get('droplets', app.droplet_guid) : undefined;
  const bp = droplet?.buildpacks[0];
  f.store.put('app_usage_events', {
    ...meta(),
    state: { current: state, previous: previous?.state ?? null },
    app: { guid: app.guid, name: app.name },
    process: { guid: proc.guid, type: proc.type },
    space: { guid: app.space_guid, name: space?.name ?? '' },
    organization: { guid: space?.org_guid ?? '' },
    buildpack: bp ? { guid: null, name: bp.buildpack_name ?? bp.name } : { guid: null, name: null },
    task: { guid: null, name: null },
    memory_in_mb_per_instance: { current: proc.memory_in_mb, previous: previous?.memory ?? null },
    instance_count: { current: proc.instances, previous: previous?.instances ?? null },
  });
  const all = f.store.list('app_usage_events');
  for (const old of all.slice(0, Math.max(0, all.length - MAX_USAGE_EVENTS))) f.store.remove('app_usage_events', old.guid);
}

/** Every process of the app with instances, on a start or a stop. */
export function recordAppUsage(f: Foundation, app: AppRec, state: 'STARTED' | 'STOPPED'): void {
  const before = state === 'STARTED' ? 'STOPPED' : 'STARTED';
  for (const p of f.store.list('processes').filter((x) => x.app_guid === app.guid && x.instances > 0)) {
    recordUsage(f, app, p, state, { state: before, instances: p.instances, memory: p.memory_in_mb });
  }
}

export type { UsageEventRec };
