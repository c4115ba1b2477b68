// The editor as a VS Code user expects it (issue 18): a click selects, only
// what applies is offered (menus and palette), route changes stay undoable
// after their toast is gone, and a long staging shows its lines in the
// progress notification with the log a click away.
import * as assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { answer, api, appNode, children, expectBody, item, label, lastError, offered, palette, repo, ws, type Api } from './util';

type Menu = { command: string; when?: string; group?: string };

/** The commands a tree row with `contextValue` offers (view/item/context), evaluated as VS Code does for our simple clauses. */
function menuFor(contextValue: string, inline?: boolean): string[] {
  const ext = vscode.extensions.getExtension('cf-push.cf-push')!;
  const items: Menu[] = ext.packageJSON.contributes.menus['view/item/context'];
  const term = (t: string): boolean => {
    t = t.trim();
    if (t === 'view == cfpush.targets') return true;
    const eq = /^viewItem == (\S+)$/.exec(t);
    if (eq) return contextValue === eq[1];
    const re = /^viewItem =~ \/(.*)\/$/.exec(t);
    if (re) return new RegExp(re[1]!).test(contextValue);
    throw new Error(`clause not understood by this test: ${t}`);
  };
  const holds = (when = '') => when.split('||').some((alt) => alt.split('&&').every(term));
  return items.filter((m) => holds(m.when) && (inline === undefined || (m.group === 'inline') === inline)).map((m) => m.command);
}

async function routeUrl(a: Api, app: string): Promise<string> {
  const route = (await children(a.tree, await appNode(a.tree, app))).find((n) => n.kind === 'route');
  assert.ok(route, `${app} has no route`);
  return (route as unknown as { browserUrl: string }).browserUrl;
}

test('a click on a route selects it (no command); Open is its inline icon; the Routes folder offers neither Open nor Show Traffic', async () => {
  const a = await api();
  const route = (await children(a.tree, await appNode(a.tree, 'hello-node'))).find((n) => n.kind === 'route')!;
  assert.equal(item(route).command, undefined, 'a click must not open a browser');
  assert.ok(menuFor('route.mapped', true).includes('cfpush.openRoute'));
  assert.ok(menuFor('spaceRoute', true).includes('cfpush.openRoute'));
  const folder = menuFor('routes');
  assert.ok(!folder.includes('cfpush.openRoute') && !folder.includes('cfpush.showTraffic'), folder.join(', '));
  // Stop Logs only where logs are followed.
  assert.ok(!menuFor('app.started').includes('cfpush.stopLogs'));
  assert.ok(menuFor('app.started.following').includes('cfpush.stopLogs'));
});

test('the palette offers only what applies: no Cancel / Continue Deployment with nothing to act on, no tree-only command', async () => {
  const all = await palette('CF: ');
  if (!all) return console.log('no page to read the palette from (electron runner): covered by the menus test');
  assert.ok(offered(all, 'CF: Push'), all.join(' | '));
  // (Undo Route Change is offered here: the tests before changed routes. The undo test below checks it goes with the history.)
  for (const title of ['CF: Cancel Deployment', 'CF: Continue Deployment', 'CF: Stop Logs', 'CF: Run Task', 'CF: Unbind from App'])
    assert.ok(!offered(await palette(title), title), `${title} is offered with nothing to act on`);
  // The foundation runs: Stop is offered, Start is not; no remote target is signed in: no Sign Out.
  assert.ok(offered(await palette('CF: Stop Local Foundation'), 'CF: Stop Local Foundation'), 'Stop Local Foundation while it runs');
  for (const title of ['CF: Start Local Foundation', 'CF: Sign Out'])
    assert.ok(!offered(await palette(title), title), `${title} is offered with nothing to act on`);
});

test('Continue / Cancel Deployment run anyway with nothing deploying: the cause and the next step, and no Retry that cannot work', async () => {
  const a = await api();
  for (const [command, doing] of [
    ['cfpush.continueDeployment', 'Continuing'],
    ['cfpush.cancelDeployment', 'Canceling'],
  ] as const) {
    const from = a.ctx.reported.length;
    // From the app's item, as a stale menu or a keybinding could still run it.
    assert.equal(await vscode.commands.executeCommand(command, await appNode(a.tree, 'hello-node')), undefined);
    assert.equal(a.ctx.reported.length, from + 1, `${command}: one error shown`);
    const r = a.ctx.reported.at(-1)!;
    assert.match(r.message, new RegExp(`^${doing} the deployment of hello-node failed: No active deployment for app hello-node\\.`));
    assert.equal(r.code, 'DeploymentNotFound');
    // The next step in the editor's words (CF: Push with the canary strategy), not a command line.
    assert.match(String(r.hint), /CF: Push/);
    assert.doesNotMatch(r.message, /cfpush /);
    assert.ok(!r.actions.includes('Retry'), `${command} offers ${r.actions.join(', ')}`);
    assert.deepEqual(r.actions, ['Open Log']);
  }
});

