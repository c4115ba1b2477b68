// Seeing traffic move (issue 7): drag and drop of routes and apps in the tree
// through the controller's handleDrag / handleDrop with a real DataTransfer,
// Undo, the confirmation on a remote target; then the live traffic view under
// load while routes are swapped, read back from the extension (the model it
// posted) and from the webview's DOM (the SVG it drew), with a screenshot.
import * as assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import * as vscode from 'vscode';
import { screenshot, test, type WebviewDom } from './harness';
import {
  answer,
  api,
  appCopy,
  children,
  dragDrop,
  expectBody,
  get,
  item,
  label,
  lastError,
  localCredentials,
  space,
  waitFor,
  type Api,
  type PushedApp,
  type TrafficModel,
  type TreeNode,
} from './util';

const A = 'drag-a';
const B = 'drag-b';
const urls: Record<string, string> = {};
async function routeOf(a: Api, app: string, host: string, target = 'local'): Promise<TreeNode> {
  const sp = await space(a.tree, target);
  const appN = (await children(a.tree, sp)).find((n) => n.kind === 'app' && label(n) === app);
  assert.ok(appN, `no app ${app} under ${target}`);
  const r = (await children(a.tree, appN)).find((n) => label(n).startsWith(`${host}.`));
  assert.ok(r, `no route ${host} under ${app}`);
  return r;
}

async function appOf(a: Api, app: string, target = 'local'): Promise<TreeNode> {
  const n = (await children(a.tree, await space(a.tree, target))).find((x) => x.kind === 'app' && label(x) === app);
  assert.ok(n, `no app ${app} under ${target}`);
  return n;
}

/** The Routes folder's row for a host: "→ app, app". */
async function destinationsOf(a: Api, host: string): Promise<string> {
  const folder = (await children(a.tree, await space(a.tree))).find((n) => n.kind === 'routes')!;
  const r = (await children(a.tree, folder)).find((n) => label(n).startsWith(`${host}.`));
  return String(r && item(r).description);
}

test('drag a route from one app onto another: Move → the other app answers it; Undo restores it', async () => {
  const a = await api();
  for (const [name, greeting] of [
    [A, 'hello a'],
    [B, 'hello b'],
  ] as const) {
    const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(appCopy(name, greeting)));
    assert.ok(pushed, `push ${name}: ${lastError(a)}`);
    urls[name] = pushed[0]!.urls[0]!;
    await expectBody(urls[name], greeting);
  }
  const route = await routeOf(a, A, A);
  const history = a.ctx.routeHistory;
  const before = history.entries.length;
  const prompts = answer(a, { picks: [/Move/] });
  const data = await dragDrop(a, [route], await appOf(a, B));
  prompts.restore();
  // Dragged out of the tree, a route is its URL.
  assert.match(await data.get('text/uri-list')!.asString(), new RegExp(`^http://${A}\\.localhost:\\d+`));
  // Local foundation: one question, Move or Add, showing what each does.
  assert.equal(prompts.asked.length, 1, prompts.asked.join('\n'));
  assert.match(prompts.asked[0]!, new RegExp(`^pick Drop ${A}\\.localhost on ${B}: .*Move to ${B}, .*Add to ${B} \\(keep on both\\)$`));
  const last = a.ctx.dnd.last;
  assert.ok(last, `no drop result: ${lastError(a)}`);
  assert.equal(last.plan.kind, 'move');
  assert.deepEqual(last.plan.lines, [`map ${A}.localhost → ${B}`, `unmap ${A}.localhost from ${A}`]);
  // The move is in the window's Route History, undoable after its toast is gone.
  assert.deepEqual(
    history.entries.slice(before).map((e) => e.title),
    [`Move ${A}.localhost from ${A} to ${B}`],
  );
  await expectBody(urls[A]!, 'hello b');
  assert.equal(await destinationsOf(a, A), `→ ${B}`);
  assert.deepEqual(
    (await children(a.tree, await appOf(a, A))).map((n) => n.kind),
    ['message', 'tasks', 'env'],
    `${A} keeps no route`,
  );

  // The result notification offers Undo.
  await vscode.commands.executeCommand('notifications.showList');
  const dom = await screenshot('drag-move-notification', 1000);
  await vscode.commands.executeCommand('notifications.hideList');
  if (dom) {
    const toast = dom.notifications.find((n) => n.message.includes(`Moved ${A}.localhost from ${A} to ${B}`));
    assert.ok(toast, `notifications: ${JSON.stringify(dom.notifications)}`);
    assert.ok(toast.buttons.includes('Undo'), `buttons: ${toast.buttons}`);
  }
  assert.equal(await last.undo(), true, lastError(a));
  await expectBody(urls[A]!, 'hello a');
  assert.equal(await destinationsOf(a, A), `→ ${A}`);
  assert.equal(history.entries.length, before, 'the undone move leaves the history');
});

