// The docker "droplet" (cf-reference.md §5) read from images the real engine
// built from small Dockerfiles FROM cfpush/busybox, plus the pure rules.
import * as assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { CfPushError } from '../../src/core/errors';
import {
  NO_TCP_PORTS,
  appPort,
  dockerDroplet,
  exposedPorts,
  parseExecutionMetadata,
  serializeExecutionMetadata,
  stageDockerImage,
  type DockerDroplet,
} from '../../src/core/docker/metadata';
import { planContainer } from '../../src/core/docker/run';
import { buildTestImage, cleanUp, requireEngine } from './engine';

let engine: Docker | undefined;
after(() => cleanUp(engine));

/** Builds the Dockerfile and stages the image as CC would. */
async function droplet(t: Parameters<typeof requireEngine>[0], name: string, dockerfile: string): Promise<DockerDroplet | undefined> {
  const docker = await requireEngine(t);
  if (!docker) return undefined;
  engine = docker;
  const built = await buildTestImage(docker, `meta-${name}`, dockerfile);
  const d = await stageDockerImage(docker, built.image, { pull: false });
  assert.equal(d.lifecycle_metadata.docker_image, built.image);
  assert.equal(d.lifecycle_type, 'docker');
  return d;
}

describe('docker execution metadata from images built by the engine', () => {
  test('EXPOSE several ports: sorted by number, tcp before udp, capitalised keys; PORT = first tcp', async (t) => {
    const d = await droplet(t, 'ports', 'FROM cfpush/busybox\nEXPOSE 9000 8081/udp 7000/udp\nEXPOSE 8081/tcp 443\n');
    if (!d) return;
    assert.equal(
      d.execution_metadata,
      '{"ports":[{"Port":443,"Protocol":"tcp"},{"Port":7000,"Protocol":"udp"},{"Port":8081,"Protocol":"tcp"},{"Port":8081,"Protocol":"udp"},{"Port":9000,"Protocol":"tcp"}]}',
    );
    assert.equal(appPort(d.metadata), 443);
  });

  test('no EXPOSE: no ports field, PORT 8080', async (t) => {
    const d = await droplet(t, 'noexpose', 'FROM cfpush/busybox\nCMD ["sleep", "1"]\n');
    if (!d) return;
    assert.equal(d.execution_metadata, '{"cmd":["sleep","1"]}');
    assert.equal(d.metadata.ports, undefined);
    assert.equal(appPort(d.metadata), 8080);
    assert.equal(d.process_types.web, 'sleep 1');
  });

  test('udp only: "No tcp ports found in image metadata" when it is run', async (t) => {
    const d = await droplet(t, 'udp', 'FROM cfpush/busybox\nEXPOSE 53/udp 5353/udp\nCMD ["sleep", "1"]\nUSER vcap\n');
    if (!d) return;
    // Staging succeeds (as in CF); desiring the LRP fails with CC's RunnerError.
    assert.equal(d.execution_metadata, '{"cmd":["sleep","1"],"ports":[{"Port":53,"Protocol":"udp"},{"Port":5353,"Protocol":"udp"}],"user":"vcap"}');
    const expected = (e: unknown) => e instanceof CfPushError && e.message === NO_TCP_PORTS && e.code === 'CF-RunnerError';
    assert.throws(() => appPort(d.metadata), expected);
    assert.throws(
      () => planContainer({ image: 'x', metadata: d.metadata, hostPort: 1, appGuid: 'a', instanceIndex: 0, instanceGuid: 'i', vcapApplication: {} }),
      expected,
    );
  });

  test('USER set: recorded, no warning; USER unset or root/0: a root warning', async (t) => {
    const vcap = await droplet(t, 'user', 'FROM cfpush/busybox\nUSER vcap\nCMD ["id"]\n');
    if (!vcap) return;
    assert.equal(vcap.metadata.user, 'vcap');
    assert.match(vcap.execution_metadata, /"user":"vcap"}$/);
    assert.deepEqual(vcap.warnings, []);

    const unset = await droplet(t, 'nouser', 'FROM cfpush/busybox\nCMD ["id"]\n');
    assert.ok(unset);
    assert.equal(unset.metadata.user, undefined);
    assert.doesNotMatch(unset.execution_metadata, /user/);
    assert.equal(unset.warnings.length, 1);
    assert.match(unset.warnings[0]!, /runs as root \(no USER in the image\)/);

    const zero = await droplet(t, 'uid0', 'FROM cfpush/busybox\nUSER 0:0\nCMD ["id"]\n');
    assert.ok(zero);
    assert.equal(zero.metadata.user, '0:0');
    assert.match(zero.warnings[0] ?? '', /runs as root \(USER 0:0\)/);
  });

  test('ENTRYPOINT + CMD + WORKDIR: all recorded in DAL key order; web = entrypoint + cmd', async (t) => {
    const d = await droplet(
      t,
      'entry',
      'FROM cfpush/busybox\nWORKDIR /srv/app\nENTRYPOINT ["/bin/echo", "hello"]\nCMD ["CF", "summit"]\nEXPOSE 8080\nUSER vcap\n',
    );
    if (!d) return;
    assert.equal(
      d.execution_metadata,
      '{"cmd":["CF","summit"],"entrypoint":["/bin/echo","hello"],"workdir":"/srv/app","ports":[{"Port":8080,"Protocol":"tcp"}],"user":"vcap"}',
    );
    assert.equal(d.process_types.web, '/bin/echo hello CF summit');
    assert.deepEqual(d.warnings, []);
  });

  test('shell-form CMD is recorded as the engine stores it', async (t) => {
    const d = await droplet(t, 'shellcmd', 'FROM cfpush/busybox\nCMD echo "$PORT"\n');
    if (!d) return;
    assert.deepEqual(d.metadata.cmd, ['/bin/sh', '-c', 'echo "$PORT"']);
    assert.equal(d.process_types.web, '/bin/sh -c echo "$PORT"');
  });
});

