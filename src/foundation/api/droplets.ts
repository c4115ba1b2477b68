// Droplets (cf-reference.md §1.3): list/get, a droplet staged elsewhere
// (`POST /v3/droplets` → AWAITING_UPLOAD, then `POST …/upload` with a tgz in
// field `bits` → STAGED), download as a tgz, delete.
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileChecksum } from '../../core/bits/checksum';
import { CfPushError } from '../../core/errors';
import { extractDroplet, readStagingInfo } from '../../core/staging/droplet';
import { ApiError, filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { finishJob, runJob, startJob } from '../jobs';
import { meta, type DropletRec } from '../store';
import { dropletTooLarge, readUpload } from '../uploads';
import { expireDroplets, STACK } from '../model';

function byGuid(c: Ctx): DropletRec {
  const d = c.f.store.get('droplets', c.params.guid);
  if (!d) throw notFound('Droplet');
  return d;
}

function list(c: Ctx): void {
  const droplets = filterList(c.f.store.list('droplets'), c.query, {
    guids: (d) => d.guid,
    app_guids: (d) => d.app_guid,
    states: (d) => d.state,
    space_guids: (d) => c.f.store.get('apps', d.app_guid)?.space_guid,
  });
  send(
    c.res,
    200,
    paginate(c, droplets, (d) => c.f.present.droplet(d, { inList: true })),
  );
}

function processTypes(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw unprocessable('Process types must be an object with string values');
  }
  return v as Record<string, string>;
}

/**
 * `POST /v3/droplets?source_guid=G`: a STAGED droplet for another app. Bits
 * are content-addressed, so the copy is a record with the same checksum.
 */
async function copy(c: Ctx, sourceGuid: string): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['relationships']);
  const source = c.f.store.get('droplets', sourceGuid);
  if (!source || source.state !== 'STAGED') throw unprocessable('Unable to copy droplet: the source droplet does not exist or is not STAGED.');
  const app = c.f.store.get('apps', relGuid(body.relationships?.app));
  if (!app) throw unprocessable(`App with guid '${relGuid(body.relationships?.app) ?? ''}' does not exist, or you do not have access to it.`);
  const d = c.f.store.put('droplets', { ...source, ...meta(), app_guid: app.guid, package_guid: '' });
  send(c.res, 201, c.f.present.droplet(d));
}

async function create(c: Ctx): Promise<void> {
  const sourceGuid = c.query.get('source_guid');
  if (sourceGuid !== null) return copy(c, sourceGuid);
  const body = await readJson(c);
  rejectUnknown(body, ['relationships', 'process_types', 'metadata']);
  const appGuid = relGuid(body.relationships?.app);
  const app = c.f.store.get('apps', appGuid);
  if (!app) throw unprocessable(`App with guid '${appGuid ?? ''}' does not exist, or you do not have access to it.`);
  const types = processTypes(body.process_types);
  const d = c.f.store.put('droplets', {
    ...meta(),
    app_guid: app.guid,
    package_guid: '',
    state: 'AWAITING_UPLOAD',
    error: null,
    process_types: types ?? {},
    buildpacks: [],
    stack: (app.lifecycle.data as { stack?: string }).stack ?? STACK,
    checksum: null,
    execution_metadata: '',
  });
  send(c.res, 201, c.f.present.droplet(d));
}

/**
 * The tgz is checked and extracted before the answer (an archive entry that
 * escapes the droplet, a bad gzip, one over the size limit → 422 at once);
 * then 202 with the droplet and a job, as CC answers an upload.
 */
