// Docker app instances as containers on the real engine: examples/hello-docker
// answers over HTTP on the published port, PORT / process.command / user as
// §5 says, logs streamed with their stream, prompt stops (Init), exits with
// their status, and leftovers found and removed by label.
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { buildImage, type BuiltImage } from '../../src/core/docker/build';
import { parseExecutionMetadata, stageDockerImage, type DockerDroplet } from '../../src/core/docker/metadata';
import { LABELS, listLeftovers, planContainer, removeLeftovers, spawnContainer, type ContainerInstance, type ContainerSpec } from '../../src/core/docker/run';
import { TEST_LABEL, buildTestImage, cleanUp, freePort, getWhenUp, requireEngine, until } from './engine';

const repoRoot = join(__dirname, '..', '..', '..');
const RUN = randomUUID(); // this file's containers carry TEST_LABEL=RUN
let engine: Docker | undefined;
let hello: { built: BuiltImage; droplet: DockerDroplet } | undefined;
const running: ContainerInstance[] = [];
after(async () => {
  await Promise.all(running.map((c) => c.remove()));
  await cleanUp(engine);
});

async function spec(image: string, droplet: DockerDroplet, extra: Partial<ContainerSpec> = {}): Promise<ContainerSpec> {
  return {
    image,
    metadata: parseExecutionMetadata(droplet.execution_metadata),
    hostPort: await freePort(),
    appGuid: 'app-guid-1',
    processGuid: 'process-guid-1',
    processType: 'web',
    instanceIndex: 0,
    instanceGuid: randomUUID(),
    vcapApplication: { application_name: 'hello-docker', application_id: 'app-guid-1' },
    env: { GREETING: 'hi' },
    labels: { [TEST_LABEL]: RUN },
    ...extra,
  };
}

function collect(): { lines: Array<[string, string]>; onLog: (l: string, s: string) => void } {
  const lines: Array<[string, string]> = [];
  return { lines, onLog: (l, s) => lines.push([l, s]) };
}

