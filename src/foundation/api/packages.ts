// Packages, bits upload and resource matching (cf-reference.md §1.1 5a-5d).
// Files land in the content-addressed blob store; a package is a file list.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { SYMLINK_OUTSIDE_DETAIL } from '../../core/bits/links';
import { ArchiveBudget, ArchiveLimitError, packageLimits } from '../../core/bits/archive-limits';
import { entryPath, readZip, UnsafeEntryError } from '../../core/bits/extract';
import { CfPushError } from '../../core/errors';
import {
  ApiError,
  filterList,
  maxUploadBytes,
  notFound,
  paginate,
  readJson,
  rejectUnknown,
  relGuid,
  send,
  unprocessable,
  type Ctx,
  type RouteDef,
} from '../http';
import { appTarget, recordEvent } from '../events';
import { meta, ordinal, type PackageFile, type PackageRec, type Store } from '../store';
import { packageTooLarge, readUpload } from '../uploads';

function byGuid(c: Ctx): PackageRec {
  const p = c.f.store.get('packages', c.params.guid);
  if (!p) throw notFound('Package');
  return p;
}

function list(c: Ctx): void {
  const pkgs = filterList(c.f.store.list('packages'), c.query, {
    guids: (p) => p.guid,
    app_guids: (p) => p.app_guid,
    states: (p) => p.state,
    types: (p) => p.type,
    space_guids: (p) => c.f.store.get('apps', p.app_guid)?.space_guid,
  });
  send(
    c.res,
    200,
    paginate(c, pkgs, (p) => c.f.present.package(p)),
  );
}

const PACKAGE_CREATE_KEYS = ['type', 'relationships', 'data', 'metadata'];

/**
 * `POST /v3/packages?source_guid=G`: the package's files for another app (its
 * blobs are shared by content, so nothing is copied on disk; READY at once).
 */
async function copy(c: Ctx, sourceGuid: string): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, ['relationships']);
  const source = c.f.store.get('packages', sourceGuid);
  if (!source) throw unprocessable('Unable to copy package: the source package does not exist.');
  if (source.state !== 'READY') throw unprocessable('Unable to copy package: the source package is not READY.');
  const app = c.f.store.get('apps', relGuid(body.relationships?.app));
  if (!app) throw unprocessable('App must exist');
  const srcApp = c.f.store.get('apps', source.app_guid);
  if (srcApp && srcApp.lifecycle.type !== app.lifecycle.type) throw unprocessable(`Cannot copy a ${source.type} package to a ${app.lifecycle.type} app.`);
  const pkg = c.f.store.put('packages', {
    ...meta(),
    app_guid: app.guid,
    type: source.type,
    state: 'READY',
    sha256: source.sha256,
    error: null,
    files: source.files.map((f) => ({ ...f })),
    ...(source.docker ? { docker: { ...source.docker } } : {}),
  });
  recordEvent(c.f, 'audit.app.package.create', appTarget(app), app.space_guid, { package_guid: pkg.guid, type: pkg.type, source_package_guid: source.guid });
  send(c.res, 201, c.f.present.package(pkg));
}

async function create(c: Ctx): Promise<void> {
  const sourceGuid = c.query.get('source_guid');
  if (sourceGuid !== null) return copy(c, sourceGuid);
  const body = await readJson(c);
  rejectUnknown(body, PACKAGE_CREATE_KEYS);
  if (body.type !== 'bits' && body.type !== 'docker') throw unprocessable("Type must be one of 'bits', 'docker'");
  const appGuid = relGuid(body.relationships?.app);
  const app = c.f.store.get('apps', appGuid);
  if (!app) throw unprocessable('App must exist');
  if (body.type === 'bits') {
    if (body.data !== undefined && body.data !== null && Object.keys(body.data).length) throw unprocessable('Data must be empty if provided for bits packages');
    const pkg = c.f.store.put('packages', {
      ...meta(),
      app_guid: app.guid,
      type: 'bits',
      state: 'AWAITING_UPLOAD',
      sha256: null,
      error: null,
      files: [],
    });
    recordEvent(c.f, 'audit.app.package.create', appTarget(app), app.space_guid, { package_guid: pkg.guid, type: pkg.type });
    return send(c.res, 201, c.f.present.package(pkg));
  }
  // Docker: READY at once; the password is stored (staging would need it) and never returned.
  const data = body.data as { image?: unknown; username?: unknown; password?: unknown } | undefined;
  if (!data || typeof data.image !== 'string' || !data.image.trim()) throw unprocessable('Data Image required');
  if (app.lifecycle.type !== 'docker') throw unprocessable('Cannot create a docker package for a buildpack app.');
  const username = typeof data.username === 'string' && data.username ? data.username : null;
  const password = typeof data.password === 'string' && data.password ? data.password : null;
  if ((username === null) !== (password === null)) throw unprocessable('Data Username and password must both be provided');
  const pkg = c.f.store.put('packages', {
    ...meta(),
    app_guid: app.guid,
    type: 'docker',
    state: 'READY',
    sha256: null,
    error: null,
    files: [],
    docker: { image: data.image, username, password },
  });
  recordEvent(c.f, 'audit.app.package.create', appTarget(app), app.space_guid, { package_guid: pkg.guid, type: pkg.type });
  send(c.res, 201, c.f.present.package(pkg));
}

