// The real Docker engine for the docker tests. Without one (or without the
// locally built base images) a test skips with what is missing and how to get
// it; on CI (CI or CFPUSH_REQUIRE_HOSTS=1) it fails instead, so CI can never
// silently skip the docker lifecycle.
import type Docker from 'dockerode';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { buildImage, type BuiltImage, type LogFn } from '../../src/core/docker/build';
import { connectEngine } from '../../src/core/docker/engine';
import { formatError } from '../../src/core/errors';
import { freePort } from '../helpers/cli';

export { freePort };

export const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';
export const START_HINT =
  'Start one with `bash test/hosts/docker-host.sh` (root; needs `apt-get install -y docker.io busybox-static`): it starts dockerd and builds the base images cfpush/busybox and cfpush/node without a registry.';
/** Label on every container the tests make, for clean-up. */
export const TEST_LABEL = 'org.cfpush.test';
/** Every image the tests build is an app named cfpush-test-… (repository cfpush/cfpush-test-…). */
export const TEST_REPO_PREFIX = 'cfpush/cfpush-test-';

const STARTED = Date.now();
let probe: Promise<{ docker?: Docker; missing?: string }> | undefined;

async function probeEngine(): Promise<{ docker?: Docker; missing?: string }> {
  let docker: Docker;
  try {
    docker = await connectEngine({ timeoutMs: 3000 });
  } catch (err) {
    return { missing: `no Docker engine: ${formatError(err).split('\n')[0]!.replace(/\.$/, '')}` };
  }
  const missing: string[] = [];
  for (const image of ['cfpush/busybox', 'cfpush/node']) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      missing.push(image);
    }
  }
  if (missing.length) return { missing: `base image${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing in the engine` };
  return { docker };
}

/** The engine, or undefined after skipping (locally) / failing (CI) the test with what is missing. */
export async function requireEngine(t: TestContext): Promise<Docker | undefined> {
  probe ??= probeEngine();
  const r = await probe;
  if (r.docker) return r.docker;
  const msg = `real Docker engine needed: ${r.missing}. ${START_HINT}`;
  if (required) assert.fail(msg);
  t.skip(msg);
  return undefined;
}

/** A temp folder with the given files ("a/b.txt": "…"). */
export function appFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfpush-docker-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Builds a Dockerfile (plus files) as app `cfpush-test-<name>`; lines go to `lines` when given. */
export async function buildTestImage(
  docker: Docker,
  name: string,
  dockerfile: string,
  files: Record<string, string> = {},
  lines?: string[] | LogFn,
): Promise<BuiltImage> {
  const dir = appFolder({ Dockerfile: dockerfile, ...files });
  try {
    return await buildImage({
      appDir: dir,
      appName: `cfpush-test-${name}`,
      docker,
      log: typeof lines === 'function' ? lines : lines ? (l) => lines.push(l) : undefined,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes the containers and images the tests made. */
export async function cleanUp(docker: Docker | undefined): Promise<void> {
  if (!docker) return;
  const containers = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
  const images = await docker.listImages();
  // By tag: an image that is another's parent can be untagged, not deleted; the
  // engine deletes untagged parents with their last child.
  for (const img of images) {
    for (const tag of img.RepoTags ?? []) {
      if (tag.startsWith(TEST_REPO_PREFIX))
        await docker
          .getImage(tag)
          .remove()
          .catch(() => {});
    }
  }
  // What failed builds left: untagged images made since this test file started.
  const dangling = await docker.listImages({ filters: { dangling: ['true'] } });
  for (const img of dangling) {
    if (img.Created * 1000 >= STARTED - 1000)
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => {});
  }
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** GETs url until it answers (the app may not listen yet), for at most timeoutMs. */
export async function getWhenUp(url: string, timeoutMs = 15_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await get(url);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${(last as Error)?.message}`);
}

/** Resolves when pred() holds, polling; rejects after timeoutMs. */
export async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