describe('docker execution metadata rules (no engine)', () => {
  test('ports sort numerically with tcp first on a tie; bare numbers are tcp', () => {
    assert.deepEqual(exposedPorts({ '10/udp': {}, '9': {}, '10/tcp': {}, '100/tcp': {} }), [
      { Port: 9, Protocol: 'tcp' },
      { Port: 10, Protocol: 'tcp' },
      { Port: 10, Protocol: 'udp' },
      { Port: 100, Protocol: 'tcp' },
    ]);
  });

  test('empty fields are omitted (Go omitempty); HTML characters escaped as Go does', () => {
    assert.equal(serializeExecutionMetadata({ cmd: [], entrypoint: [], workdir: '', ports: [], user: '' }), '{}');
    assert.equal(serializeExecutionMetadata({ cmd: ['a<b', 'c&d'] }), '{"cmd":["a\\u003cb","c\\u0026d"]}');
    const d = dockerDroplet('img', { Cmd: null, Entrypoint: null, WorkingDir: '', ExposedPorts: null, User: '' });
    assert.equal(d.execution_metadata, '{}');
    assert.equal(d.process_types.web, '');
  });

  test("an entrypoint without cmd keeps DAL's trailing space; a string entrypoint is one element", () => {
    assert.equal(dockerDroplet('img', { Entrypoint: ['/app/run'] }).process_types.web, '/app/run ');
    assert.deepEqual(dockerDroplet('img', { Entrypoint: '/app/run' }).metadata.entrypoint, ['/app/run']);
  });

  test('parseExecutionMetadata reads what serializeExecutionMetadata writes', () => {
    const m = {
      cmd: ['x'],
      entrypoint: ['y'],
      workdir: '/w',
      ports: [
        { Port: 1, Protocol: 'udp' },
        { Port: 2, Protocol: 'tcp' },
      ],
      user: 'u',
    };
    assert.deepEqual(parseExecutionMetadata(serializeExecutionMetadata(m)), m);
    assert.deepEqual(parseExecutionMetadata(''), {});
    assert.equal(appPort(m), 2);
  });
});