/** The package's files as a zip (CC redirects to the blobstore; we stream it). */
async function download(c: Ctx): Promise<void> {
  const pkg = byGuid(c);
  if (pkg.type !== 'bits') throw unprocessable('Cannot download a docker package.');
  if (pkg.state !== 'READY') throw unprocessable('Package has no bits to download.');
  const zip = new ZipFile();
  for (const f of pkg.files) {
    if (f.link !== undefined) zip.addBuffer(Buffer.from(f.link), f.path, { mode: 0o120777, compress: false });
    else zip.addReadStream(createReadStream(c.f.store.blobPath(f.sha1)), f.path, { mode: 0o100000 | parseInt(f.mode, 8) });
  }
  zip.end();
  c.res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${pkg.guid}.zip"` });
  await pipeline(zip.outputStream, c.res);
}

/** A matched resource's path by the archive rules (core/bits/extract.ts), or undefined if it would escape. */
function safePath(p: string): string | undefined {
  try {
    const path = entryPath(p, 'the package');
    return path === '.' ? undefined : path;
  } catch {
    return undefined;
  }
}

interface WireResource {
  path?: unknown;
  fn?: unknown;
  mode?: unknown;
  checksum?: { value?: unknown };
  sha1?: unknown;
  size_in_bytes?: unknown;
  size?: unknown;
}

function sha1Of(r: WireResource): string {
  return String(r.checksum?.value ?? r.sha1 ?? '');
}

/** CC's FingerprintsCollection: a missing mode is 0744; the owner must be able to read and write. */
function resourceMode(raw: unknown): string {
  const mode = raw === undefined || raw === null ? 0o744 : /^[0-7]+$/.test(String(raw)) ? parseInt(String(raw), 8) : 0;
  if ((mode & 0o600) !== 0o600) {
    throw new ApiError(
      400,
      160003,
      'CF-AppResourcesFileModeInvalid',
      `The resource file mode is invalid: File mode '${String(raw)}' is invalid. Minimum file mode is '0600'`,
    );
  }
  // No setuid, setgid or sticky bits from a client: a droplet's files are the app's, run as vcap.
  return (mode & 0o777).toString(8);
}

function unsafePath(p: unknown): ApiError {
  return new ApiError(400, 160004, 'CF-AppResourcesFilePathInvalid', `The resource file path is invalid: File path '${String(p)}' is not safe.`);
}

const SYMLINK_OUTSIDE = `The app upload is invalid: ${SYMLINK_OUTSIDE_DETAIL}`;

/** Resources the client says we already have: each must be in the blob store. */
function matchedFiles(store: Store, list: WireResource[]): PackageFile[] {
  return list.map((r) => {
    const raw = r.path ?? r.fn ?? '';
    const path = safePath(String(raw));
    if (!path) throw unsafePath(raw);
    const mode = resourceMode(r.mode);
    const sha1 = sha1Of(r);
    if (!store.hasBlob(sha1)) throw unprocessable(`Resource with checksum '${sha1}' for '${path}' was not found; upload it in the bits zip`);
    return { path, mode, sha1, size: Number(r.size_in_bytes ?? r.size ?? 0) || 0 };
  });
}

function resourceList(raw: string | undefined): WireResource[] {
  if (raw === undefined || raw.trim() === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw unprocessable('Resources must be a JSON array');
  }
  if (!Array.isArray(list) || list.some((r) => r === null || typeof r !== 'object')) throw unprocessable('Resources must be an array of objects');
  return list as WireResource[];
}

/** CC's AppPackageInvalid, with its own words for the size limit. */
function packageInvalid(err: ArchiveLimitError): ApiError {
  if (err.kind === 'bytes') return packageTooLarge(err.limit);
  return new ApiError(422, 150001, 'CF-AppPackageInvalid', `The app package is invalid: ${err.message} ${err.hint ?? ''}`.trim());
}

/**
 * Streams each zip entry into the blob store, through the one archive reader
 * (core/bits/extract.ts: headers checked against the budget before an entry
 * is read, symlinks kept only when they stay inside), with CC's errors.
 */
