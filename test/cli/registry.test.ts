// A Dockerfile app pushed to a remote target through a real registry: the
// local Docker engine builds the image, cfpush pushes it to a real
// `docker-registry` (distribution) on 127.0.0.1, and the docker package names
// the registry's image. The "remote" target is the real local foundation's
// API registered under another name, so the push takes the remote path. No
// engine or no registry binary → skipped locally, failed on CI.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { httpGet } from '../../src/core/http-get';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { cleanUp, requireEngine, required } from '../docker/engine';
import { requireRegistry, type LocalRegistry } from '../docker/registry';

const APP = 'cfpush-test-registry';

describe('a Dockerfile app pushed to a remote target through a registry', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let work: string;
  let docker: Docker | undefined;
  let registry: LocalRegistry | undefined;

  before(async () => {
    c = await cliEnv();
    work = mkdtempSync(join(tmpdir(), 'cfpush-registry-app-'));
    cpSync(join(repoRoot, 'examples', 'hello-docker'), join(work, 'hello-docker'), { recursive: true });
  });
  after(async () => {
    await c?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
    if (docker && registry) {
      for (const img of await docker.listImages()) {
        for (const tag of img.RepoTags ?? []) {
          if (tag.startsWith(`${registry.host}/`))
            await docker
              .getImage(tag)
              .remove()
              .catch(() => {});
        }
      }
    }
    await registry?.stop();
    await cleanUp(docker);
  });

  it('builds examples/hello-docker, pushes it to the registry, and the docker package names the registry image', async (t) => {
    docker = await requireEngine(t);
    if (!docker) return;
    registry = await requireRegistry(t);
    if (!registry) return;

    await c.ok(['foundation', 'start']);
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8'));
    await c.ok(['login', '-a', `http://127.0.0.1:${c.apiPort}`, '--name', 'remote', '-u', creds.username], { env: { CF_PASSWORD: creds.password } });
    const repo = `${registry.host}/cfpush`;
    const r = await c.ok(['push', APP, '--docker-registry', repo], {
      cwd: join(work, 'hello-docker'),
      env: { CF_DOCKER_USERNAME: '', CF_DOCKER_PASSWORD: '', CFPUSH_DOCKER_REGISTRY: '' },
    });
    assert.match(r.stdout, new RegExp(`Building the Docker image for ${APP} from Dockerfile`));
    const pushed = r.stdout.match(/Pushing (\S+):([0-9a-f]{12}) to the registry/);
    assert.ok(pushed, `the push names the registry image:\n${r.stdout}`);
    assert.equal(pushed[1], repo);
    const tag = pushed[2]!;
    assert.match(r.stdout, new RegExp(`Using docker image ${repo.replace(/\./g, '\\.')}:${tag}`));

    // The image is in the registry.
    assert.ok((await registry.catalog()).includes('cfpush'), 'GET /v2/_catalog lists cfpush');
    assert.ok((await registry.tags('cfpush')).includes(tag), `GET /v2/cfpush/tags/list has ${tag}`);

    // The docker package (and droplet) name the registry image.
    const token = (await c.ok(['oauth-token'])).stdout.trim();
    const api = async (path: string) => JSON.parse((await httpGet(`http://127.0.0.1:${c.apiPort}${path}`, { headers: { authorization: token } })).body);
    const [app] = (await api(`/v3/apps?names=${APP}`)).resources;
    assert.ok(app, 'the app exists');
    const pkgs = (await api(`/v3/apps/${app.guid}/packages`)).resources;
    assert.equal(pkgs.length, 1);
    assert.equal(pkgs[0].type, 'docker');
    assert.equal(pkgs[0].data.image, `${repo}:${tag}`);
    assert.equal((await api(`/v3/apps/${app.guid}/droplets/current`)).image, `${repo}:${tag}`);

    // The app answers through the router.
    const res = await httpGet(`http://${APP}.localhost:${c.routerPort}/`);
    assert.equal(res.body, 'hello CF summit');

    // What the registry holds is a whole image: drop the local tag and pull it back.
    await docker.getImage(`${repo}:${tag}`).remove();
    const stream = await docker.pull(`${repo}:${tag}`);
    await new Promise<void>((res2, rej) => docker!.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res2())));
    assert.ok(await docker.getImage(`${repo}:${tag}`).inspect());
  });

  it("a bare HOST:PORT registry: the app's name is the repository (HOST:PORT:TAG is no image reference)", async (t) => {
    if (!docker || !registry) {
      // Same hosts as the test above: in CI their absence fails, as there.
      const msg = 'needs the Docker engine and the registry of the test above';
      if (required) assert.fail(msg);
      return void t.skip(msg);
    }
    const r = await c.ok(['push', APP, '--docker-registry', `http://${registry.host}/`], {
      cwd: join(work, 'hello-docker'),
      env: { CF_DOCKER_USERNAME: '', CF_DOCKER_PASSWORD: '', CFPUSH_DOCKER_REGISTRY: '' },
    });
    const pushed = r.stdout.match(/Pushing (\S+):([0-9a-f]{12}) to the registry/);
    assert.ok(pushed, r.stdout);
    assert.equal(pushed[1], `${registry.host}/${APP}`);
    assert.ok((await registry.catalog()).includes(APP), "GET /v2/_catalog lists the app's repository");
    assert.ok((await registry.tags(APP)).includes(pushed[2]!));
    assert.equal((await httpGet(`http://${APP}.localhost:${c.routerPort}/`)).body, 'hello CF summit');
    await c.ok(['target', 'local']);
  });
});
