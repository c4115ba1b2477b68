// Watch mode: saving a file of an app pushed to the local foundation re-pushes it.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { test } from './harness';
import { api, appNode, children, expectBody, waitFor, ws } from './util';

test('watch mode re-pushes to the local foundation on save', async () => {
  const a = await api();
  assert.equal(await vscode.commands.executeCommand('cfpush.toggleWatch', true), true);
  try {
    const before = a.ctx.watch.count;
    const doc = await vscode.workspace.openTextDocument(join(ws(), 'hello-node', 'server.js'));
    await vscode.window.showTextDocument(doc);
    const at = doc.getText().lastIndexOf('hello CF summit');
    assert.ok(at > 0);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'hello CF summit'.length)), 'hello watched');
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    await waitFor('a re-push', () => a.ctx.watch.count > before, 60_000);
    const [route] = await children(a.tree, await appNode(a.tree, 'hello-node'));
    await expectBody((route as unknown as { browserUrl: string }).browserUrl, 'hello watched').catch((err: Error) => {
      throw new Error(`${err.message}\noutput:\n${a.ctx.output.lines.slice(-20).join('\n')}`);
    });
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  } finally {
    await vscode.commands.executeCommand('cfpush.toggleWatch', false);
  }
});
