// The docker lifecycle from the editor (issue 5): a copy of examples/hello-docker
// (a Dockerfile app) pushed with CF: Push builds its image with the local
// Docker engine, runs it as a container on the local foundation and answers
// through the router. Needs a running engine with the offline base images
// (`bash test/hosts/docker-host.sh`); without one the test fails where hosts
// are required (CI) and is reported as skipped elsewhere.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { connectEngine } from '../../../src/core/docker/engine';
import { test } from './harness';
import { api, expectBody, lastError, repo, ws, type PushedApp } from './util';

const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

test('CF: Push a Dockerfile app (hello-docker copy), then GET it through the router', async () => {
  try {
    const docker = await connectEngine({ timeoutMs: 3000 });
    await docker.getImage('cfpush/node').inspect();
  } catch (err) {
    const why = `real Docker engine with cfpush/node needed (bash test/hosts/docker-host.sh): ${(err as Error).message.split('\n')[0]}`;
    if (required) assert.fail(why);
    console.log(`  (docker test not run: ${why})`);
    return;
  }
  const a = await api();
  const dir = join(ws(), 'hello-docker-vsc');
  if (!existsSync(dir)) cpSync(join(repo(), 'examples', 'hello-docker'), dir, { recursive: true });
  const manifest = join(dir, 'manifest.yml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/name: [\w-]+/, 'name: hello-docker-vsc'));
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.ok(pushed, `push returned nothing: ${lastError(a)}`);
  assert.deepEqual(
    pushed.map((p) => [p.name, p.state]),
    [['hello-docker-vsc', 'STARTED']],
  );
  assert.match(pushed[0]!.urls[0]!, /^http:\/\/hello-docker-vsc\.localhost:\d+/);
  await expectBody(pushed[0]!.urls[0]!, 'hello CF summit');
  const out = a.ctx.output.lines.join('\n');
  assert.match(out, /Building the Docker image for hello-docker-vsc/);
  assert.match(out, /\[STG\/0\] OUT Step 1\/\d+ : FROM cfpush\/node/);
});
