// Activation and contributions, as a real workbench sees them.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { EXTENSION_ID, api, children, item, label, repo, waitFor } from './util';

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

test('tree lists the local target; status bar names it', async () => {
  const a = await api();
  const targets = await children(a.tree);
  const local = targets.find((t) => label(t) === 'local');
  assert.ok(local, `targets: ${targets.map(label).join(', ')}`);
  assert.equal(item(local).contextValue, 'target.local');
  assert.match(a.ctx.status.item.text, /local/);
  await vscode.commands.executeCommand('cfpush.targets.focus');
  const dom = await screenshot('tree-before-push');
  if (dom)
    assert.ok(
      dom.tree.some((r) => r.label.startsWith('local')),
      JSON.stringify(dom.tree),
    );
});