async function unzipToBlobs(store: Store, zipFile: string, budget: ArchiveBudget): Promise<PackageFile[]> {
  const files: PackageFile[] = [];
  try {
    await readZip(zipFile, { budget, name: 'the package' }, async (item) => {
      if (item.kind === 'dir') return;
      if (item.kind === 'symlink') {
        files.push({ path: item.path, mode: '777', sha1: '', size: 0, link: item.link });
        return;
      }
      const tmp = store.tmpDir('blob');
      const hash = createHash('sha1');
      item.stream.on('data', (b: Buffer) => hash.update(b));
      await pipeline(item.stream, createWriteStream(tmp)).catch(async (err: Error) => {
        await rm(tmp, { force: true });
        throw err;
      });
      const sha1 = hash.digest('hex');
      await store.adoptBlob(tmp, sha1);
      files.push({ path: item.path, mode: (item.mode || 0o744).toString(8), sha1, size: item.size });
    });
  } catch (err) {
    if (err instanceof UnsafeEntryError) {
      if (err.reason === 'symlink-outside') throw new ApiError(400, 160001, 'CF-AppBitsUploadInvalid', SYMLINK_OUTSIDE);
      throw unprocessable(`Zip entry '${err.entry}' would be extracted outside the package`);
    }
    if (err instanceof ArchiveLimitError) throw err;
    if (err instanceof CfPushError && err.code === 'InvalidZip')
      throw unprocessable(`The bits zip is invalid: ${err.message.replace(/^Cannot (read|extract) zip the package: /, '')}`);
    throw err;
  }
  return files;
}

function packageChecksum(files: PackageFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => ordinal(a.path, b.path))) h.update(`${f.path}\0${f.mode}\0${f.link !== undefined ? `->${f.link}` : f.sha1}\n`);
  return h.digest('hex');
}

async function upload(c: Ctx): Promise<void> {
  const pkg = byGuid(c);
  if (pkg.type !== 'bits') throw unprocessable('Package type must be bits.');
  if (pkg.state !== 'AWAITING_UPLOAD' && pkg.state !== 'FAILED') {
    throw unprocessable('Package must be in the AWAITING_UPLOAD state to upload bits');
  }
  const tmpDir = c.f.store.tmpDir('upload');
  await mkdir(tmpDir, { recursive: true });
  try {
    const zipPath = join(tmpDir, `${randomUUID()}.zip`);
    const up = await readUpload(c, 'bits', zipPath);
    if (up.tooLarge) throw packageTooLarge(up.limit);
    const resources = resourceList(up.fields.resources);
    if (!up.hasFile && !resources.length) throw unprocessable('Upload must include either resources or bits');
    pkg.state = 'PROCESSING_UPLOAD';
    const byPath = new Map<string, PackageFile>();
    try {
      const zipBytes = up.hasFile ? (await stat(zipPath)).size : 0;
      const budget = new ArchiveBudget(packageLimits(maxUploadBytes()), zipBytes, 'The package');
      for (const f of matchedFiles(c.f.store, resources)) {
        budget.entry(f.size);
        byPath.set(f.path, f);
      }
      if (up.hasFile) for (const f of await unzipToBlobs(c.f.store, zipPath, budget)) byPath.set(f.path, f);
    } catch (err) {
      const apiErr = err instanceof ArchiveLimitError ? packageInvalid(err) : err;
      Object.assign(pkg, { state: 'FAILED', error: (apiErr as Error).message });
      c.f.store.touch(pkg);
      throw apiErr;
    }
    pkg.files = [...byPath.values()];
    Object.assign(pkg, { state: 'READY', error: null, sha256: packageChecksum(pkg.files) });
    c.f.store.touch(pkg);
    const app = c.f.store.get('apps', pkg.app_guid);
    if (app) recordEvent(c.f, 'audit.app.package.upload', appTarget(app), app.space_guid, { package_guid: pkg.guid });
    send(c.res, 200, c.f.present.package(pkg));
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

async function resourceMatches(c: Ctx): Promise<void> {
  const body = await readJson(c);
  if (!Array.isArray(body.resources)) throw unprocessable('Resources must be an array');
  const matched = (body.resources as WireResource[]).filter((r) => c.f.store.hasBlob(sha1Of(r)));
  send(c.res, 201, { resources: matched });
}

/** The droplets staged from this package (cf restart/start ask whether it was staged already). */
function packageDroplets(c: Ctx): void {
  const pkg = byGuid(c);
  const list = filterList(
    c.f.store.list('droplets').filter((d) => d.package_guid === pkg.guid),
    c.query,
    { states: (d) => d.state, guids: (d) => d.guid },
  );
  send(
    c.res,
    200,
    paginate(c, list, (d) => c.f.present.droplet(d, { inList: true })),
  );
}

export const packageRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/packages/:guid/droplets', handler: packageDroplets },
  { method: 'GET', path: '/v3/packages', handler: list },
  { method: 'POST', path: '/v3/packages', handler: create },
  { method: 'GET', path: '/v3/packages/:guid', handler: (c) => send(c.res, 200, c.f.present.package(byGuid(c))) },
  { method: 'POST', path: '/v3/packages/:guid/upload', handler: upload },
  { method: 'GET', path: '/v3/packages/:guid/download', handler: download },
  { method: 'POST', path: '/v3/resource_matches', handler: resourceMatches },
];
