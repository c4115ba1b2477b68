// Droplets and the stack container from the editor: "CF: Export as Image" on
// an app of the tree (issue 8 item 2) builds an image that answers on 8080
// under a plain `docker run`; the `cfpush.stageMode` setting "container"
// (issue 6) stages a push on this machine inside the stack container and
// pushes only the droplet. Both need a running engine with
// cfpush/stack:bookworm (`bash test/hosts/docker-host.sh && bash
// test/hosts/stack-image.sh`); without them the tests fail where hosts are
// required (CI) and are reported as not run elsewhere.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type Docker from 'dockerode';
import * as vscode from 'vscode';
import { connectEngine } from '../../../src/core/docker/engine';
import { DEFAULT_STACK_IMAGE } from '../../../src/core/docker/stack';
import { test } from './harness';
import { api, appCopy, cli, repo, appNode, expectBody, lastError, space, waitFor, ws, type PushedApp, type Reported } from './util';

const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

/** The engine with the stack image, or undefined (after a message) where hosts are optional. */
async function stackEngine(what: string): Promise<Docker | undefined> {
  try {
    const docker = await connectEngine({ timeoutMs: 3000 });
    await docker.getImage(DEFAULT_STACK_IMAGE).inspect();
    return docker;
  } catch (err) {
    const why = `real Docker engine with ${DEFAULT_STACK_IMAGE} needed (bash test/hosts/docker-host.sh && bash test/hosts/stack-image.sh): ${(err as Error).message.split('\n')[0]}`;
    if (required) assert.fail(why);
    console.log(`  (${what} not run: ${why})`);
    return undefined;
  }
}

