// The walking skeleton end to end in a real host: push → GET through the
// router → tree → restage → second app → swap routes from tree items.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { api, children, expectBody, label, lastError, localApps, type TreeNode } from './util';

interface PushedApp {
  name: string;
  guid: string;
  state: string;
  urls: string[];
}

const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const repo = () => process.env.CFPUSH_TEST_REPO ?? vscode.extensions.getExtension('cf-push.cf-push')!.extensionPath;

/** examples/hello-node copied into the workspace, optionally renamed and re-worded. */
function appCopy(name: string, greeting?: string): string {
  const dir = join(ws(), name);
  if (!existsSync(dir)) cpSync(join(repo(), 'examples', 'hello-node'), dir, { recursive: true });
  if (name !== 'hello-node') {
    const manifest = join(dir, 'manifest.yml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/name: hello-node/, `name: ${name}`));
  }
  if (greeting) {
    const server = join(dir, 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace("'hello CF summit'", JSON.stringify(greeting)));
  }
  return dir;
}

const urls: Record<string, string> = {};

test('CF: Push hello-node, then GET it through the router', async () => {
  const a = await api();
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(appCopy('hello-node')));
  assert.ok(pushed, `push returned nothing: ${lastError(a)}`);
  assert.deepEqual(pushed.map((p) => p.name), ['hello-node']);
  assert.equal(pushed[0].state, 'STARTED');
  assert.ok(pushed[0].urls[0], 'pushed app has no URL');
  urls['hello-node'] = pushed[0].urls[0];
  assert.match(urls['hello-node'], /^http:\/\/hello-node\.localhost:\d+/);
  await expectBody(urls['hello-node'], 'hello CF summit');
});

test('tree shows targets → orgs → spaces → apps (state) → routes', async () => {
  const a = await api();
  const apps = await localApps(a.tree);
  const app = apps.find((n) => label(n) === 'hello-node');
  assert.ok(app, `apps: ${apps.map(label)}`);
  assert.equal(app.treeItem().contextValue, 'app.started');
  assert.match(String(app.treeItem().description), /started/);
  const routes = await children(a.tree, app);
  assert.deepEqual(routes.map((r) => r.kind), ['route']);
  assert.match(label(routes[0]), /^hello-node\.localhost/);
  await a.tree.view.reveal(routes[0], { expand: true, select: false });
  await screenshot('tree-after-push');
});

test('CF: Restage from the manifest Uri', async () => {
  const a = await api();
  const manifest = vscode.Uri.file(join(ws(), 'hello-node', 'manifest.yml'));
  const restaged = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.restage', manifest);
  assert.ok(restaged, `restage returned nothing: ${lastError(a)}`);
  assert.deepEqual(restaged.map((r) => [r.name, r.state]), [['hello-node', 'STARTED']]);
  await expectBody(urls['hello-node'], 'hello CF summit');
});

test('CF: Swap Routes between two apps selected in the tree', async () => {
  const a = await api();
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>(
    'cfpush.push',
    vscode.Uri.file(appCopy('hello-green', 'hello green')),
  );
  assert.ok(pushed, `second push returned nothing: ${lastError(a)}`);
  urls['hello-green'] = pushed[0].urls[0];
  await expectBody(urls['hello-green'], 'hello green');

  const apps = await localApps(a.tree);
  const pick = (n: string) => apps.find((x) => label(x) === n) as TreeNode;
  const blue = pick('hello-node');
  const green = pick('hello-green');
  assert.ok(blue && green, `apps: ${apps.map(label)}`);
  // As the context menu calls it: (clicked item, all selected items).
  const swapped = await vscode.commands.executeCommand<{ a: PushedApp; b: PushedApp } | undefined>('cfpush.swapRoutes', blue, [blue, green]);
  assert.ok(swapped, `swap returned nothing: ${lastError(a)}`);
  await expectBody(urls['hello-node'], 'hello green');
  await expectBody(urls['hello-green'], 'hello CF summit');

  const after = await localApps(a.tree);
  const blueRoutes = await children(a.tree, after.find((x) => label(x) === 'hello-node'));
  assert.deepEqual(blueRoutes.map(label).map((u) => u.split('.')[0]), ['hello-green']);
  await a.tree.view.reveal(blueRoutes[0], { expand: true, select: false });
  await screenshot('tree-after-swap');
});

test('CF: Swap Routes by app names swaps back', async () => {
  const a = await api();
  const swapped = await vscode.commands.executeCommand('cfpush.swapRoutes', 'hello-green', 'hello-node');
  assert.ok(swapped, `swap back returned nothing: ${lastError(a)}`);
  await expectBody(urls['hello-node'], 'hello CF summit');
  await expectBody(urls['hello-green'], 'hello green');
});

test('a broken manifest fails with its location, not a bare "failed"', async () => {
  const a = await api();
  const dir = join(ws(), 'broken');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yml'), 'applications:\n- name: broken\n  memory: lots\n');
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.equal(pushed, undefined);
  const err = a.ctx.lastError as { message: string; location?: { file: string; line: number } };
  assert.ok(err, 'no error recorded');
  assert.match(err.message, /memory|lots/i, err.message);
  assert.equal(err.location?.line, 3, `location: ${JSON.stringify(err.location)}`);
  // Also in the Problems view, where a person would look for it.
  const problems = vscode.languages.getDiagnostics(vscode.Uri.file(join(dir, 'manifest.yml')));
  assert.ok(problems.some((p) => p.range.start.line === 2 && p.severity === vscode.DiagnosticSeverity.Error), JSON.stringify(problems));
  await vscode.commands.executeCommand('cfpush.showOutput');
  await screenshot('push-error');
});
