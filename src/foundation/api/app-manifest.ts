// GET /v3/apps/:guid/manifest: the app's current settings as a manifest, in
// CC's shape (what `cf create-app-manifest` writes), from the same rendering
// the manifest diff compares against; a docker app also names its image.
// YAML, as CC answers it.
import YAML from 'yaml';
import type { Ctx, RouteDef } from '../http';
import { currentManifest } from '../manifest-diff';
import { getApp } from '../model';

function getManifest(c: Ctx): void {
  const app = getApp(c.f, c.params.guid);
  const m = currentManifest(c.f, app);
  const image = app.lifecycle.type === 'docker' ? c.f.store.get('droplets', app.droplet_guid ?? undefined)?.image : undefined;
  if (image) m.docker = { image };
  const text = YAML.stringify({ applications: [m] });
  c.res.writeHead(200, { 'content-type': 'application/x-yaml', 'content-length': String(Buffer.byteLength(text)) });
  c.res.end(text);
}

export const appManifestRoutes: RouteDef[] = [{ method: 'GET', path: '/v3/apps/:guid/manifest', handler: getManifest }];
