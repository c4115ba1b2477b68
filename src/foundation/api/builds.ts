// Builds and droplets (cf-reference.md §1.3): a build stages a READY package
// asynchronously; a second concurrent build for one app is refused.
import { ApiError, filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { appTarget, recordEvent } from '../events';
import { holdWhile, LOG_CATCH_UP_MS } from '../hold';
import { STACK } from '../model';
import { meta } from '../store';

const BUILD_CREATE_KEYS = ['package', 'lifecycle', 'staging_memory_in_mb', 'staging_disk_in_mb', 'staging_log_rate_limit_bytes_per_second', 'metadata'];

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, BUILD_CREATE_KEYS);
  const pkgGuid = body.package?.guid;
  const pkg = typeof pkgGuid === 'string' ? c.f.store.get('packages', pkgGuid) : undefined;
  if (!pkg) throw unprocessable('Unable to use package. Ensure that the package exists and you have access to it.');
  if (pkg.state !== 'READY') throw unprocessable('Unable to stage package: the package is not READY.');
  const app = c.f.store.get('apps', pkg.app_guid);
  if (!app) throw unprocessable('Unable to use package. Ensure that the package exists and you have access to it.');
  if (c.f.stager.isStaging(app.guid)) {
    throw new ApiError(422, 170017, 'CF-StagingInProgress', 'Only one build can be STAGING at a time per application.');
  }
  const lc = body.lifecycle?.data as { buildpacks?: unknown; stack?: unknown } | undefined;
  const appLc = app.lifecycle.data as { buildpacks?: string[]; stack?: string };
  const buildpacks = Array.isArray(lc?.buildpacks) ? lc.buildpacks.map(String) : (appLc.buildpacks ?? []);
  const mem = Number.isInteger(body.staging_memory_in_mb) ? body.staging_memory_in_mb : 1024;
  const disk = Number.isInteger(body.staging_disk_in_mb) ? body.staging_disk_in_mb : 1024;
  const build = c.f.store.put('builds', {
    ...meta(),
    app_guid: app.guid,
    package_guid: pkg.guid,
    state: 'STAGING',
    error: null,
    droplet_guid: null,
    buildpacks,
    stack: typeof lc?.stack === 'string' ? lc.stack : (appLc.stack ?? STACK),
    staging_memory_in_mb: mem,
    staging_disk_in_mb: disk,
  });
  // Docker packages stage too: the image's config is read from the local engine (foundation/docker.ts).
  c.f.stager.start(build);
  recordEvent(c.f, 'audit.app.build.create', appTarget(app), app.space_guid, { build_guid: build.guid, package_guid: pkg.guid });
  send(c.res, 201, c.f.present.build(build));
}

async function get(c: Ctx): Promise<void> {
  const b = c.f.store.get('builds', c.params.guid);
  if (!b) throw notFound('Build');
  const current = () => c.f.store.get('builds', b.guid) === b;
  // A poll that comes while staging runs answers when it ends (the cf CLI polls every 3 s)...
  await holdWhile(() => b.state === 'STAGING' && current());
  // ...but not before a client reading the app's logs by polling has read the last staging line.
  if (b.state !== 'STAGING') await holdWhile(() => current() && c.f.logs.pollerBehind(b.app_guid, 'STG'), LOG_CATCH_UP_MS);
  send(c.res, 200, c.f.present.build(b));
}

function list(c: Ctx): void {
  const builds = filterList(c.f.store.list('builds'), c.query, {
    guids: (b) => b.guid,
    app_guids: (b) => b.app_guid,
    package_guids: (b) => b.package_guid,
    states: (b) => b.state,
  });
  send(
    c.res,
    200,
    paginate(c, builds, (b) => c.f.present.build(b)),
  );
}

export const buildRoutes: RouteDef[] = [
  { method: 'POST', path: '/v3/builds', handler: create },
  { method: 'GET', path: '/v3/builds', handler: list },
  { method: 'GET', path: '/v3/builds/:guid', handler: get },
];