describe('docker app instances on the real engine', () => {
  before(async () => {
    // A failed probe is reported by each test (skip locally, fail on CI).
    const t = { skip() {} } as unknown as Parameters<typeof requireEngine>[0];
    engine = await requireEngine(t).catch(() => undefined);
    if (!engine) return;
    // examples/hello-docker as the push would build it (app name cfpush-test-… so clean-up finds it).
    const built = await buildImage({ appDir: join(repoRoot, 'examples', 'hello-docker'), appName: 'cfpush-test-hello-docker', docker: engine });
    hello = { built, droplet: await stageDockerImage(engine, built.image, { pull: false }) };
  });

  test('hello-docker answers "hello CF summit" on the published port; logs streamed', async (t) => {
    const docker = await requireEngine(t);
    if (!docker || !hello) return;
    assert.equal(hello.droplet.execution_metadata, '{"cmd":["node","server.js"],"workdir":"/app","ports":[{"Port":8080,"Protocol":"tcp"}],"user":"vcap"}');
    assert.deepEqual(hello.droplet.warnings, []);
    const { lines, onLog } = collect();
    const s = await spec(hello.built.image, hello.droplet);
    const inst = await spawnContainer(docker, s, { onLog });
    running.push(inst);
    assert.equal(inst.port, 8080);
    assert.equal(inst.user, 'vcap');
    const res = await getWhenUp(`http://127.0.0.1:${s.hostPort}/`);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello CF summit');
    await until(() => lines.some(([l]) => l === 'hello-docker listening on port 8080'), 'the listening line');
    assert.deepEqual(
      lines.find(([l]) => l.startsWith('hello-docker listening')),
      ['hello-docker listening on port 8080', 'stdout'],
    );

    const info = await docker.getContainer(inst.id).inspect();
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.Config.Labels[LABELS.appGuid], 'app-guid-1');
    assert.equal(info.Config.Labels[LABELS.instanceGuid], s.instanceGuid);
    const env = new Map(info.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    assert.equal(env.get('PORT'), '8080');
    assert.equal(env.get('GREETING'), 'hi');
    assert.equal(env.get('CF_INSTANCE_ADDR'), `127.0.0.1:${s.hostPort}`);
    assert.equal(JSON.parse(env.get('VCAP_APPLICATION')!).application_name, 'hello-docker');
    assert.equal(env.get('VCAP_SERVICES'), '{}');

    const usage = await inst.usage();
    assert.ok(usage.memBytes > 0 && usage.cpuNs > 0, JSON.stringify(usage));

    const t0 = Date.now();
    const exit = await inst.stop(10_000);
    assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
    assert.equal(exit.code, 0, 'hello-docker exits 0 on SIGTERM');
  });

  test('PORT is the first tcp port (a Dockerfile ENV PORT is overridden); process.command runs with /bin/sh -c as the image user', async (t) => {
    const docker = await requireEngine(t);
    if (!docker || !hello) return;
    const derived = await buildTestImage(docker, 'port', `FROM ${hello.built.image}\nENV PORT=1234\nEXPOSE 7070 5000/udp\n`);
    const droplet = await stageDockerImage(docker, derived.image, { pull: false });
    const { lines, onLog } = collect();
    const s = await spec(derived.image, droplet, { command: 'echo "as $(id -un) in $(pwd) on $PORT" >&2; exec node server.js', instanceIndex: 1 });
    assert.deepEqual(planContainer(s).create.Entrypoint, ['/bin/sh', '-c']);
    const inst = await spawnContainer(docker, s, { onLog });
    running.push(inst);
    assert.equal(inst.port, 7070);
    assert.equal((await getWhenUp(`http://127.0.0.1:${s.hostPort}/`)).body, 'hello CF summit');
    await until(() => lines.some(([l]) => l === 'hello-docker listening on port 7070'), 'listening on 7070');
    assert.deepEqual(
      lines.find(([l]) => l.startsWith('as ')),
      ['as vcap in /app on 7070', 'stderr'],
    );
    await inst.stop(10_000);
  });

  test('stop is prompt even when the app ignores SIGTERM as PID 1 would (Init); a crash reports its status after its last lines', async (t) => {
    const docker = await requireEngine(t);
    if (!docker) return;
    const sleeper = await buildTestImage(docker, 'sleeper', 'FROM cfpush/busybox\nUSER vcap\nCMD ["sleep", "1000"]\n');
    const sleepDroplet = await stageDockerImage(docker, sleeper.image, { pull: false });
    const inst = await spawnContainer(docker, await spec(sleeper.image, sleepDroplet, { instanceIndex: 2 }));
    running.push(inst);
    const t0 = Date.now();
    const exit = await inst.stop(10_000);
    assert.ok(Date.now() - t0 < 3000, `stop took ${Date.now() - t0} ms (without Init: the full 10 s grace)`);
    assert.equal(exit.signal, 'SIGTERM');
    assert.equal(exit.code, 143);

    const { lines, onLog } = collect();
    const crash = await spawnContainer(
      docker,
      await spec(sleeper.image, sleepDroplet, { instanceIndex: 3, command: 'echo starting; echo "fatal: boom" >&2; exit 7' }),
      { onLog },
    );
    running.push(crash);
    let fired: unknown;
    crash.onExit((e) => (fired = e));
    const crashed = await crash.exited;
    assert.equal(crashed.code, 7);
    assert.equal(crashed.signal, null);
    assert.equal(crashed.oomKilled, false);
    assert.deepEqual(lines.sort(), [
      ['fatal: boom', 'stderr'],
      ['starting', 'stdout'],
    ]);
    await until(() => fired !== undefined, 'onExit');
  });

  test('leftovers of a killed supervisor are listed by label and removed', async (t) => {
    const docker = await requireEngine(t);
    if (!docker || !hello) return;
    const foundation = `f-${randomUUID()}`;
    const inst = await spawnContainer(
      docker,
      await spec(hello.built.image, hello.droplet, { instanceIndex: 4, labels: { [TEST_LABEL]: RUN, 'org.cfpush.foundation': foundation } }),
    );
    // The supervisor "dies" here: only the labels remain to find the container.
    const found = await listLeftovers(docker, { 'org.cfpush.foundation': foundation });
    assert.equal(found.length, 1);
    assert.equal(found[0]!.id, inst.id);
    assert.equal(found[0]!.state, 'running');
    assert.equal(found[0]!.labels[LABELS.appGuid], 'app-guid-1');
    assert.deepEqual(await listLeftovers(docker, { 'org.cfpush.foundation': 'another-foundation' }), []);
    const removed = await removeLeftovers(docker, { 'org.cfpush.foundation': foundation });
    assert.deepEqual(
      removed.map((c) => c.id),
      [inst.id],
    );
    assert.deepEqual(await listLeftovers(docker, { 'org.cfpush.foundation': foundation }), []);
    const exit = await inst.exited;
    assert.notEqual(exit.code, 0);
  });

  test('an image without a start command, and a missing image, fail before anything runs', async (t) => {
    const docker = await requireEngine(t);
    if (!docker) return;
    const bare = await buildTestImage(docker, 'bare', 'FROM cfpush/busybox\nUSER vcap\n');
    const droplet = await stageDockerImage(docker, bare.image, { pull: false });
    await assert.rejects(spawnContainer(docker, await spec(bare.image, droplet)), /No start command found or specified/);
    await assert.rejects(
      spawnContainer(docker, await spec('cfpush/cfpush-test-not-built:nope', droplet, { command: 'true' })),
      (e: Error & { code?: string }) => e.code === 'DockerImageMissing' && /not in the local engine/.test(e.message),
    );
    assert.deepEqual(await listLeftovers(docker, { [TEST_LABEL]: RUN, [LABELS.instanceIndex]: '0' }).then((l) => l.filter((c) => c.state === 'created')), []);
  });
});