test('drag a route and choose Add: both apps serve it; Undo unmaps the added one only', async () => {
  const a = await api();
  const history = a.ctx.routeHistory;
  const before = history.entries.length;
  const prompts = answer(a, { picks: [/Add/] });
  await dragDrop(a, [await routeOf(a, A, A)], await appOf(a, B));
  prompts.restore();
  assert.equal(a.ctx.dnd.last?.plan.kind, 'add', lastError(a));
  assert.deepEqual(
    history.entries.slice(before).map((e) => e.title),
    [`Add ${A}.localhost to ${B} (keep it on ${A})`],
  );
  assert.equal(await destinationsOf(a, A), `→ ${A}, ${B}`);
  // The router balances across both destinations.
  const seen = new Set<string>();
  await waitFor('both apps to answer the route', async () => {
    const r = await get(urls[A]!);
    if (r.status === 200) seen.add(r.body.trim());
    return seen.has('hello a') && seen.has('hello b');
  });
  // Undone later, from the Route History (the toast gone), not the toast's Undo.
  await vscode.commands.executeCommand('notifications.clearAll');
  const picked = answer(a, { picks: [new RegExp(`Add ${A}\\.localhost to ${B}`)] });
  assert.ok(await vscode.commands.executeCommand('cfpush.routeHistory'), lastError(a));
  picked.restore();
  assert.match(picked.asked[0]!, new RegExp(`^pick CF: Route History: \\$\\(discard\\) Add ${A}\\.localhost to ${B} \\(keep it on ${A}\\)`));
  assert.equal(history.entries.length, before, 'the undone add leaves the history');
  assert.equal(await destinationsOf(a, A), `→ ${A}`);
  await expectBody(urls[A]!, 'hello a');
});

