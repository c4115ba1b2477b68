// App revisions, as CC keeps them when an app's `revisions` feature is on:
// a numbered snapshot of what runs (the droplet, the env, each process's
// command), taken when the app starts or deploys and any of those changed
// since the last one, with CC's description of what changed. A deployment of
// a revision (`cf rollback`) runs that snapshot again.
import type { Foundation } from './context';
import { meta, type AppRec, type RevisionRec } from './store';

function commands(f: Foundation, app: AppRec, dropletGuid: string | null): Record<string, string | null> {
  const detected = dropletGuid ? (f.store.get('droplets', dropletGuid)?.process_types ?? {}) : {};
  return Object.fromEntries(
    f.store
      .list('processes')
      .filter((p) => p.app_guid === app.guid)
      .map((p) => [p.type, p.command ?? detected[p.type] ?? null]),
  );
}

export function appRevisions(f: Foundation, appGuid: string): RevisionRec[] {
  return f.store
    .list('revisions')
    .filter((r) => r.app_guid === appGuid)
    .sort((a, b) => a.version - b.version);
}

/**
 * The revision for what the app runs now (with `dropletGuid`): the latest one
 * when nothing changed, else a new one. Undefined when revisions are off.
 */
export function revisionForStart(f: Foundation, app: AppRec, dropletGuid = app.droplet_guid, description?: string): RevisionRec | undefined {
  if (app.revisions_enabled === false || !dropletGuid) return undefined;
  const all = appRevisions(f, app.guid);
  const last = all[all.length - 1];
  const cmds = commands(f, app, dropletGuid);
  const changes: string[] = [];
  if (!last) changes.push('Initial revision.');
  else {
    if (last.droplet_guid !== dropletGuid) changes.push('New droplet deployed.');
    if (JSON.stringify(last.environment_variables) !== JSON.stringify(app.env)) changes.push('New environment variables deployed.');
    for (const [type, cmd] of Object.entries(cmds)) {
      if (last.commands[type] !== undefined && last.commands[type] !== cmd) changes.push(`Custom start command updated for '${type}' process.`);
    }
  }
  if (!changes.length && !description) return last;
  return f.store.put('revisions', {
    ...meta(),
    app_guid: app.guid,
    version: (last?.version ?? 0) + 1,
    droplet_guid: dropletGuid,
    environment_variables: { ...app.env },
    commands: cmds,
    description: description ?? changes.join(' '),
  });
}
