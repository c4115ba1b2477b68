// A Dockerfile app pushed to a remote target through a real registry: the
// local Docker engine builds the image, cfpush pushes it to a real
// `docker-registry` (distribution) on 127.0.0.1, and the docker package names
// the registry's image. The "remote" target is the real local foundation's
// API registered under another name, so the push takes the remote path. No
// engine or no registry binary → skipped locally, failed on CI.
//
// A private image pushed with `-o IMAGE --docker-username USER` and
// CF_DOCKER_PASSWORD: the same registry behind a small proxy that asks for
// HTTP Basic credentials, as a private registry does; the foundation's pull
// must bring them (it gets them from the docker package).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { httpGet } from '../../src/core/http-get';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { buildTestImage, cleanUp, freePort, requireEngine, required } from '../docker/engine';
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

/** `registry` behind HTTP Basic auth (USER:PASSWORD), as a private registry answers: 401 + a Basic challenge without them. */
async function basicAuthProxy(registry: LocalRegistry, user: string, password: string) {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const seen = { refused: 0, allowed: 0, users: new Set<string>() };
  const server: Server = createServer((req, res) => {
    const given = req.headers.authorization;
    if (given?.startsWith('Basic ')) seen.users.add(Buffer.from(given.slice(6), 'base64').toString().split(':')[0]!);
    if (given !== expected) {
      seen.refused++;
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="cfpush-test-private"',
        'docker-distribution-api-version': 'registry/2.0',
        'content-type': 'application/json',
      });
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    seen.allowed++;
    const [hostname, port] = registry.host.split(':');
    const up = request({ hostname, port: Number(port), path: req.url, method: req.method, headers: { ...req.headers, host: registry.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', res));
  return { host: `127.0.0.1:${port}`, seen, close: () => new Promise<void>((res) => server.close(() => res())) };
}

describe('-o IMAGE --docker-username: a private registry image, credentials from CF_DOCKER_PASSWORD', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let docker: Docker | undefined;
  let registry: LocalRegistry | undefined;
  let proxy: Awaited<ReturnType<typeof basicAuthProxy>> | undefined;
  const PASSWORD = 'pr1vate-s3cret';

  before(async () => {
    c = await cliEnv();
  });
  after(async () => {
    await c?.cleanup();
    if (docker) {
      for (const img of await docker.listImages()) {
        for (const tag of img.RepoTags ?? []) {
          if ((registry && tag.startsWith(`${registry.host}/`)) || (proxy && tag.startsWith(`${proxy.host}/`)))
            await docker
              .getImage(tag)
              .remove()
              .catch(() => {});
        }
      }
    }
    await proxy?.close();
    await registry?.stop();
    await cleanUp(docker);
  });

  it('the username and password reach the docker package (CC shows the password as ***) and the foundation pulls with them; a wrong password fails the pull', async (t) => {
    docker = await requireEngine(t);
    if (!docker) return;
    registry = await requireRegistry(t);
    if (!registry) return;
    const img = await buildTestImage(
      docker,
      'private',
      'FROM cfpush/busybox\nRUN mkdir -p /www && echo hi-private > /www/index.html\nEXPOSE 8080\nUSER vcap\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
    );
    // Into the registry (directly, no credentials), then only reachable through the proxy that wants them.
    await docker.getImage(img.image).tag({ repo: `${registry.host}/private`, tag: '1' });
    const pushStream = await docker.getImage(`${registry.host}/private:1`).push({ tag: '1' });
    await new Promise<void>((res, rej) => docker!.modem.followProgress(pushStream, (err: Error | null) => (err ? rej(err) : res())));
    proxy = await basicAuthProxy(registry, 'puller', PASSWORD);
    const image = `${proxy.host}/private:1`;

    await c.ok(['foundation', 'start']);
    const r = await c.ok(['push', 'cfpush-test-private', '-o', image, '--docker-username', 'puller', '-m', '64M'], {
      env: { CF_DOCKER_PASSWORD: PASSWORD },
    });
    assert.match(r.stdout, new RegExp(`Using docker image ${image.replace(/\./g, '\\.')}`));
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD), 'the password is never printed');
    assert.equal((await httpGet(`http://cfpush-test-private.localhost:${c.routerPort}/`)).body.trim(), 'hi-private');

    // The package as CC returns it: image and username, the password redacted.
    const token = (await c.ok(['oauth-token'])).stdout.trim();
    const api = async (path: string) => JSON.parse((await httpGet(`http://127.0.0.1:${c.apiPort}${path}`, { headers: { authorization: token } })).body);
    const [app] = (await api('/v3/apps?names=cfpush-test-private')).resources;
    const [listed] = (await api(`/v3/apps/${app.guid}/packages`)).resources;
    const pkg = await api(`/v3/packages/${listed.guid}`);
    assert.equal(pkg.type, 'docker');
    assert.equal(pkg.state, 'READY');
    assert.deepEqual(pkg.data, { image, username: 'puller', password: '***' });
    // The registry asked, and the foundation's pull answered with the push's credentials.
    assert.ok(proxy.seen.refused > 0, 'the registry challenged an anonymous request');
    assert.ok(proxy.seen.allowed > 0, 'the pull came back with the credentials');
    assert.deepEqual([...proxy.seen.users], ['puller']);

    // The same image with a wrong password: the pull is refused and the push says so.
    await docker.getImage(image).remove({ force: true });
    const bad = await c.run(['push', 'cfpush-test-private-bad', '-o', image, '--docker-username', 'puller', '-m', '64M'], {
      env: { CF_DOCKER_PASSWORD: 'wrong' },
    });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout + bad.stderr, new RegExp(`Could not pull the Docker image '${image.replace(/\./g, '\\.')}'`));
    assert.match(bad.stdout + bad.stderr, /unauthorized|authentication required|no basic auth credentials/i);
    // The next step names the image and the credentials, not a buildpack (none ran).
    assert.match(bad.stderr, /Check the image reference and, for a private registry, its credentials: --docker-username .* CF_DOCKER_PASSWORD/);
    assert.doesNotMatch(bad.stderr, /buildpack step/);
  });
});
