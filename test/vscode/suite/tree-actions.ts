// Context actions on tree items: scale, restart, stop/start, map/unmap route,
// outdated marking with "Restage to pick up the update" and "Restage all
// outdated apps", delete with confirmation.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import {
  answer,
  tooltipOf,
  reveal,
  api,
  appCopy,
  appNode,
  children,
  cli,
  expectBody,
  get,
  item,
  label,
  lastError,
  localApi,
  localCredentials,
  repo,
  space,
  waitFor,
  ws,
  type PushedApp,
} from './util';

test('scale from the tree: 2 instances, both running', async () => {
  const a = await api();
  const app = await appNode(a.tree, 'hello-green');
  const out = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.scaleApp', app, { instances: 2 });
  assert.ok(out, `scale returned nothing: ${lastError(a)}`);
  const after = await waitFor('2/2 instances', async () => {
    const n = await appNode(a.tree, 'hello-green');
    return /^2\/2 ·/.test(String(item(n).description)) ? n : undefined;
  });
  assert.ok(after);
  assert.ok(await vscode.commands.executeCommand('cfpush.scaleApp', after, { instances: 1 }), lastError(a));
});

test('stop, start and restart from the tree', async () => {
  const a = await api();
  let app = await appNode(a.tree, 'hello-green');
  assert.ok(await vscode.commands.executeCommand('cfpush.stopApp', app), lastError(a));
  app = await appNode(a.tree, 'hello-green');
  assert.match(String(item(app).contextValue), /^app\.stopped/);
  assert.ok(await vscode.commands.executeCommand('cfpush.startApp', app), lastError(a));
  app = await appNode(a.tree, 'hello-green');
  assert.match(String(item(app).contextValue), /^app\.started/);
  assert.ok(await vscode.commands.executeCommand('cfpush.restartApp', app), lastError(a));
});

test('map a route to an app and unmap it from the tree', async () => {
  const a = await api();
  const app = await appNode(a.tree, 'hello-green');
  const prompts = answer(a, { inputs: ['extra-green.localhost'] });
  const mapped = await vscode.commands.executeCommand<PushedApp | undefined>('cfpush.mapRoute', app);
  prompts.restore();
  assert.ok(mapped, `map returned nothing: ${lastError(a)}`);
  assert.ok(
    mapped.urls.some((u) => u.includes('extra-green.localhost')),
    mapped.urls.join(', '),
  );
  await expectBody(
    mapped.urls.find((u) => u.includes('extra-green'))!,
    'hello green',
  );
  const routes = await children(a.tree, await appNode(a.tree, 'hello-green'));
  const extra = routes.find((r) => label(r).startsWith('extra-green.'));
  assert.ok(extra, routes.map(label).join(', '));
  assert.equal(item(extra).contextValue, 'route.mapped');
  const unmapped = await vscode.commands.executeCommand<PushedApp | undefined>('cfpush.unmapRoute', extra);
  assert.ok(unmapped && !unmapped.urls.some((u) => u.includes('extra-green')), lastError(a));
  // The route stays in the space, with no destinations (the router answers 404).
  const folder = (await children(a.tree, await space(a.tree))).find((n) => n.kind === 'routes')!;
  const orphan = (await children(a.tree, folder)).find((r) => label(r).startsWith('extra-green.'));
  assert.ok(orphan);
  assert.match(String(item(orphan).description), /no destinations/);
});