/** Its own copy: the suite runs from a copied folder, where test/helpers/cli.ts finds no repository. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function push(a: Awaited<ReturnType<typeof api>>, dir: string): Promise<PushedApp> {
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.ok(pushed?.[0], `push returned nothing: ${lastError(a)}`);
  assert.equal(pushed[0].state, 'STARTED');
  return pushed[0];
}

test('CF: Export as Image on an app of the tree (hello-node copy): docker run answers hello CF summit', async () => {
  const docker = await stackEngine('export test');
  if (!docker) return;
  const a = await api();
  const name = 'hello-export-vsc';
  await push(a, appCopy(name));
  a.ctx.refresh();
  const node = await appNode(a.tree, name);
  const res = await vscode.commands.executeCommand<{ image: string; runCommand: string; startCommand: string; labels: Record<string, string> } | undefined>(
    'cfpush.exportImage',
    node,
  );
  assert.ok(res, `export returned nothing: ${lastError(a)}`);
  let container: Docker.Container | undefined;
  try {
    assert.equal(res.image, `cfpush/${name}:droplet`);
    assert.equal(res.runCommand, `docker run --rm -p 8080:8080 ${res.image}`);
    assert.equal(res.startCommand, 'node server.js');
    assert.equal(res.labels['org.cfpush.app'], name);
    const out = a.ctx.output.lines.join('\n');
    assert.match(out, new RegExp(`Downloading the current droplet of ${name}`));
    assert.match(out, new RegExp(`✔ Exported ${name} as cfpush/${name}:droplet`));
    const info = await docker.getImage(res.image).inspect();
    assert.equal(info.Config.User, 'vcap');
    const port = await freePort();
    container = await docker.createContainer({
      Image: res.image,
      Labels: { 'org.cfpush.test': 'vscode-export' },
      HostConfig: { Init: true, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    await container.start();
    await expectBody(`http://127.0.0.1:${port}/`, 'hello CF summit', 30_000);
  } finally {
    await container?.remove({ force: true }).catch(() => {});
    await docker
      .getImage(res.image)
      .remove({ force: true })
      .catch(() => {});
  }
});

test('CF: Export as Image on a droplet file (Explorer on *.droplet.tgz): the image is built from it', async () => {
  const docker = await stackEngine('droplet-file export test');
  if (!docker) return;
  const a = await api();
  const file = join(ws(), 'hello-file-vsc.droplet.tgz');
  execFileSync(process.execPath, [cli(), 'stage', join(repo(), 'examples', 'hello-node'), '-o', file], { env: process.env, stdio: 'pipe' });
  const res = await vscode.commands.executeCommand<{ image: string; labels: Record<string, string> } | undefined>('cfpush.exportImage', vscode.Uri.file(file));
  assert.ok(res, `export returned nothing: ${lastError(a)}`);
  try {
    assert.equal(res.image, 'cfpush/hello-file-vsc:droplet');
    assert.equal(res.labels['org.cfpush.app'], 'hello-file-vsc');
    const info = await docker.getImage(res.image).inspect();
    assert.deepEqual(info.Config.Cmd, ['node server.js']);
  } finally {
    await docker
      .getImage(res.image)
      .remove({ force: true })
      .catch(() => {});
  }
});

test('cfpush.stageMode "container": CF: Push stages in the stack container, pushes the droplet, app answers through the router', async () => {
  if (!(await stackEngine('stage-mode test'))) return;
  const a = await api();
  const config = vscode.workspace.getConfiguration('cfpush');
  const before = config.inspect<string>('stageMode')?.workspaceValue;
  await config.update('stageMode', 'container', vscode.ConfigurationTarget.Workspace);
  try {
    const from = a.ctx.output.lines.length;
    const pushed = await push(a, appCopy('hello-incontainer-vsc'));
    const out = a.ctx.output.lines.slice(from).join('\n');
    assert.match(out, /Staging hello-incontainer-vsc on this machine in a stack container/);
    assert.match(out, /\[STG\/0\] OUT Running buildpack scripts in stack container cfpush\/stack:bookworm \(as vcap\)/);
    assert.match(out, /Uploading droplet /);
    assert.match(pushed.urls[0]!, /^http:\/\/hello-incontainer-vsc\.localhost:\d+/);
    await expectBody(pushed.urls[0]!, 'hello CF summit');
  } finally {
    await config.update('stageMode', before, vscode.ConfigurationTarget.Workspace);
  }
});

/** Runs cfpush.exportImage, which must fail, and returns what the notification said. */
async function exportFails(a: Awaited<ReturnType<typeof api>>, arg: unknown): Promise<Reported> {
  const before = a.ctx.reported.length;
  const out = await vscode.commands.executeCommand('cfpush.exportImage', arg);
  assert.equal(out, undefined, 'export should have failed');
  await waitFor('the export to report', () => a.ctx.reported.length > before, 5000);
  const r = a.ctx.reported.at(-1)!;
  assert.match(r.title, /^Export of .+ as an image failed$/);
  assert.deepEqual(r.actions, ['Retry', 'Open Log']);
  console.log(`  export: ${r.message} [${r.actions.join(' | ')}]`);
  return r;
}

test('CF: Export as Image errors: an app with no droplet says to push or stage first', async () => {
  if (!(await stackEngine('export no-droplet test'))) return;
  const a = await api();
  // An app created without bits: no droplet yet.
  const s = (await space(a.tree)).session as unknown as {
    cc: { post(path: string, body: unknown): Promise<{ guid: string }>; delete(path: string): Promise<unknown> };
    space: { guid: string };
  };
  const app = await s.cc.post('/v3/apps', { name: 'no-droplet-vsc', relationships: { space: { data: { guid: s.space.guid } } } });
  try {
    const r = await exportFails(a, 'no-droplet-vsc');
    assert.equal(r.code, 'NoDroplet');
    assert.match(r.message, /no-droplet-vsc' has no droplet/);
    assert.match(r.message, /Push it first .*or stage it locally/);
  } finally {
    await s.cc.delete(`/v3/apps/${app.guid}`).catch(() => undefined);
  }
});

test('CF: Export as Image errors: Docker not running names the engine and how to start it', async () => {
  const a = await api();
  const saved = process.env.DOCKER_HOST;
  // The engine is asked first, before any download: an address where none answers.
  process.env.DOCKER_HOST = `unix://${join(ws(), 'no-engine.sock')}`;
  try {
    const r = await exportFails(a, 'any-app-vsc');
    assert.equal(r.code, 'DockerNotRunning');
    assert.match(r.message, /Docker is not running: no Docker engine answers at unix:\/\/.*no-engine\.sock/);
    assert.match(r.message, /Start it with/);
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});
