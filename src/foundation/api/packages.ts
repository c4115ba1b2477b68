// Packages, bits upload and resource matching (cf-reference.md §1.1 5a-5d).
// Files land in the content-addressed blob store; a package is a file list.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as yauzl from 'yauzl';
import { filterList, notFound, paginate, readJson, rejectUnknown, relGuid, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { meta, type PackageFile, type PackageRec, type Store } from '../store';
import { packageTooLarge, readUpload } from '../uploads';
import { ZipFile } from 'yazl';
import { createReadStream } from 'node:fs';

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
  send(c.res, 200, paginate(c, pkgs, (p) => c.f.present.package(p)));
}

const PACKAGE_CREATE_KEYS = ['type', 'relationships', 'data', 'metadata'];

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  rejectUnknown(body, PACKAGE_CREATE_KEYS);
  if (body.type !== 'bits' && body.type !== 'docker') throw unprocessable("Type must be one of 'bits', 'docker'");
  const appGuid = relGuid(body.relationships?.app);
  const app = c.f.store.get('apps', appGuid);
  if (!app) throw unprocessable('App must exist');
  if (body.type === 'bits') {
    if (body.data !== undefined && body.data !== null && Object.keys(body.data).length) throw unprocessable('Data must be empty if provided for bits packages');
    const pkg = c.f.store.put('packages', {
      ...meta(), app_guid: app.guid, type: 'bits', state: 'AWAITING_UPLOAD', sha256: null, error: null, files: [],
    });
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
    ...meta(), app_guid: app.guid, type: 'docker', state: 'READY', sha256: null, error: null, files: [],
    docker: { image: data.image, username, password },
  });
  send(c.res, 201, c.f.present.package(pkg));
}

/** The package's files as a zip (CC redirects to the blobstore; we stream it). */
async function download(c: Ctx): Promise<void> {
  const pkg = byGuid(c);
  if (pkg.type !== 'bits') throw unprocessable('Cannot download a docker package.');
  if (pkg.state !== 'READY') throw unprocessable('Package has no bits to download.');
  const zip = new ZipFile();
  for (const f of pkg.files) zip.addReadStream(createReadStream(c.f.store.blobPath(f.sha1)), f.path, { mode: 0o100000 | parseInt(f.mode, 8) });
  zip.end();
  c.res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${pkg.guid}.zip"` });
  await pipeline(zip.outputStream, c.res);
}

/** A clean relative path inside the package, or undefined if it would escape it. */
export function safePath(p: string): string | undefined {
  const norm = posix.normalize(p.replace(/\\/g, '/')).replace(/^(\.\/)+/, '');
  if (!norm || norm === '.' || norm.startsWith('/') || norm === '..' || norm.startsWith('../') || /^[a-zA-Z]:/.test(norm)) return undefined;
  return norm.replace(/\/$/, '');
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

/** Resources the client says we already have: each must be in the blob store. */
function matchedFiles(store: Store, raw: string | undefined): PackageFile[] {
  if (raw === undefined || raw.trim() === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw unprocessable('Resources must be a JSON array');
  }
  if (!Array.isArray(list)) throw unprocessable('Resources must be an array');
  return (list as WireResource[]).map((r) => {
    const path = safePath(String(r.path ?? r.fn ?? ''));
    if (!path) throw unprocessable(`Resource path '${String(r.path ?? r.fn ?? '')}' is invalid`);
    const sha1 = sha1Of(r);
    if (!store.hasBlob(sha1)) throw unprocessable(`Resource with checksum '${sha1}' for '${path}' was not found; upload it in the bits zip`);
    return { path, mode: String(r.mode ?? '744'), sha1, size: Number(r.size_in_bytes ?? r.size ?? 0) };
  });
}

/** Streams each zip entry into the blob store; entries escaping the package are refused. */
async function unzipToBlobs(store: Store, zipFile: string): Promise<PackageFile[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipFile, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true });
  } catch (err) {
    throw unprocessable(`The bits are not a valid zip file: ${(err as Error).message}`);
  }
  const files: PackageFile[] = [];
  try {
    for await (const entry of entries(zip)) {
      const attrs = entry.externalFileAttributes >>> 16;
      if (entry.fileName.endsWith('/')) continue;
      const path = safePath(entry.fileName);
      if (!path) throw unprocessable(`Zip entry '${entry.fileName}' would be extracted outside the package`);
      if ((attrs & 0o170000) === 0o120000) throw unprocessable(`Zip entry '${entry.fileName}' is a symbolic link, which is not supported`);
      const tmp = store.tmpDir('blob');
      const hash = createHash('sha1');
      const stream = await zip.openReadStreamPromise(entry);
      stream.on('data', (b: Buffer) => hash.update(b));
      await pipeline(stream, createWriteStream(tmp));
      const sha1 = hash.digest('hex');
      await store.adoptBlob(tmp, sha1);
      const mode = attrs & 0o777;
      files.push({ path, mode: (mode || 0o744).toString(8), sha1, size: entry.uncompressedSize });
    }
  } finally {
    zip.close();
  }
  return files;
}

async function* entries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const next = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => done(resolve, e);
      const onEnd = () => done(resolve, undefined);
      const onError = (err: Error) => {
        // yauzl refuses `..` and absolute entry names itself; say what that means.
        const escape = /^(?:invalid relative path|absolute path): (.*)$/.exec(err.message);
        done(reject, unprocessable(escape ? `Zip entry '${escape[1]}' would be extracted outside the package` : `The bits zip is invalid: ${err.message}`));
      };
      const done = <A>(fn: (a: A) => void, a: A) => {
        zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
        fn(a);
      };
      zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
      zip.readEntry();
    });
    if (!next) return;
    yield next;
  }
}

function packageChecksum(files: PackageFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.mode}\0${f.sha1}\n`);
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
    const form = { resources: up.fields.resources, hasBits: up.hasFile };
    pkg.state = 'PROCESSING_UPLOAD';
    const byPath = new Map<string, PackageFile>();
    try {
      for (const f of matchedFiles(c.f.store, form.resources)) byPath.set(f.path, f);
      if (form.hasBits) for (const f of await unzipToBlobs(c.f.store, zipPath)) byPath.set(f.path, f);
    } catch (err) {
      Object.assign(pkg, { state: 'FAILED', error: (err as Error).message });
      c.f.store.touch(pkg);
      throw err;
    }
    pkg.files = [...byPath.values()];
    Object.assign(pkg, { state: 'READY', error: null, sha256: packageChecksum(pkg.files) });
    c.f.store.touch(pkg);
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

export const packageRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/packages', handler: list },
  { method: 'POST', path: '/v3/packages', handler: create },
  { method: 'GET', path: '/v3/packages/:guid', handler: (c) => send(c.res, 200, c.f.present.package(byGuid(c))) },
  { method: 'POST', path: '/v3/packages/:guid/upload', handler: upload },
  { method: 'GET', path: '/v3/packages/:guid/download', handler: download },
  { method: 'POST', path: '/v3/resource_matches', handler: resourceMatches },
];