test('outdated buildpack: marked in the tree, "Restage to pick up the update" fixes it; space action restages all', async () => {
  const a = await api();
  // A buildpack folder of our own, so its version can move like a CVE fix release.
  const bp = join(ws(), 'bp-node');
  cpSync(join(repo(), 'buildpacks', 'nodejs'), bp, { recursive: true });
  writeFileSync(join(bp, 'VERSION'), '1.0.0\n');
  const dirs = ['hello-old', 'hello-old2'].map((n) => appCopy(n, `hello ${n}`, (m) => `${m.trimEnd()}\n  buildpacks:\n  - ${bp}\n`));
  for (const d of dirs) assert.ok(await vscode.commands.executeCommand('cfpush.push', vscode.Uri.file(d)), lastError(a));
  let old = await appNode(a.tree, 'hello-old');
  assert.doesNotMatch(String(item(old).contextValue), /outdated/);

  writeFileSync(join(bp, 'VERSION'), '1.0.1\n');
  a.ctx.refresh();
  old = await appNode(a.tree, 'hello-old');
  assert.match(String(item(old).contextValue), /\boutdated\b/);
  assert.match(String(item(old).description), /⚠ outdated/);
  assert.match(await tooltipOf(a.tree, old), /1\.0\.0 → 1\.0\.1.*Restage to pick up the update/s);
  const spaceNode = await space(a.tree);
  await children(a.tree, spaceNode);
  const spaceItem = await spaceNode.treeItem();
  assert.equal(spaceItem.contextValue, 'space.outdated');
  assert.match(String(spaceItem.description), /2 outdated/);
  await vscode.commands.executeCommand('cfpush.targets.focus');
  await reveal(a.tree, () => appNode(a.tree, 'hello-old'));
  const dom = await screenshot('tree-outdated', 1000);
  if (dom) {
    // Issue 18: the longest app description (instances · staged · outdated) fits the default sidebar width.
    const row = dom.tree.find((r) => /^hello-old\d+\/\d+ /.test(r.text)); // name and description run together in the row's text
    assert.ok(row, `no hello-old row: ${JSON.stringify(dom.tree.map((r) => r.text))}`);
    assert.match(row.text, /⚠ outdated/);
    assert.equal(row.cut, false, `the row is cut at the sidebar's width: ${row.text}`);
  }

  // The item action restages one (after the downtime question)…
  const prompts = answer(a, { confirm: 'Restage' });
  const one = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.restageUpdate', old);
  assert.ok(one, lastError(a));
  assert.doesNotMatch(String(item(await appNode(a.tree, 'hello-old')).contextValue), /outdated/);
  // …the space action restages the rest.
  writeFileSync(join(bp, 'VERSION'), '1.0.2\n');
  a.ctx.refresh();
  const sp = await space(a.tree);
  await children(a.tree, sp);
  const all = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.restageOutdated', sp);
  assert.deepEqual(all?.map((x) => x.name).sort(), ['hello-old', 'hello-old2']);
  for (const n of ['hello-old', 'hello-old2']) assert.doesNotMatch(String(item(await appNode(a.tree, n)).contextValue), /outdated/);
  prompts.restore();
  assert.match(prompts.asked.join('\n'), /Restage hello-old, hello-old2 on local\?/);
});

test('canary push (cfpush.push.strategy = canary): the tree marks the paused canary; Continue Deployment on the item rolls it out', async () => {
  const a = await api();
  const dir = appCopy('hello-canary', 'canary v1');
  const first = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.ok(first, `first push: ${lastError(a)}`);
  const url = first[0]!.urls[0]!;
  await expectBody(url, 'canary v1');
  appCopy('hello-canary', 'canary v2');
  const cfg = vscode.workspace.getConfiguration('cfpush');
  await cfg.update('push.strategy', 'canary', vscode.ConfigurationTarget.Workspace);
  let pushed: PushedApp[] | undefined;
  try {
    pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  } finally {
    await cfg.update('push.strategy', undefined, vscode.ConfigurationTarget.Workspace);
  }
  assert.ok(pushed, `canary push: ${lastError(a)}`);
  assert.equal(pushed[0]!.deployment?.reason, 'PAUSED');
  assert.match(a.ctx.output.lines.join('\n'), /▸ Canary of hello-canary is running next to the previous version/);
  // Both versions answer while the canary is paused.
  const seen = new Set<string>();
  await waitFor('both versions answering', async () => {
    seen.add((await get(url)).body);
    return seen.has('canary v1') && seen.has('canary v2');
  });
  const paused = await waitFor('the paused canary in the tree', async () => {
    const n = await appNode(a.tree, 'hello-canary');
    return /\bpaused\b/.test(String(item(n).contextValue)) ? n : undefined;
  });
  assert.match(String(item(paused).description), /canary paused 1\/1/);
  const done = await vscode.commands.executeCommand<{ status: { reason: string } } | undefined>('cfpush.continueDeployment', paused);
  assert.ok(done, `continue: ${lastError(a)}`);
  assert.equal(done.status.reason, 'DEPLOYED');
  for (let i = 0; i < 4; i++) assert.equal((await get(url)).body, 'canary v2');
  const after = await waitFor('no deployment on the item', async () => {
    const n = await appNode(a.tree, 'hello-canary');
    return /\b(paused|deploying)\b/.test(String(item(n).contextValue)) ? undefined : n;
  });
  assert.doesNotMatch(String(item(after).description), /canary/);
});

