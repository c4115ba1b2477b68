// What a push will change on the target, before anything changes: CC's
// manifest_diff where the target has it, else computed from the app's state.
import type { CcApp } from '../cc/types';
import { CcApiError } from '../cc/client';
import type { AppManifest } from '../manifest/types';
import type { Session } from '../session';
import type { PushOptions } from './index';
import { appsToPush, manifestForApi } from './deploy';
import { checkAgainstTarget } from './target-checks';

export interface Change {
  /** e.g. "env/LOG_LEVEL", "instances", "routes", "buildpacks". */
  path: string;
  was?: unknown;
  value?: unknown;
}

export interface AppPreview {
  name: string;
  isNew: boolean;
  changes: Change[];
}

export interface PushPreview {
  source: 'manifest_diff' | 'computed';
  apps: AppPreview[];
}

export async function previewPush(session: Session, opts: PushOptions): Promise<PushPreview> {
  const apps = await appsToPush(opts);
  await checkAgainstTarget(session, apps);
  const existing = await Promise.all(apps.map((a) => session.cc.apps.find(session.space.guid, a.name)));
  try {
    const diff = await session.cc.spaces.manifestDiff(session.space.guid, manifestForApi(apps));
    return {
      source: 'manifest_diff',
      apps: apps.map((a, i) => ({
        name: a.name,
        isNew: !existing[i],
        changes: diff
          .filter((d) => d.path.startsWith(`/applications/${i}/`))
          .filter((d) => d.path !== `/applications/${i}/default-route`)
          .map((d) => ({ path: d.path.slice(`/applications/${i}/`.length), was: d.was, value: d.value })),
      })),
    };
  } catch (err) {
    if (!(err instanceof CcApiError) || ![404, 405, 501].includes(err.status)) throw err;
  }
  return { source: 'computed', apps: await Promise.all(apps.map((a, i) => computed(session, a, existing[i]))) };
}

async function computed(session: Session, a: AppManifest, app: CcApp | undefined): Promise<AppPreview> {
  if (!app) return { name: a.name, isNew: true, changes: [] };
  const changes: Change[] = [];
  const [web, env, routes] = await Promise.all([
    session.cc.apps.process(app.guid, 'web'),
    session.cc.apps.environmentVariables(app.guid),
    session.cc.apps.routes(app.guid),
  ]);
  const cmp = (path: string, was: unknown, value: unknown) => {
    if (value !== undefined && JSON.stringify(was) !== JSON.stringify(value)) changes.push({ path, was, value });
  };
  cmp('instances', web.instances, a.instances);
  cmp('memory', web.memory_in_mb, a.memoryMb);
  cmp('disk_quota', web.disk_in_mb, a.diskMb);
  cmp('command', web.command, a.command);
  for (const [k, v] of Object.entries(a.env ?? {})) cmp(`env/${k}`, env[k], v);
  cmp('buildpacks', app.lifecycle.data.buildpacks ?? [], a.buildpacks);
  cmp('stack', app.lifecycle.data.stack, a.stack);
  if (a.routes) {
    const have = routes.map((r) => r.url).sort();
    const added = a.routes.map((r) => r.route).filter((r) => !have.includes(r));
    if (added.length) changes.push({ path: 'routes', was: have, value: [...have, ...added] });
  }
  return { name: a.name, isNew: false, changes };
}

/** "Preview of push to local: hello (new app)" plus one line per change. */
export function formatPreview(p: PushPreview, target: string): string {
  const lines = [`Preview of push to ${target}:`];
  for (const a of p.apps) {
    if (a.isNew) lines.push(`  + ${a.name} (new app)`);
    else if (a.changes.length === 0) lines.push(`  = ${a.name} (no manifest changes; new bits will be staged)`);
    else {
      lines.push(`  ~ ${a.name}`);
      for (const ch of a.changes) lines.push(`      ${ch.path}: ${show(ch.was)} -> ${show(ch.value)}`);
    }
  }
  return lines.join('\n');
}

function show(v: unknown): string {
  return v === undefined || v === null ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
}
