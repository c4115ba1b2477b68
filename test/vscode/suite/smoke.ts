// Activation and contributions, as a real workbench sees them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { EXTENSION_ID, api, children, label, waitFor } from './util';

const COMMANDS = ['cfpush.push', 'cfpush.restage', 'cfpush.swapRoutes', 'cfpush.refresh', 'cfpush.openRoute'];

test('activates from the workspace manifest (no "*" activation)', async () => {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  const events: string[] = ext.packageJSON.activationEvents;
  assert.ok(!events.includes('*'), 'must not activate on *');
  assert.ok(events.includes('workspaceContains:**/manifest.yml'));
  // The runner puts examples/hello-node (with manifest.yml) in the workspace.
  await waitFor('activation', () => ext.isActive, 30_000);
});

test('registers its commands', async () => {
  const all = await vscode.commands.getCommands(true);
  for (const c of COMMANDS) assert.ok(all.includes(c), `${c} is not registered`);
});

test('tree lists the local target', async () => {
  const a = await api();
  const targets = await children(a.tree);
  assert.ok(targets.some((t) => label(t) === 'local'), `targets: ${targets.map(label).join(', ')}`);
  const local = targets.find((t) => label(t) === 'local')!;
  assert.equal(local.treeItem().contextValue, 'target.local');
  await vscode.commands.executeCommand('cfpush.targets.focus');
  await screenshot('tree-before-push');
});
