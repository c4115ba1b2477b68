// Cancelling a push really stops it and leaves nothing half-done: the app the
// push had just created is removed again (with its route); an existing app
// keeps serving its previous version.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { test } from './harness';
import { api, appCopy, children, expectBody, label, space, waitFor, type PushedApp } from './util';

async function pushAndCancelAt(step: RegExp, dir: string): Promise<PushedApp[] | undefined> {
  const a = await api();
  // The same as pressing Cancel on the progress notification: abort the task's token.
  const sub = a.ctx.onStep.event((s) => {
    if (step.test(s)) (a.ctx as unknown as { cancelRunningTasks(): number }).cancelRunningTasks();
  });
  try {
    return await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  } finally {
    sub.dispose();
  }
}

test('cancel a first push while staging: the new app and its route are removed', async () => {
  const a = await api();
  const out = await pushAndCancelAt(/^Staging hello-cancel/, appCopy('hello-cancel', 'hello cancel'));
  assert.equal(out, undefined, 'a cancelled push returns nothing');
  assert.match(a.ctx.output.lines.join('\n'), /Push of hello-cancel cancelled; removed hello-cancel/);
  const sp = await space(a.tree);
  await waitFor('hello-cancel gone from apps and routes', async () => {
    const kids = await children(a.tree, sp);
    if (kids.some((n) => n.kind === 'app' && label(n) === 'hello-cancel')) return false;
    const routes = await children(
      a.tree,
      kids.find((n) => n.kind === 'routes')!,
    );
    return !routes.some((r) => label(r).startsWith('hello-cancel.'));
  });
  assert.equal(a.ctx.reported.filter((r) => /hello-cancel/.test(r.message)).length, 0, 'a cancel is not an error');
});

test('cancel a re-push while uploading: the app keeps serving its previous version', async () => {
  const a = await api();
  const dir = appCopy('hello-green', 'hello green v2');
  const out = await pushAndCancelAt(/^Uploading/, dir);
  assert.equal(out, undefined);
  assert.match(a.ctx.output.lines.join('\n'), /Push of hello-green cancelled; apps keep the version they had before/);
  const apps = (await children(a.tree, await space(a.tree))).filter((n) => n.kind === 'app');
  const green = apps.find((n) => label(n) === 'hello-green');
  assert.ok(green, 'hello-green must still exist');
  const [route] = await children(a.tree, green);
  await expectBody((route as unknown as { browserUrl: string }).browserUrl, 'hello green');
  await new Promise((r) => setTimeout(r, 300));
  await expectBody((route as unknown as { browserUrl: string }).browserUrl, 'hello green');
  appCopy('hello-green', 'hello green');
});