test('a task run with the cf CLI (else cfpush run-task) shows under the app in the tree: name, sequence, how it ended', async () => {
  const a = await api();
  const creds = localCredentials();
  const cf = process.env.CFPUSH_CF_CLI;
  if (cf) {
    // The real cf CLI, as a Cloud Foundry user would run it beside the editor.
    const home = mkdtempSync(join(tmpdir(), 'cf-home-'));
    const run = (args: string[], env: Record<string, string> = {}) =>
      execFileSync(cf, args, { env: { ...process.env, CF_HOME: home, CF_COLOR: 'false', ...env }, stdio: 'pipe', encoding: 'utf8' });
    run(['api', localApi(), '--skip-ssl-validation']);
    run(['auth'], { CF_USERNAME: creds.username, CF_PASSWORD: creds.password });
    run(['target', '-o', 'org', '-s', 'space']);
    run(['run-task', 'hello-green', '--command', 'echo tree-task done', '--name', 'tree-ok']);
    run(['run-task', 'hello-green', '--command', 'exit 3', '--name', 'tree-fail']);
  } else {
    console.log('CFPUSH_CF_CLI is not set: running the tasks with cfpush run-task instead of the cf CLI');
    for (const [name, command] of [
      ['tree-ok', 'echo tree-task done'],
      ['tree-fail', 'exit 3'],
    ])
      execFileSync(process.execPath, [cli(), 'run-task', 'hello-green', '-c', command!, '--name', name!], { env: process.env, stdio: 'pipe' });
  }
  a.ctx.refresh();
  const tasks = await waitFor('both tasks ended, in the tree', async () => {
    a.ctx.refresh();
    const folder = (await children(a.tree, await appNode(a.tree, 'hello-green'))).find((n) => n.kind === 'tasks');
    if (!folder) return undefined;
    const nodes = await children(a.tree, folder);
    const done = nodes.filter((n) => /^task\.(succeeded|failed)$/.test(String(item(n).contextValue)));
    return done.length >= 2 ? { folder, nodes } : undefined;
  });
  const byName = (n: string) => tasks.nodes.find((t) => label(t).endsWith(` ${n}`));
  const ok = byName('tree-ok');
  const failed = byName('tree-fail');
  assert.ok(ok && failed, tasks.nodes.map(label).join(', '));
  assert.match(label(ok), /^#\d+ tree-ok$/);
  assert.equal(item(ok).contextValue, 'task.succeeded');
  assert.equal(item(failed).contextValue, 'task.failed');
  assert.match(String(item(failed).description), /failed · .*exit/i);
  // Newest first, as `cf tasks` lists them.
  assert.ok(tasks.nodes.indexOf(failed) < tasks.nodes.indexOf(ok));
  assert.match(String(item(tasks.folder).description), /^\d+$/);
  await reveal(a.tree, async () => failed, { expand: true });
  await screenshot('tree-tasks');
});

test('delete asks for the name (Enter alone deletes nothing); Escape keeps the app, the typed name removes it', async () => {
  const a = await api();
  let app = await appNode(a.tree, 'hello-old2');
  // Escape (undefined), then Enter on an empty box: both keep it.
  for (const answered of [[], ['']]) {
    const prompts = answer(a, { inputs: answered });
    assert.equal(await vscode.commands.executeCommand('cfpush.deleteApp', app), undefined);
    prompts.restore();
    assert.match(prompts.asked[0]!, /^input CF: Delete hello-old2\?$/);
  }
  // A wrong name is refused by the box itself.
  const wrong = answer(a, { inputs: ['hello-old'] });
  await assert.rejects(Promise.resolve(vscode.commands.executeCommand('cfpush.deleteApp', app)), /Type hello-old2 exactly/);
  wrong.restore();
  app = await appNode(a.tree, 'hello-old2');
  const prompts = answer(a, { inputs: ['hello-old2'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.deleteApp', app), lastError(a));
  prompts.restore();
  await waitFor(
    'hello-old2 to leave the tree',
    async () => !(await children(a.tree, await space(a.tree))).some((n) => n.kind === 'app' && label(n) === 'hello-old2'),
  );
});
