// Buildpack instances in the stack image (issue 5 item 6): a foundation started
// with `--app-runtime container` runs host-staged droplets of examples/hello-node
// and examples/hello-go as containers of cfpush/stack:bookworm (droplet mounted,
// user vcap), behind the same router. Needs the real engine and the stack image:
// skipped locally without them, failed on CI (test/docker/engine.ts, test/export/stack.ts).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it, type TestContext } from 'node:test';
import type Docker from 'dockerode';
import { httpGet } from '../../src/core/http-get';
import { LABELS } from '../../src/core/docker/run';
import { DEFAULT_STACK_IMAGE } from '../../src/core/docker/stack';
import { FOUNDATION_LABEL } from '../../src/foundation/docker';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { requireStack } from '../export/stack';
import { eventually } from '../helpers/eventually';

async function execOut(container: Docker.Container, cmd: string[]): Promise<string> {
  const ex = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  container.modem.demuxStream(stream, out, out);
  await new Promise((r) => stream.on('end', r));
  return Buffer.concat(chunks).toString('utf8').trim();
}

describe('foundation start --app-runtime container: buildpack instances in the stack image', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let work: string;
  let docker: Docker | undefined;
  let started = false;

  before(async () => {
    c = await cliEnv();
    work = mkdtempSync(join(tmpdir(), 'cfpush-stack-runtime-'));
    for (const ex of ['hello-node', 'hello-go']) cpSync(join(repoRoot, 'examples', ex), join(work, ex), { recursive: true });
  });
  after(async () => {
    await c?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function foundation(t: TestContext): Promise<Docker | undefined> {
    docker = await requireStack(t);
    if (!docker) return undefined;
    if (!started) {
      const r = await c.ok(['foundation', 'start', '--app-runtime', 'container']);
      assert.match(r.stdout, new RegExp(`buildpack instances run in ${DEFAULT_STACK_IMAGE} containers`));
      started = true;
    }
    return docker;
  }

  const appGuid = async (name: string): Promise<string> => {
    const { apps } = JSON.parse((await c.ok(['apps', '--json'])).stdout);
    return apps.find((a: { name: string }) => a.name === name).guid;
  };
  const containersOf = (guid: string, all = false) => docker!.listContainers({ all, filters: { label: [`${LABELS.appGuid}=${guid}`] } });

  for (const name of ['hello-node', 'hello-go']) {
    it(`${name}: staged on the host, runs in a stack container as vcap, answers through the router, cfpush stop removes it`, async (t) => {
      if (!(await foundation(t))) return;
      await c.ok(['push'], { cwd: join(work, name) });
      const body = (await httpGet(`http://${name}.localhost:${c.routerPort}/`)).body;
      assert.equal(body, 'hello CF summit');

      const guid = await appGuid(name);
      const [ctr] = await containersOf(guid);
      assert.ok(ctr, 'a container runs the instance');
      assert.equal(ctr.Image, DEFAULT_STACK_IMAGE);
      assert.ok(ctr.Labels[FOUNDATION_LABEL], 'labelled with its foundation');
      const container = docker!.getContainer(ctr.Id);
      const info = await container.inspect();
      assert.equal(info.Config.User, 'vcap');
      assert.ok(info.Config.Env.includes('PORT=8080'));
      assert.ok(info.Config.Env.some((e) => e.startsWith('VCAP_APPLICATION=') && e.includes(`"application_name":"${name}"`)));
      assert.ok(
        info.HostConfig.Binds?.some((b) => b.endsWith(':/home/vcap:ro')),
        'the droplet is mounted at /home/vcap',
      );
      // Every process in the container (the app included) runs as uid 2000.
      const uids = await execOut(container, ['bash', '-c', "for s in /proc/[0-9]*/status; do awk '/^Uid:/{print $2}' $s; done | sort -u"]);
      assert.equal(uids, '2000');
      const top = await container.top({ ps_args: '-o pid,comm' });
      const comm = name === 'hello-node' ? 'node' : 'hello-go';
      assert.ok(
        (top.Processes as string[][]).some((p) => p.some((x) => x.includes(comm))),
        `${comm} runs in the container: ${JSON.stringify(top.Processes)}`,
      );

      const { apps } = JSON.parse((await c.ok(['apps', '--json'])).stdout);
      assert.deepEqual(apps.find((a: { name: string }) => a.name === name).instances, { running: 1, desired: 1 });

      await c.ok(['stop', name]);
      await eventually('the container to be removed', async () => ((await containersOf(guid, true)).length === 0 ? true : undefined));
    });
  }

  it('killed (-9) with instances in containers, then started in process mode: the containers it left are removed', async (t) => {
    if (!(await foundation(t))) return;
    await c.ok(['start', 'hello-node']);
    const guid = await appGuid('hello-node');
    await eventually('a container for hello-node', async () => ((await containersOf(guid)).length ? true : undefined));
    const dataDir = join(c.home, 'foundation');
    const { pid, appRuntime } = JSON.parse(readFileSync(join(dataDir, 'foundation.json'), 'utf8'));
    assert.equal(appRuntime, 'container', 'foundation.json records the runtime');
    process.kill(pid, 'SIGKILL');
    started = false;
    await c.ok(['foundation', 'start']); // process mode
    const left = await docker!.listContainers({ all: true, filters: { label: [`${FOUNDATION_LABEL}=${dataDir}`] } });
    assert.deepEqual(
      left.map((x) => x.Id),
      [],
      'no container of the killed foundation is left',
    );
    // The app runs on as a host process behind the same router.
    await eventually('hello-node answering', async () =>
      (await httpGet(`http://hello-node.localhost:${c.routerPort}/`)).body === 'hello CF summit' ? true : undefined,
    );
  });
});