async function upload(c: Ctx): Promise<void> {
  const d = byGuid(c);
  if (d.state !== 'AWAITING_UPLOAD') throw unprocessable('Droplet may be uploaded only once, while it is AWAITING_UPLOAD.');
  const tmp = c.f.store.tmpDir('droplet-upload');
  await mkdir(tmp, { recursive: true });
  try {
    const tgz = join(tmp, 'droplet.tgz');
    const up = await readUpload(c, 'bits', tgz);
    if (up.tooLarge) throw dropletTooLarge(up.limit);
    if (!up.hasFile) throw unprocessable('Bits must be provided in the multipart field "bits"');
    d.state = 'PROCESSING_UPLOAD';
    try {
      const checksum = await fileChecksum(tgz);
      const tree = join(tmp, 'droplet');
      await extractDroplet(tgz, tree);
      // The launcher needs it (start command, buildpack); a CF buildpack droplet always has one.
      const info = await readStagingInfo(tree).catch((err: Error) => {
        throw new CfPushError(
          `Droplet is invalid: ${/missing/.test(err.message) ? 'it has no staging_info.yml at its top level' : err.message.replace(/^\S*staging_info\.yml/, 'its staging_info.yml')}.`,
          {
            hint: 'Upload a droplet made by staging (cfpush stage, or cf download-droplet): a tgz of app/, deps/, profile.d/ and staging_info.yml.',
          },
        );
      });
      await c.f.store.dropletBits.adopt(checksum, tgz, tree, () => {
        if (!Object.keys(d.process_types).length && info.start_command) d.process_types = { web: info.start_command };
        Object.assign(d, { checksum, state: 'STAGED' });
        c.f.store.touch(d);
      });
    } catch (err) {
      const text =
        err instanceof CfPushError
          ? `${err.message.replace(/ \/[^ ]*droplet\.tgz/, '')}${err.hint ? ` ${err.hint}` : ''}`
          : `Could not extract droplet: ${(err as Error).message}`;
      Object.assign(d, { state: 'FAILED', error: text });
      c.f.store.touch(d);
      throw unprocessable(text);
    }
    // Old droplets are tidied up best-effort: the upload itself succeeded.
    await expireDroplets(c.f, d.app_guid).catch(() => undefined);
    const job = startJob(c.f, 'droplet.upload', `/v3/droplets/${d.guid}`);
    await finishJob(c.f, job, async () => undefined);
    send(c.res, 202, c.f.present.droplet(d), { location: `${c.f.apiUrl}/v3/jobs/${job.guid}` });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The droplet's blob as stored (CC redirects to the blobstore): its sha256 is the checksum. */
async function download(c: Ctx): Promise<void> {
  const d = byGuid(c);
  if (d.state !== 'STAGED') throw unprocessable('Only staged droplets can be downloaded.');
  if (d.image) throw unprocessable('Cannot download a docker droplet: its image lives in the Docker engine.');
  // A fresh staging's blob may still be due (droplet-bits.ts): written now.
  await c.f.store.dropletBits.blobReady(d.checksum);
  // Opened before answering: a droplet deleted meanwhile still streams whole.
  const blob = d.checksum ? await open(c.f.store.dropletBits.blobPath(d.checksum)).catch(() => undefined) : undefined;
  if (!blob) {
    // Say why and what to do: a droplet from an older data dir is packed after start; otherwise its files are gone.
    const detail = c.f.store.dropletBits.hasLegacyTree(d)
      ? "Droplet bits not found yet: the droplet's tgz is still being packed (it was staged by an older cf-push); download it again in a few seconds."
      : `Droplet bits not found: the files of droplet ${d.guid} are gone from the foundation's data dir. Stage the app again (cfpush restage APP).`;
    throw new ApiError(404, 10010, 'CF-ResourceNotFound', detail);
  }
  try {
    c.res.writeHead(200, {
      'content-type': 'application/gzip',
      'content-length': String((await blob.stat()).size),
      'content-disposition': `attachment; filename="droplet_${d.guid}.tgz"`,
    });
    await pipeline(blob.createReadStream({ autoClose: false }), c.res);
  } finally {
    await blob.close();
  }
}

async function remove(c: Ctx): Promise<void> {
  const d = byGuid(c);
  const app = c.f.store.get('apps', d.app_guid);
  if (app?.droplet_guid === d.guid) throw unprocessable('Unable to delete the current droplet of an app.');
  await runJob(c, 'droplet.delete', () => c.f.store.dropletBits.remove(d));
}

export const dropletRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/droplets', handler: list },
  { method: 'POST', path: '/v3/droplets', handler: create },
  { method: 'GET', path: '/v3/droplets/:guid', handler: (c) => send(c.res, 200, c.f.present.droplet(byGuid(c))) },
  { method: 'DELETE', path: '/v3/droplets/:guid', handler: remove },
  { method: 'POST', path: '/v3/droplets/:guid/upload', handler: upload },
  { method: 'GET', path: '/v3/droplets/:guid/download', handler: download },
];