test('undo after the toast is gone: a swap and a mapped route, from "CF: Undo Route Change" and the Route History', async () => {
  const a = await api();
  const history = a.ctx.routeHistory;
  const before = history.entries.length;
  const nodeUrl = await routeUrl(a, 'hello-node');
  const mapped = answer(a, { inputs: ['undo-me.localhost'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.mapRoute', await appNode(a.tree, 'hello-green')), lastError(a));
  mapped.restore();
  assert.ok(await vscode.commands.executeCommand('cfpush.swapRoutes', 'hello-node', 'hello-green'), lastError(a));
  await expectBody(nodeUrl, 'hello green');
  assert.deepEqual(
    history.entries.slice(before).map((e) => e.title),
    ['Map undo-me.localhost to hello-green', 'Swap routes of hello-node and hello-green'],
  );
  // The toasts go (as they do by themselves after a few seconds); the changes stay undoable.
  await vscode.commands.executeCommand('notifications.clearAll');
  const rows = await palette('CF: Undo Route Change');
  if (rows) assert.ok(offered(rows, 'CF: Undo Route Change'), rows.join(' | '));
  assert.ok(await vscode.commands.executeCommand('cfpush.undoRouteChange'), lastError(a));
  await expectBody(nodeUrl, 'hello CF summit');
  // The Route History lists what is left: the mapped route.
  const picked = answer(a, { picks: [/Map undo-me\.localhost to hello-green/] });
  assert.ok(await vscode.commands.executeCommand('cfpush.routeHistory'), lastError(a));
  picked.restore();
  assert.match(picked.asked[0]!, /^pick CF: Route History: \$\(discard\) Map undo-me\.localhost to hello-green(, |$)/);
  const routes = (await children(a.tree, await appNode(a.tree, 'hello-green'))).filter((n) => n.kind === 'route').map(label);
  assert.ok(!routes.some((r) => r.startsWith('undo-me.')), routes.join(', '));
  assert.equal(history.entries.length, before, 'both undone, and the undos not recorded as changes');
  if (before === 0) assert.ok(!offered(await palette('CF: Undo Route Change'), 'CF: Undo Route Change'), 'nothing left to undo');
});

test('a long staging streams its lines into the progress notification; the status bar offers Show Log meanwhile', async () => {
  const a = await api();
  const dir = join(ws(), 'hello-go-progress');
  cpSync(join(repo(), 'examples', 'hello-go'), dir, { recursive: true });
  const manifest = join(dir, 'manifest.yml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/name: [\w-]+/, 'name: hello-go-progress'));
  const from = a.ctx.output.progressShown.length;
  let shot: Promise<unknown> | undefined;
  const sub = a.ctx.onStep.event((step) => {
    // Toasts do not show in the headless page: the notification centre shows the same progress.
    if (/^Staging/.test(step))
      shot ??= new Promise((r) => setTimeout(r, 2500))
        .then(() => vscode.commands.executeCommand('notifications.showList'))
        .then(() => screenshot('push-in-progress', 300))
        .finally(() => vscode.commands.executeCommand('notifications.hideList'));
  });
  const pushed = await vscode.commands.executeCommand('cfpush.push', vscode.Uri.file(dir));
  sub.dispose();
  assert.ok(pushed, lastError(a));
  const dom = (await shot) as Awaited<ReturnType<typeof screenshot>>;
  const shown = a.ctx.output.progressShown.slice(from);
  const staging = shown.filter((m) => /^Staging .* — \[STG\/0\] /.test(m));
  assert.ok(staging.length >= 2, `staging lines in the notification: ${JSON.stringify(shown.slice(0, 30))}`);
  if (dom) {
    const log = dom.statusbar.find((s) => /Show Log/.test(s.text));
    assert.ok(log, `status bar: ${JSON.stringify(dom.statusbar.map((s) => s.text))}`);
    assert.match(log.text, /Pushing hello-go-progress — Show Log/);
  }
  const prompts = answer(a, { inputs: ['hello-go-progress'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.deleteApp', await appNode(a.tree, 'hello-go-progress')), lastError(a));
  prompts.restore();
});
