// Activation and contributions, as a real workbench sees them.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { clickWelcomeButton, screenshot, test } from './harness';
import { EXTENSION_ID, answer, api, children, item, label, lastError, repo, waitFor } from './util';

// How fast activate() runs is a goal of `npm run bench -- vscode`, not of this test.
test('activates from the workspace manifest (no "*") without loading the core', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  const events: string[] = ext.packageJSON.activationEvents;
  assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), 'must not activate on * / startup');
  assert.ok(events.includes('workspaceContains:**/manifest.yml'));
  // The runner puts examples/hello-node (with manifest.yml) in the workspace.
  await waitFor('activation', () => ext.isActive, 30_000);
  const a = await api();
  console.log(`activate(): ${a.activation.ms.toFixed(2)} ms, core loaded during activation: ${a.activation.coreLoaded}`);
  assert.equal(a.activation.coreLoaded, false, 'activation must not load dist/core.js');
});

test('registers every contributed command', async () => {
  const all = new Set(await vscode.commands.getCommands(true));
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const contributed: { command: string }[] = ext.packageJSON.contributes.commands;
  assert.ok(contributed.length >= 20, `only ${contributed.length} commands contributed`);
  for (const c of contributed) assert.ok(all.has(c.command), `${c.command} is not registered`);
});

test('contributes the manifest schema (yamlValidation), the grammars and the walkthrough', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const c = ext.packageJSON.contributes;
  const schemaPath = join(ext.extensionPath, c.yamlValidation[0].url);
  assert.ok(existsSync(schemaPath), `${schemaPath} missing`);
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  assert.ok(schema.properties?.applications, 'schema describes applications');
  const injection = c.grammars.find((g: { injectTo?: string[] }) => g.injectTo?.includes('source.yaml'));
  assert.ok(injection, 'no YAML injection grammar');
  const grammar = JSON.parse(readFileSync(join(repo(), injection.path), 'utf8'));
  const re = new RegExp(grammar.repository.var.match);
  assert.equal(re.exec('memory: ((mem))')?.[2], 'mem');
  assert.equal(c.walkthroughs[0].steps.length, 5);
});

test("the Welcome page lists the walkthrough with the extension's icon; the activity bar has its own single-colour one", async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  assert.equal(ext.packageJSON.icon, 'media/icon.png');
  // Offline, so not the extension page (it asks the marketplace): the Welcome page's walkthroughs.
  await vscode.commands.executeCommand('workbench.action.openWalkthrough');
  const dom = await screenshot('extension-icon', 2000);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  if (dom) {
    assert.ok(
      dom.welcomePageImages?.some((src) => /media(\/|%2F)icon\.png/i.test(src)),
      JSON.stringify(dom.welcomePageImages),
    );
    const entry = dom.activitybar?.find((x) => x.label.startsWith('Cloud Foundry'));
    assert.ok(entry, JSON.stringify(dom.activitybar));
    assert.match(entry.icon, /media(\/|%2F)activity\.svg/i, entry.icon);
  }
});

test('a first look: the empty tree shows the welcome view, whose buttons run their commands; then the tree lists the local target', async () => {
  const a = await api();
  // A fresh CFPUSH_HOME: no remote target, the local foundation never started.
  assert.deepEqual(await children(a.tree), [], 'the tree is empty, so VS Code shows the welcome view');
  await vscode.commands.executeCommand('cfpush.targets.focus');
  const shown = await screenshot('welcome-view', 1000);
  if (shown) {
    const w = shown.welcome?.find((x) => /Push an app to Cloud Foundry/.test(x.text));
    assert.ok(w, `no welcome view: ${JSON.stringify(shown.welcome)}`);
    assert.deepEqual(w.buttons, ['Push This Folder', 'Start Local Foundation', 'Log In to a Cloud Foundry']);
  }
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const welcome: { view: string; contents: string }[] = ext.packageJSON.contributes.viewsWelcome;
  const links = [...welcome[0]!.contents.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]!);
  assert.deepEqual(links, ['cfpush.push', 'cfpush.startFoundation', 'cfpush.login', 'workbench.action.openWalkthrough']);
  const all = new Set(await vscode.commands.getCommands(true));
  for (const l of links) assert.ok(all.has(l), `${l} is not a command`);

  // The buttons, clicked in the page as a person clicks them (the code-server runner; none under electron).
  // "Log In to a Cloud Foundry": with no remote target yet, the login asks for the API to add first.
  const asked = answer(a, {});
  const clicked = await clickWelcomeButton('Log In to a Cloud Foundry');
  if (clicked) await waitFor('the login to ask for a target', () => asked.asked.length > 0);
  asked.restore();
  if (clicked) assert.match(asked.asked[0]!, /^input .*(API|target|Cloud Foundry)/i, asked.asked.join('\n'));
  // "Push This Folder": the workspace's app is pushed (the local foundation starts on demand). Cancelled
  // while it stages, as the Cancel button does, so the suite's own first push stays a first push.
  if (clicked) {
    const stepped: string[] = [];
    const sub = a.ctx.onStep.event((s) => {
      stepped.push(s);
      if (/^Staging hello-node/.test(s)) (a.ctx as unknown as { cancelRunningTasks(): number }).cancelRunningTasks();
    });
    try {
      await clickWelcomeButton('Push This Folder');
      await waitFor(
        'the push started from the welcome view to be cancelled',
        () => /Push of hello-node cancelled/.test(a.ctx.output.lines.join('\n')),
        120_000,
      );
    } finally {
      sub.dispose();
    }
    assert.ok(
      stepped.some((s) => /^Staging hello-node/.test(s)),
      stepped.join(' | '),
    );
    assert.match(a.ctx.output.lines.join('\n'), /── Pushing hello-node/);
  }
  // "Start Local Foundation", as its button runs it: the tree then lists the local target.
  assert.match(String(await vscode.commands.executeCommand('cfpush.startFoundation')), /^http:\/\/127\.0\.0\.1:\d+$/, lastError(a));
  const local = await waitFor('the local target in the tree', async () => (await children(a.tree)).find((t) => label(t) === 'local'));
  assert.equal(item(local).contextValue, 'target.local');
  assert.match(a.ctx.status.item.text, /local/);
  const dom = await screenshot('tree-before-push');
  if (dom)
    assert.ok(
      dom.tree.some((r) => r.label.startsWith('local')),
      JSON.stringify(dom.tree),
    );
});