test('drag an app onto another: their routes swap at once on the local foundation; Undo swaps back', async () => {
  const a = await api();
  await vscode.workspace.getConfiguration('cfpush').update('traffic.openOnSwap', false, vscode.ConfigurationTarget.Workspace);
  try {
    const prompts = answer(a, {});
    await dragDrop(a, [await appOf(a, A)], await appOf(a, B));
    prompts.restore();
    assert.deepEqual(prompts.asked, [], 'a local swap asks nothing');
    const last = a.ctx.dnd.last;
    assert.equal(last?.plan.kind, 'swap', lastError(a));
    await expectBody(urls[A]!, 'hello b');
    await expectBody(urls[B]!, 'hello a');
    // Like CF: Swap Routes, both apps then offer Undo Swap.
    assert.match(String(item(await appOf(a, A)).contextValue), /\bswapped\b/);
    assert.ok(await last!.undo());
    await expectBody(urls[A]!, 'hello a');
    await expectBody(urls[B]!, 'hello b');
  } finally {
    await vscode.workspace.getConfiguration('cfpush').update('traffic.openOnSwap', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('on a remote target a drop asks first and shows what will change; Cancel changes nothing', async () => {
  const a = await api();
  // The loopback target (the local foundation addressed as a remote CF, see login.ts); the errors suite signed it out.
  const { username, password } = localCredentials();
  assert.equal(await vscode.commands.executeCommand('cfpush.login', 'loopback', { username, password }), true, lastError(a));
  let prompts = answer(a, { confirm: null });
  await dragDrop(a, [await routeOf(a, A, A, 'loopback')], await appOf(a, B, 'loopback'));
  prompts.restore();
  assert.equal(prompts.asked.length, 1, prompts.asked.join('\n'));
  assert.match(
    prompts.asked[0]!,
    new RegExp(
      `^confirm: Move ${A}\\.localhost to ${B} on loopback \\([\\w-]+/[\\w-]+\\)\\?\\nMove:\\n  map ${A}\\.localhost → ${B}\\n  unmap ${A}\\.localhost from ${A}\\n\\nAdd \\(keep on both\\):\\n  map ${A}\\.localhost → ${B}\\n\\[Move\\|Add \\(Keep on Both\\)\\]$`,
    ),
  );
  await expectBody(urls[A]!, 'hello a');
  assert.equal(await destinationsOf(a, A), `→ ${A}`);
  // App onto app: the swap's routes, confirmed.
  const before = a.ctx.dnd.last;
  prompts = answer(a, { confirm: null });
  await dragDrop(a, [await appOf(a, A, 'loopback')], await appOf(a, B, 'loopback'));
  prompts.restore();
  assert.match(
    prompts.asked[0] ?? '',
    new RegExp(
      `^confirm: Swap routes of ${A} and ${B} on loopback .*\\nmap ${A}\\.localhost → ${B}\\nmap ${B}\\.localhost → ${A}\\nunmap ${A}\\.localhost from ${A}\\nunmap ${B}\\.localhost from ${B}\\n\\[Swap Routes\\]$`,
    ),
  );
  assert.equal(a.ctx.dnd.last, before, 'a cancelled drop leaves no result');
  await expectBody(urls[B]!, 'hello b');
});

/** ≥ 20 concurrent keep-alive GET loops through the router, counting statuses and bodies. */
function load(url: string, concurrency: number) {
  const u = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const stats = { requests: 0, statuses: {} as Record<number, number>, bodies: {} as Record<string, number>, failures: [] as string[] };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port: Number(u.port), path: '/', agent, headers: { host: u.host }, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          stats.requests++;
          stats.statuses[res.statusCode ?? 0] = (stats.statuses[res.statusCode ?? 0] ?? 0) + 1;
          stats.bodies[body.trim()] = (stats.bodies[body.trim()] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', (e) => {
        stats.failures.push(e.message);
        resolve();
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      await one();
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return stats;
    },
  };
}

/** What the swap view drew per app (colour slot, resolved stroke): the next views must draw the same. */
const drawn: Record<string, { color: number; stroke: string }> = {};

/** Marker labels of a chart must not overlap each other, and stay inside the plot. */
function assertLabelsApart(chart: WebviewDom['charts'][number]): void {
  const [, , width, height] = chart.viewBox.split(/\s+/).map(Number);
  const boxes = chart.labels.map((l) => l.box);
  const all = JSON.stringify(chart.labels.map((l) => [l.text, l.row, l.box]));
  for (const b of boxes) {
    assert.ok(b.width > 0 && b.height > 0, `a label with no size: ${all}`);
    assert.ok(b.x >= 0 && b.x + b.width <= width! && b.y >= 0 && b.y + b.height <= height!, `a label outside the chart: ${all}`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const p = boxes[i]!;
      const q = boxes[j]!;
      const apart = p.x + p.width <= q.x || q.x + q.width <= p.x || p.y + p.height <= q.y || q.y + q.height <= p.y;
      assert.ok(apart, `labels overlap: ${JSON.stringify([chart.labels[i]!.text, p, chart.labels[j]!.text, q])}`);
    }
  }
}

/** Seconds [fromMs, toMs) of a per-second series in the model. */
function window(m: TrafficModel, values: number[], fromMs: number, toMs: number): number[] {
  const i0 = Math.max(0, Math.floor((fromMs - m.from) / m.bucketMs));
  const i1 = Math.min(values.length, Math.floor((toMs - m.from) / m.bucketMs));
  return values.slice(i0, i1);
}
const total = (xs: number[]) => xs.reduce((n, x) => n + x, 0);

test('traffic view: under load (24 keep-alive loops) a swap moves the rate from the old app to the new, zero errors; SVG asserted', async () => {
  const a = await api();
  // Opened from the route (context menu "Show Traffic"): it follows the route wherever it moves.
  const opened = await vscode.commands.executeCommand<{ route: string } | undefined>('cfpush.showTraffic', await routeOf(a, A, A));
  assert.match(opened?.route ?? '', new RegExp(`^${A}\\.localhost`), lastError(a));
  await waitFor(
    'the traffic view to draw',
    () => a.ctx.traffic.visible && a.ctx.traffic.lastModel?.state === 'ok' && a.ctx.traffic.lastRendered?.state === 'ok',
    30_000,
  );
  assert.equal(a.ctx.traffic.lastModel!.source, 'router');

  const loadStart = Date.now();
  const gen = load(urls[A]!, 24);
  let swapAt = 0;
  let swapDone = 0;
  let stats: Awaited<ReturnType<typeof gen.stop>>;
  try {
    // Old app serving: wait for its rate to show in the view.
    await waitFor(`${A}'s rate in the view`, () => (a.ctx.traffic.lastModel?.apps.find((x) => x.name === A)?.rps ?? 0) > 5, 20_000);
    await new Promise((r) => setTimeout(r, 2500));
    // The swap (CF: Swap Routes): the view opens (re-aims) by itself, cfpush.traffic.openOnSwap.
    swapAt = Date.now();
    const swapped = await vscode.commands.executeCommand<{ a: PushedApp; b: PushedApp } | undefined>('cfpush.swapRoutes', A, B);
    swapDone = Date.now();
    assert.ok(swapped, `swap: ${lastError(a)}`);
    // New app serving: at least 5 complete seconds after the swap, with both apps in the view.
    await waitFor(
      '5 s of traffic after the swap',
      () => {
        const m = a.ctx.traffic.lastModel;
        return (
          m &&
          m.to >= swapDone + 5000 &&
          m.apps.some((x) => x.name === B) &&
          m.apps.some((x) => x.name === A) &&
          (m.apps.find((x) => x.name === B)?.rps ?? 0) > 5
        );
      },
      30_000,
    );
  } finally {
    stats = await gen.stop();
  }
  // The load generator's view: every request answered 200, first by A then by B.
  assert.deepEqual(stats.failures, []);
  assert.deepEqual(Object.keys(stats.statuses), ['200'], JSON.stringify(stats.statuses));
  assert.ok(stats.requests > 100, `only ${stats.requests} requests`);
  assert.ok(stats.bodies['hello a']! > 0 && stats.bodies['hello b']! > 0, JSON.stringify(stats.bodies));

  // The view's data (what it posted to the webview).
  const m = a.ctx.traffic.lastModel!;
  const appA = m.apps.find((x) => x.name === A)!;
  const appB = m.apps.find((x) => x.name === B)!;
  const beforeA = window(m, appA.requests, swapAt - 3000, swapAt - 1000);
  const beforeB = window(m, appB.requests, swapAt - 3000, swapAt - 1000);
  const afterA = window(m, appA.requests, swapDone + 2000, m.to);
  const afterB = window(m, appB.requests, swapDone + 2000, m.to);
  const summary = JSON.stringify({ beforeA, beforeB, afterA, afterB, markers: m.markers });
  // The load goes to A's route only; a stray GET of B's own route by the set-up may land in the same seconds.
  assert.ok(beforeA.every((v) => v > 0) && total(beforeB) <= Math.max(2, total(beforeA) / 100), `before the swap only ${A} serves the load: ${summary}`);
  assert.ok(afterA.length >= 3 && total(afterA) === 0, `${A} falls to zero: ${summary}`);
  assert.ok(
    afterB.every((v) => v > 0),
    `${B} serves after the swap: ${summary}`,
  );
  assert.equal(appA.rps, 0);
  assert.ok(appB.rps > 5, `${B} at ${appB.rps} req/s`);
  const errors = [...m.apps, ...m.unrouted].reduce(
    (n, s) => n + total(window(m, s.errors5xx, loadStart, m.to)) + total(window(m, s.errors4xx, loadStart, m.to)),
    0,
  );
  assert.equal(
    errors,
    0,
    `errors in the view: ${JSON.stringify(m.apps.map((x) => [x.name, total(x.errors5xx), total(x.errors4xx)]))} unrouted ${JSON.stringify(m.unrouted.map((u) => u.host))}`,
  );
  // Where routes moved: the router's markers (route-move) and this window's own (action), inside the swap.
  const moves = m.markers.filter((x) => x.kind === 'route-move' && x.time >= swapAt - 1000 && x.time <= swapDone + 1000);
  assert.ok(
    moves.some((x) => x.label.startsWith(`${A}.localhost`) && x.label.includes(`+${B}`)),
    summary,
  );
  assert.ok(
    moves.some((x) => x.label.startsWith(`${A}.localhost`) && x.label.includes(`−${A}`)),
    summary,
  );
  assert.ok(
    m.markers.some((x) => x.kind === 'action' && x.label === `Swap routes of ${A} and ${B}`),
    summary,
  );

  // The webview's DOM: what the SVG draws, and a picture of the panel.
  await waitFor('the webview to draw the last model', () => (a.ctx.traffic.lastRendered?.seq ?? 0) >= m.seq, 10_000);
  const dom = await screenshot('traffic-swap', 800);
  if (dom) {
    const view = dom.webviews?.find((w: WebviewDom) => w.view === 'traffic');
    assert.ok(view, `no traffic webview in the page: ${JSON.stringify(dom.webviews)}`);
    assert.equal(view.state, 'ok');
    assert.match(view.title, new RegExp(`Traffic · .*${A}.*${B}|Traffic · .*${B}.*${A}`));
    const req = view.charts.find((c) => c.id === 'requests');
    assert.ok(req, JSON.stringify(view.charts.map((c) => c.id)));
    for (const app of [A, B]) {
      const s = req.series.find((x) => x.app === app && /\bapp\b/.test(x.cls));
      assert.ok(s && s.points > 10, `requests series of ${app}: ${JSON.stringify(req.series)}`);
      // Coloured from the theme (a resolved colour, not the CSS default "none").
      assert.match(s.stroke, /^(rgb|#)/, s.stroke);
    }
    assert.notEqual(req.series.find((x) => x.app === A)!.stroke, req.series.find((x) => x.app === B)!.stroke, 'one colour per app');
    for (const app of [A, B]) {
      drawn[app] = { color: m.apps.find((x) => x.name === app)!.color, stroke: req.series.find((x) => x.app === app && /\bapp\b/.test(x.cls))!.stroke };
    }
    // The swap's markers (the router's two moves and this window's action, within a second) are labelled apart.
    assert.ok(
      req.labels.some((l) => l.kind === 'action' && l.label === `Swap routes of ${A} and ${B}`),
      JSON.stringify(req.labels),
    );
    assertLabelsApart(req);
    // The legend says which window its counts cover.
    assert.deepEqual(
      view.legendHeader.map((th) => th.text),
      ['app', 'req/s now', 'requests (last 5 min)', '5xx', '4xx'],
    );
    assert.ok(
      req.markers.some((x) => x.kind === 'route-move' && x.label.startsWith(`${A}.localhost`)),
      JSON.stringify(req.markers),
    );
    assert.ok(
      view.charts.some((c) => c.id === 'errors'),
      'an errors chart',
    );
    assert.equal(view.charts.find((c) => c.id === 'errors')!.label, 'Error responses per second: none');
    assert.ok(
      view.legend.some((r) => r.startsWith(B)),
      JSON.stringify(view.legend),
    );
  }
  // Put the routes back for the tests that follow.
  assert.ok(await vscode.commands.executeCommand('cfpush.swapRoutes', B, A), lastError(a));
  await expectBody(urls[A]!, 'hello a');
});

test('traffic view: labels of route moves close in time never overlap; an app keeps its colour in another view; requests counted over the last 5 min', async () => {
  const a = await api();
  assert.ok(drawn[A] && drawn[B], 'the swap view ran first');
  // Another view, of B alone: B is no longer second of two.
  const appB = await appOf(a, B);
  assert.ok(await vscode.commands.executeCommand('cfpush.showTraffic', appB), lastError(a));
  await waitFor(
    `a view of ${B} alone`,
    () => {
      const m = a.ctx.traffic.lastModel;
      return m?.state === 'ok' && m.apps.length === 1 && m.apps[0]!.name === B;
    },
    30_000,
  );
  // Six moves of this window within a few tenths of a second (plus the swaps before): labels must stagger.
  const t0 = Date.now();
  for (let i = 1; i <= 6; i++) {
    a.ctx.traffic.mark(appB.session, `Move ${i}: ${B}.localhost → ${B}`, [B]);
    await new Promise((r) => setTimeout(r, 60));
  }
  const m = await waitFor(
    'the six moves in the view',
    () => {
      const x = a.ctx.traffic.lastModel;
      return x && x.markers.filter((k) => k.kind === 'action' && k.time >= t0).length === 6 && (a.ctx.traffic.lastRendered?.seq ?? 0) >= x.seq ? x : undefined;
    },
    15_000,
  );
  const b = m.apps[0]!;
  assert.equal(b.color, drawn[B]!.color, `${B}'s colour slot in a view of its own`);
  // The totals count the last 5 minutes of the series, exactly.
  assert.equal(m.windowMs, 5 * 60_000);
  assert.equal(b.totals.requests, total(b.requests.slice(-m.windowMs / m.bucketMs)));
  const dom = await screenshot('traffic-labels', 800);
  if (dom) {
    const view = dom.webviews?.find((w) => w.view === 'traffic');
    assert.ok(view, JSON.stringify(dom.webviews));
    const req = view.charts.find((c) => c.id === 'requests')!;
    const series = req.series.find((x) => x.app === B && /\bapp\b/.test(x.cls));
    assert.equal(series?.stroke, drawn[B]!.stroke, `${B} is drawn in the same colour as in the swap view`);
    const ours = req.labels.filter((l) => l.kind === 'action' && l.time >= t0);
    assert.ok(ours.length >= 3, `at least three of the six close moves are labelled: ${JSON.stringify(req.labels)}`);
    assert.ok(
      ours.some((l) => l.label === `Move 6: ${B}.localhost → ${B}`),
      'the latest move is labelled',
    );
    assert.ok(new Set(req.labels.map((l) => l.row)).size >= 3, `labels stagger over rows: ${JSON.stringify(req.labels.map((l) => [l.text, l.row]))}`);
    assertLabelsApart(req);
    const th = view.legendHeader.find((x) => x.text.startsWith('requests'));
    assert.equal(th?.text, 'requests (last 5 min)');
    assert.match(th?.title ?? '', /last 5 min/);
  }
});

test('traffic view on a target without traffic data says so plainly', async () => {
  const a = await api();
  const traffic = a.ctx.traffic;
  traffic.readerOptions = { skipCounters: true, skipLogCache: true };
  try {
    assert.ok(await vscode.commands.executeCommand('cfpush.showTraffic', await appOf(a, B)), lastError(a));
    await waitFor('the "no traffic data" state', () => traffic.lastModel?.state === 'unavailable' && traffic.lastRendered?.state === 'unavailable', 20_000);
    assert.match(traffic.lastModel!.message ?? '', /offers no traffic data/);
    const dom = await screenshot('traffic-unavailable', 600);
    if (dom) {
      const view = dom.webviews?.find((w) => w.view === 'traffic');
      assert.ok(view, JSON.stringify(dom.webviews));
      assert.equal(view.state, 'unavailable');
      assert.match(view.text, /No traffic data .*offers no traffic data/);
      assert.deepEqual(view.charts, []);
    }
  } finally {
    traffic.readerOptions = {};
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
});

test('a blue-green push opens the traffic view by itself and follows both versions through the renames', async () => {
  const a = await api();
  try {
    const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.pushBlueGreen', vscode.Uri.file(appCopy(B)));
    assert.ok(pushed, `blue-green push: ${lastError(a)}`);
    await expectBody(urls[B]!, 'hello b');
    // The old version (now NAME-previous) and the new one (NAME-next, now NAME): by guid, so renames do not lose them.
    const m = await waitFor(
      'both versions in the view',
      () => {
        const x = a.ctx.traffic.lastModel;
        return x?.state === 'ok' && x.apps.some((p) => p.name === B) && x.apps.some((p) => p.name === `${B}-previous`) ? x : undefined;
      },
      30_000,
    );
    assert.equal(m.reason, 'blue-green push');
    assert.ok(
      m.markers.some((x) => x.kind === 'route-move' && x.label.startsWith(`${B}.localhost`)),
      JSON.stringify(m.markers.slice(-6)),
    );
    assert.ok(a.ctx.traffic.visible);
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
});
