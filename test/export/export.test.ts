// `cfpush export` (issue 8) against the real Docker engine: droplets of
// examples/hello-node and examples/hello-go (staged with the builder) become
// images FROM cfpush/stack:bookworm that answer on 8080 as vcap; an app's
// current droplet is downloaded from the local foundation and exported; the
// exported image goes back to the foundation as a docker app; bad input says
// what is wrong. No engine or stack image → skipped locally, failed on CI.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type Docker from 'dockerode';
import * as tar from 'tar';
import { DOCKER_NOT_RUNNING } from '../../src/core/docker/engine';
import { exportDroplet, LABEL_APP, LABEL_BUILDPACKS, LABEL_STACK, NOT_A_DROPLET, type ExportedImage } from '../../src/core/docker/export';
import { DEFAULT_STACK_IMAGE } from '../../src/core/docker/stack';
import { CfPushError } from '../../src/core/errors';
import { httpGet } from '../../src/core/http-get';
import { stage } from '../../src/core/staging/builder';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { cleanUp, freePort, getWhenUp, TEST_LABEL } from '../docker/engine';
import { requireStack } from './stack';

/** Starts an exported image with 8080 published on 127.0.0.1 (as `docker run -p 127.0.0.1:X:8080`). */
export async function runExported(docker: Docker, image: string): Promise<{ container: Docker.Container; url: string }> {
  const port = await freePort();
  const container = await docker.createContainer({
    Image: image,
    Labels: { [TEST_LABEL]: 'export' },
    HostConfig: { Init: true, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
  });
  await container.start();
  return { container, url: `http://127.0.0.1:${port}/` };
}

async function execOut(container: Docker.Container, cmd: string[]): Promise<string> {
  const ex = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  container.modem.demuxStream(stream, out, out);
  await new Promise((r) => stream.on('end', r));
  return Buffer.concat(chunks).toString('utf8').trim();
}

describe('cfpush export: a droplet as a container image', { timeout: 600_000 }, () => {
  let work: string;
  let docker: Docker | undefined;
  let c: CliEnv | undefined;
  const droplets: Record<string, string> = {};
  const exported: Record<string, ExportedImage> = {};

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'cfpush-export-'));
  });
  after(async () => {
    await c?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    await cleanUp(docker);
  });

  async function droplet(name: 'hello-node' | 'hello-go'): Promise<string> {
    droplets[name] ??= (
      await stage({ appDir: join(repoRoot, 'examples', name), cacheDir: join(work, 'cache', name), outputDroplet: join(work, `${name}.droplet.tgz`) })
    ).dropletPath!;
    return droplets[name]!;
  }

  for (const [name, bp] of [
    ['hello-node', 'nodejs'],
    ['hello-go', 'go'],
  ] as const) {
    it(`exports ${name}: runs on 8080 as vcap, answers hello CF summit, labels name the buildpack and version`, async (t) => {
      if (!(docker = await requireStack(t))) return;
      const file = await droplet(name);
      const lines: string[] = [];
      const res = await exportDroplet({ dropletFile: file, appName: name, tag: `cfpush/cfpush-test-export-${name}:1`, docker, log: (l) => lines.push(l) });
      exported[name] = res;
      assert.equal(res.stackImage, DEFAULT_STACK_IMAGE);
      assert.ok(
        lines.some((l) => /^Step 1\/\d+ : FROM cfpush\/stack:bookworm$/.test(l)),
        lines.join('\n'),
      );

      const info = await docker.getImage(res.image).inspect();
      assert.equal(info.Config.User, 'vcap');
      assert.deepEqual(Object.keys(info.Config.ExposedPorts ?? {}), ['8080/tcp']);
      assert.deepEqual(info.Config.Entrypoint, ['/lifecycle/entrypoint']);
      assert.deepEqual(info.Config.Cmd, [name === 'hello-node' ? 'node server.js' : './bin/hello-go']);
      const labels = info.Config.Labels ?? {};
      assert.equal(labels[LABEL_APP], name);
      assert.equal(labels[LABEL_STACK], DEFAULT_STACK_IMAGE);
      assert.deepEqual(JSON.parse(labels[LABEL_BUILDPACKS]!), [{ name: bp, version: '1.0.0' }]);

      const { container, url } = await runExported(docker, res.image);
      t.after(() => container.remove({ force: true }).catch(() => {}));
      const r = await getWhenUp(url, 20_000);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello CF summit');
      assert.equal(await execOut(container, ['id', '-u']), '2000', 'runs as vcap, not root');
      // The app process itself (PID of the launcher's exec) is not root either.
      assert.match(
        await execOut(container, ['bash', '-c', 'ps -o user= -C node -C hello-go 2>/dev/null || stat -c %U /proc/[0-9]*/exe 2>/dev/null | sort -u']),
        /vcap|2000/,
      );
      assert.deepEqual(
        (await execOut(container, ['ls', '-A', '/home/vcap']))
          .split(/\s+/)
          .filter((n) => !n.startsWith('.'))
          .sort(),
        ['app', 'deps', 'logs', 'profile.d', 'staging_info.yml', 'tmp'],
      );
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      assert.match(logs, /Invoking pre-start scripts\.[\s\S]*Invoking start command\./, 'the launcher started it');
    });
  }

  it('says which file is not a droplet (not a tarball; a tarball without staging_info.yml)', async () => {
    const junk = join(work, 'junk.tgz');
    writeFileSync(junk, 'not a tarball at all');
    await assert.rejects(exportDroplet({ dropletFile: junk }), (err: CfPushError) => {
      assert.equal(err.code, NOT_A_DROPLET);
      assert.match(err.message, /junk\.tgz is not a droplet/);
      return true;
    });
    const src = join(work, 'notdroplet');
    cpSync(join(repoRoot, 'examples', 'hello-node'), src, { recursive: true });
    const tgz = join(work, 'source.tgz');
    await tar.c({ gzip: true, file: tgz, cwd: src }, ['.']);
    await assert.rejects(exportDroplet({ dropletFile: tgz }), (err: CfPushError) => {
      assert.equal(err.code, NOT_A_DROPLET);
      assert.match(err.message, /source\.tgz is not a droplet: it has no staging_info\.yml/);
      assert.match(err.hint ?? '', /cfpush stage/);
      return true;
    });
  });

  it('says Docker is not running, how to start it, and that buildpack pushes still work', async () => {
    const file = await droplet('hello-node');
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(work, 'no-docker.sock')}`;
    try {
      await assert.rejects(exportDroplet({ dropletFile: file }), (err: CfPushError) => {
        assert.equal(err.code, DOCKER_NOT_RUNNING);
        assert.match(err.message, /Docker is not running/);
        assert.match(err.message, /Buildpack pushes still work/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  describe('with the local foundation', () => {
    const cli = async (t: TestContext) => {
      if (!(docker = await requireStack(t))) return undefined;
      if (!c) {
        c = await cliEnv();
        await c.ok(['foundation', 'start']);
      }
      return c;
    };

    it('exports an app with no droplet: says to push or stage first', async (t) => {
      const env = await cli(t);
      if (!env) return;
      const app = join(work, 'nodrop');
      cpSync(join(repoRoot, 'examples', 'hello-node'), app, { recursive: true });
      await env.ok(['push', 'cfpush-test-nodrop', '--no-start'], { cwd: app });
      const r = await env.run(['export', 'cfpush-test-nodrop']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /App 'cfpush-test-nodrop' has no droplet/);
      assert.match(r.stderr, /cfpush push cfpush-test-nodrop/);
      assert.match(r.stderr, /cfpush stage/);
    });

    it('exports a pushed app: its current droplet is downloaded from the target and the image answers', async (t) => {
      const env = await cli(t);
      if (!env) return;
      const app = join(work, 'pushed');
      cpSync(join(repoRoot, 'examples', 'hello-node'), app, { recursive: true });
      await env.ok(['push', 'cfpush-test-pushed'], { cwd: app });
      const r = await env.ok(['export', 'cfpush-test-pushed', '-t', 'cfpush/cfpush-test-export-pushed:1', '--json'], { timeoutMs: 300_000 });
      const res = JSON.parse(r.stdout) as ExportedImage;
      assert.equal(res.image, 'cfpush/cfpush-test-export-pushed:1');
      assert.equal(res.labels[LABEL_APP], 'cfpush-test-pushed');
      assert.equal(res.labels['org.cfpush.cf-stack'], 'cflinuxfs4');
      assert.deepEqual(JSON.parse(res.labels[LABEL_BUILDPACKS]!), [{ name: 'nodejs', version: '1.0.0' }]);
      const { container, url } = await runExported(docker!, res.image);
      t.after(() => container.remove({ force: true }).catch(() => {}));
      assert.equal((await getWhenUp(url, 20_000)).body, 'hello CF summit');
    });

    it('the exported image pushed back as a docker app (cfpush push -o IMAGE) answers through the router', async (t) => {
      const env = await cli(t);
      if (!env) return;
      let image = exported['hello-node']?.image;
      if (!image) {
        image = 'cfpush/cfpush-test-export-back:1';
        await exportDroplet({ dropletFile: await droplet('hello-node'), appName: 'hello-node', tag: image, docker: docker! });
      }
      await env.ok(['push', 'cfpush-test-exported', '-o', image], { timeoutMs: 300_000 });
      const res = await httpGet(`http://cfpush-test-exported.localhost:${env.routerPort}/`);
      assert.equal(res.body, 'hello CF summit');
    });
  });
});
