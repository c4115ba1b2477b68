// /v3/buildpacks (cf buildpacks, create-buildpack, update-buildpack,
// delete-buildpack): CC's admin buildpacks, the built-ins among them. A
// create makes an AWAITING_UPLOAD record; its zip comes with an upload job
// (checked, unpacked, READY), as CC does; positions shift as CC's do
// (admin-buildpacks.ts); deletes are jobs. Errors carry CC's codes and
// wording, which the cf CLI prints.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildpacksChanged, reposition } from '../admin-buildpacks';
import { ApiError, filterList, notFound, paginate, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import { recordEvent, type EventTarget } from '../events';
import { runJob } from '../jobs';
import { STACK } from '../model';
import { meta, type BuildpackRec } from '../store';
import { readUpload } from '../uploads';

const KEYS = ['name', 'stack', 'position', 'enabled', 'locked', 'metadata'];
/** CC's BuildpackCreateMessage: a name of word characters and dashes. */
const NAME = /^[-\w]+$/;

const target = (b: BuildpackRec): EventTarget => ({ guid: b.guid, type: 'buildpack', name: b.name });

function byGuid(c: Ctx): BuildpackRec {
  const b = c.f.store.get('buildpacks', c.params.guid);
  if (!b) throw notFound('Buildpack');
  return b;
}

interface Changes {
  name?: string;
  stack?: string | null;
  position?: number;
  enabled?: boolean;
  locked?: boolean;
}

/** CC's create/update message validations, all reported at once as CC does. */
function validate(body: Record<string, unknown>, creating: boolean): Changes {
  rejectUnknown(body, KEYS);
  const errors: string[] = [];
  const { name, stack, position, enabled, locked } = body;
  if (name === undefined || name === null) {
    if (creating) errors.push("Name can't be blank");
  } else if (typeof name !== 'string') errors.push('Name must be a string');
  else if (name === '') errors.push("Name can't be blank");
  else if (name.length > 250) errors.push('Name is too long (maximum is 250 characters)');
  else if (!NAME.test(name)) errors.push('Name is invalid');
  if (stack !== undefined && stack !== null && typeof stack !== 'string') errors.push('Stack must be a string');
  if (position !== undefined && position !== null) {
    if (typeof position !== 'number') errors.push('Position is not a number');
    else if (!Number.isInteger(position)) errors.push('Position must be an integer');
    else if (position < 1) errors.push('Position must be greater than or equal to 1');
  }
  if (enabled !== undefined && enabled !== null && typeof enabled !== 'boolean') errors.push('Enabled must be a boolean');
  if (locked !== undefined && locked !== null && typeof locked !== 'boolean') errors.push('Locked must be a boolean');
  if (errors.length) throw unprocessable(errors.join(', '));
  const out: Changes = {};
  if (typeof name === 'string') out.name = name;
  if (stack !== undefined) out.stack = (stack as string | null) || null;
  if (typeof position === 'number') out.position = position;
  if (typeof enabled === 'boolean') out.enabled = enabled;
  if (typeof locked === 'boolean') out.locked = locked;
  if (out.stack && out.stack !== STACK) throw unprocessable(`Stack '${out.stack}' does not exist`);
  return out;
}

/** CC's unique (name, stack), and one name without a stack at most. */
function assertUnique(c: Ctx, name: string, stack: string | null, self?: string): void {
  const same = c.f.store.list('buildpacks').find((b) => b.guid !== self && b.name === name && b.stack === stack);
  if (!same) return;
  throw unprocessable(
    stack === null
      ? `Buildpack with name '${name}' and an unassigned stack already exists`
      : `Buildpack with name '${name}' and stack '${stack}' already exists`,
  );
}

function list(c: Ctx): void {
  const bps = filterList(c.f.store.list('buildpacks'), c.query, { names: (b) => b.name, stacks: (b) => b.stack });
  // CC lists buildpacks in position order unless asked otherwise.
  if (!c.query.has('order_by')) c.query.set('order_by', 'position');
  send(
    c.res,
    200,
    paginate(c, bps, (b) => c.f.present.buildpack(b), ['created_at', 'updated_at', 'position']),
  );
}

async function create(c: Ctx): Promise<void> {
  const body = await readJson(c);
  const ch = validate(body, true);
  const stack = ch.stack ?? null;
  assertUnique(c, ch.name!, stack);
  const b: BuildpackRec = {
    ...meta(),
    name: ch.name!,
    stack,
    position: 0,
    enabled: ch.enabled ?? true,
    locked: ch.locked ?? false,
    filename: null,
    sha256: null,
  };
  reposition(c.f, b, ch.position ?? 1);
  c.f.store.put('buildpacks', b);
  recordEvent(c.f, 'audit.buildpack.create', target(b), null, { request: body });
  await buildpacksChanged(c.f);
  send(c.res, 201, c.f.present.buildpack(b));
}

async function update(c: Ctx): Promise<void> {
  const b = byGuid(c);
  const body = await readJson(c);
  const ch = validate(body, false);
  if (ch.stack !== undefined && b.stack !== null && ch.stack !== b.stack) throw unprocessable('Buildpack stack cannot be changed');
  if (ch.name !== undefined || ch.stack !== undefined) assertUnique(c, ch.name ?? b.name, ch.stack !== undefined ? ch.stack : b.stack, b.guid);
  if (ch.position !== undefined) reposition(c.f, b, ch.position);
  if (ch.stack !== undefined) b.stack = ch.stack;
  if (ch.enabled !== undefined) b.enabled = ch.enabled;
  if (ch.locked !== undefined) b.locked = ch.locked;
  if (ch.name !== undefined) b.name = ch.name;
  c.f.store.touch(b);
  recordEvent(c.f, 'audit.buildpack.update', target(b), null, { request: body });
  await buildpacksChanged(c.f);
  send(c.res, 200, c.f.present.buildpack(b));
}

async function remove(c: Ctx): Promise<void> {
  const b = byGuid(c);
  await runJob(c, 'buildpack.delete', async () => {
    if (!c.f.store.get('buildpacks', b.guid)) return;
    c.f.store.remove('buildpacks', b.guid);
    reposition(c.f, b);
    recordEvent(c.f, 'audit.buildpack.delete', target(b), null);
    // The record is gone on disk before its bits go.
    await c.f.store.flush();
    await c.f.store.buildpackBits.release(b.sha256);
    await buildpacksChanged(c.f);
  });
}

const uploadInvalid = (detail: string) => unprocessable(`Uploaded buildpack file is invalid: ${detail}`);

/**
 * The zip is read to a temp file and checked as CC's upload message does
 * (a .zip, not empty, the buildpack not locked); the job unpacks and checks
 * it and makes the buildpack READY, or fails with CC's buildpack errors.
 */
async function upload(c: Ctx): Promise<void> {
  const b = byGuid(c);
  const tmp = c.f.store.tmpDir('buildpack-upload');
  await mkdir(tmp, { recursive: true });
  try {
    const zip = join(tmp, 'bits.zip');
    const up = await readUpload(c, 'bits', zip);
    const name = up.filename || 'buildpack.zip';
    if (!up.hasFile) throw uploadInvalid("A buildpack zip file must be uploaded as 'bits'");
    if (!name.toLowerCase().endsWith('.zip')) throw uploadInvalid(`${name} is not a zip`);
    if (up.tooLarge) throw uploadInvalid(`${name} is larger than ${up.limit} bytes, the limit (CFPUSH_MAX_UPLOAD_BYTES)`);
    if ((await stat(zip)).size === 0) throw uploadInvalid(`${name} cannot be empty`);
    if (b.locked) throw unprocessable('Buildpack is locked');
    await runJob(
      c,
      'buildpack.upload',
      async () => {
        let old: string | null = null;
        await c.f.store.buildpackBits.place(zip, name, (bits) => {
          const cur = c.f.store.get('buildpacks', b.guid);
          if (!cur) throw notFound('Buildpack');
          if (cur.locked) throw unprocessable('Buildpack is locked');
          cur.stack = newStack(c, cur, bits.stack);
          old = cur.sha256;
          Object.assign(cur, { sha256: bits.sha256, filename: name });
          delete cur.builtin;
          c.f.store.touch(cur);
        });
        recordEvent(c.f, 'audit.buildpack.upload', target(b), null, { filename: name });
        await c.f.store.flush();
        if (old !== b.sha256) await c.f.store.buildpackBits.release(old);
        await buildpacksChanged(c.f);
      },
      `/v3/buildpacks/${b.guid}`,
      {},
      () => c.f.present.buildpack(b),
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** CC's UploadBuildpack#determine_new_stack: the zip's manifest stack, else the buildpack's, else the default. */
function newStack(c: Ctx, b: BuildpackRec, zipStack: string | null): string {
  if (zipStack && zipStack !== STACK) {
    throw new ApiError(422, 390012, 'CF-BuildpackStackDoesNotExist', `Uploaded buildpack stack (${zipStack}) does not exist`);
  }
  const stack = zipStack ?? b.stack ?? STACK;
  if (b.stack && b.stack !== stack) {
    throw new ApiError(422, 390011, 'CF-BuildpackStacksDontMatch', `Uploaded buildpack stack (${stack}) does not match ${b.stack}`);
  }
  if (b.stack !== stack && c.f.store.list('buildpacks').some((x) => x.guid !== b.guid && x.name === b.name && x.stack === stack)) {
    throw new ApiError(422, 290000, 'CF-BuildpackNameStackTaken', `The buildpack name ${b.name} is already in use for the stack ${stack}`);
  }
  return stack;
}

export const buildpackRoutes: RouteDef[] = [
  { method: 'GET', path: '/v3/buildpacks', handler: list },
  { method: 'POST', path: '/v3/buildpacks', handler: create },
  { method: 'GET', path: '/v3/buildpacks/:guid', handler: (c) => send(c.res, 200, c.f.present.buildpack(byGuid(c))) },
  { method: 'PATCH', path: '/v3/buildpacks/:guid', handler: update },
  { method: 'DELETE', path: '/v3/buildpacks/:guid', handler: remove },
  { method: 'POST', path: '/v3/buildpacks/:guid/upload', handler: upload },
];
