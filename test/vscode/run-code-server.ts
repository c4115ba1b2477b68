// Runs the extension's in-host tests in a REAL VS Code extension host without
// downloading VS Code: code-server (VS Code server) + headless chromium.
// Usage: node out/test/vscode/run-code-server.js [--keep] [--tests FILE] [--workspace DIR] [--extension DIR]
// Exit code = the suite's result (0 pass). Screenshots go to test-results/.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { INSTALL_HINT, findChromium, findCodeServer, freePort, loadPlaywright, repoRoot, stopFoundation } from './host';

const { values: args } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    tests: { type: 'string' },
    workspace: { type: 'string' },
    // A packaged layout to load instead of the repo (e.g. an unpacked .vsix).
    extension: { type: 'string' },
    timeout: { type: 'string', default: process.env.CFPUSH_VSCODE_TIMEOUT ?? '600' },
  },
});

const root = repoRoot();
/** Workbench chatter that is expected offline (AI agent host, marketplace, GitHub auth). */
const NOISE = /^\[(AgentHost|ChatModelSelection|AgentHost:remote)\b|open-vsx|ENOTFOUND|api\.github\.com|^\s+at .*workbench\.js/;
const log = (msg: string) => console.log(`[host] ${msg}`);

/**
 * Runs in the page: the workbench as a person sees it, reduced to data.
 * Tree rows (aria-label), notification toasts (message + buttons), the
 * visible lines of the panel's editor (Output) with the token classes Monaco
 * coloured them with, and status bar items.
 */
function domSummary() {
  // Runs in the browser: the DOM is untyped here (the project compiles without lib "dom").
  const d = (globalThis as any).document;
  const q = (sel: string, root: any = d): any[] => [...root.querySelectorAll(sel)];
  const text = (e: any): string => (e?.innerText ?? '').replace(/\u00a0/g, ' ');
  const tree = q('.part.sidebar .monaco-list-row').map((r) => ({
    label: r.getAttribute('aria-label') ?? '',
    level: Number(r.getAttribute('aria-level') ?? 0),
    text: text(r).replace(/\s+/g, ' ').trim(),
    selected: r.classList.contains('selected'),
    // The label and description overflow the row: VS Code cuts them with an ellipsis.
    cut: q('.monaco-icon-label-container', r).some((c: any) => c.scrollWidth > c.clientWidth + 1),
  }));
  const notifications = q('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item').map((n) => ({
    message: text(n.querySelector('.notification-list-item-message')),
    buttons: q('.notification-list-item-buttons-container .monaco-button', n)
      .map((b) => text(b).trim())
      .filter(Boolean),
  }));
  const output = q('.part.panel .monaco-editor .view-line')
    .map((l) => ({
      top: parseFloat(l.style.top || '0'),
      text: text(l),
      tokens: q(':scope > span > span', l).map((t) => ({ text: text(t), cls: String(t.className) })),
    }))
    .sort((a, b) => a.top - b.top);
  const statusbar = q('.part.statusbar .statusbar-item').map((i) => ({ id: String(i.id), text: text(i).trim(), label: i.getAttribute('aria-label') ?? '' }));
  // The command palette / quick pick when open: its rows as listed.
  const quickInput = q('.quick-input-widget .monaco-list-row').map((r) => (r.getAttribute('aria-label') ?? text(r)).replace(/\s+/g, ' ').trim());
  // A view's welcome content (an empty tree): its text and its buttons.
  const welcome = q('.part.sidebar .welcome-view-content').map((w) => ({
    text: text(w).replace(/\s+/g, ' ').trim(),
    buttons: q('.monaco-button', w).map((b) => text(b).trim()),
  }));
  // Activity bar entries and the icon each is masked with; an open extension page's name and icon.
  const activitybar = q('.part.activitybar .action-item, .part.sidebar .composite-bar .action-item').map((i) => {
    const a = i.querySelector('.action-label');
    const style = a ? (globalThis as any).getComputedStyle(a) : undefined;
    return {
      label: a?.getAttribute('aria-label') ?? '',
      icon: String(style?.getPropertyValue('mask-image') || style?.getPropertyValue('-webkit-mask-image') || ''),
    };
  });
  // Images on the Welcome page: an extension's walkthrough is listed with the extension's icon.
  const welcomePageImages = q('.gettingStartedContainer img')
    .map((e) => String(e.getAttribute('src') ?? ''))
    .filter(Boolean);
  return { tree, notifications, output, statusbar, quickInput, welcome, activitybar, welcomePageImages, panelTitle: '' };
}

/**
 * Runs in each frame of the page: a cf-push webview (body[data-cfpush-view])
 * reduced to data, what its SVG charts actually draw; null in other frames.
 */
function webviewSummary() {
  const d = (globalThis as any).document;
  const body = d?.body;
  const view = body?.getAttribute?.('data-cfpush-view');
  if (!view) return null;
  const q = (sel: string, root: any = d): any[] => [...root.querySelectorAll(sel)];
  const cs = (e: any, p: string): string => String((globalThis as any).getComputedStyle(e).getPropertyValue(p)).trim();
  return {
    view,
    state: body.getAttribute('data-state') ?? '',
    title: (d.getElementById('title')?.textContent ?? '').trim(),
    text: String(body.innerText ?? '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 2000),
    charts: q('svg.chart').map((svg) => ({
      id: String(svg.id),
      label: svg.getAttribute('aria-label') ?? '',
      series: q('path.series', svg).map((p) => ({
        app: p.getAttribute('data-app') ?? '',
        instance: p.getAttribute('data-instance') ?? undefined,
        kind: p.getAttribute('data-kind') ?? '',
        cls: String(p.getAttribute('class')),
        points: Number(p.getAttribute('data-points') ?? 0),
        // The theme colour it resolved to (CSS variables through the webview's stylesheet).
        stroke: cs(p, 'stroke'),
      })),
      markers: q('g.marker', svg).map((m) => ({
        kind: String(m.getAttribute('class')).replace(/^marker\s*/, ''),
        label: m.getAttribute('data-label') ?? '',
        time: Number(m.getAttribute('data-time') ?? 0),
      })),
      // The marker labels drawn, with the boxes they take (SVG user units, as the viewBox).
      labels: q('text.marker-label', svg).map((t) => {
        const b = t.getBBox();
        return {
          kind: t.getAttribute('data-kind') ?? '',
          label: t.getAttribute('data-label') ?? '',
          text: String(t.firstChild?.textContent ?? ''),
          time: Number(t.getAttribute('data-time') ?? 0),
          row: Number(t.getAttribute('data-row') ?? -1),
          box: { x: b.x, y: b.y, width: b.width, height: b.height },
        };
      }),
      viewBox: String(svg.getAttribute('viewBox') ?? ''),
    })),
    legendHeader: q('table.legend thead th').map((th) => ({
      text: String(th.innerText ?? '').trim(),
      title: th.getAttribute('title') ?? '',
    })),
    legend: q('table.legend tbody tr').map((r) =>
      String(r.innerText ?? '')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  };
}

/** Copies what the .vsix ships (package.json, dist bundles, buildpacks, media, syntaxes) to `dest`. */
function snapshotExtension(from: string, dest: string): string {
  for (const f of ['package.json', 'README.md']) if (existsSync(join(from, f))) cpSync(join(from, f), join(dest, f));
  for (const d of ['buildpacks', 'media', 'syntaxes']) if (existsSync(join(from, d))) cpSync(join(from, d), join(dest, d), { recursive: true });
  mkdirSync(join(dest, 'dist'), { recursive: true });
  for (const f of readdirSync(join(from, 'dist'))) cpSync(join(from, 'dist', f), join(dest, 'dist', f));
  return dest;
}

async function waitHealthy(url: string, cs: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cs.exitCode !== null) throw new Error(`code-server exited early (code ${cs.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${ms} ms`);
}

function killGroup(cs: ChildProcess): void {
  if (!cs.pid || cs.exitCode !== null) return;
  try {
    process.kill(-cs.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  setTimeout(() => {
    try {
      process.kill(-cs.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 3000).unref();
}

async function main(): Promise<number> {
  const codeServer = findCodeServer();
  const chromiumPath = findChromium();
  const pw = loadPlaywright(root, codeServer);
  if (!codeServer || !chromiumPath || !pw) {
    console.error(
      `[host] missing: ${[!codeServer && 'code-server', !chromiumPath && 'chromium', !pw && 'playwright-core'].filter(Boolean).join(', ')}. ${INSTALL_HINT}`,
    );
    return 2;
  }
  const builtTests = args.tests ?? join(root, 'out', 'test', 'vscode', 'suite', 'index.js');
  if (!existsSync(builtTests)) {
    console.error(`[host] ${builtTests} is missing: run \`npm run build\` first.`);
    return 2;
  }
  if (!existsSync(join(args.extension ?? root, 'dist', 'extension.js'))) {
    console.error('[host] dist/extension.js is missing: run `npm run build` first.');
    return 2;
  }

  // Everything the host writes lives under one throwaway folder.
  const tmp = mkdtempSync(join(tmpdir(), 'cfpush-vscode-'));
  const dir = (name: string) => {
    const p = join(tmp, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  // The host loads a snapshot of the built extension (the .vsix layout), so a
  // rebuild of dist/ or out/ while the suite runs cannot pull files from under it.
  const extension = args.extension ?? snapshotExtension(root, dir('extension'));
  const testsPath = join(dir('suite'), 'index.js');
  cpSync(builtTests, testsPath);
  if (existsSync(`${builtTests}.map`)) cpSync(`${builtTests}.map`, `${testsPath}.map`);
  const workspace = args.workspace ?? dir('workspace');
  if (!args.workspace && existsSync(join(root, 'examples', 'hello-node'))) {
    // A manifest in the workspace exercises the workspaceContains activation event.
    cpSync(join(root, 'examples', 'hello-node'), join(workspace, 'hello-node'), { recursive: true });
  }
  const [port, apiPort, routerPort] = [await freePort(), await freePort(), await freePort()];
  const cfpushHome = dir('cfpush-home');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dir('xdg/config'),
    XDG_DATA_HOME: dir('xdg/data'),
    XDG_CACHE_HOME: dir('xdg/cache'),
    XDG_STATE_HOME: dir('xdg/state'),
    TMPDIR: dir('tmp'),
    // These reach the extension host: an isolated cf-push home and foundation ports.
    CFPUSH_HOME: cfpushHome,
    CFPUSH_API_PORT: String(apiPort),
    CFPUSH_ROUTER_PORT: String(routerPort),
    CFPUSH_TEST_REPO: root,
    CFPUSH_TEST_CLI: join(extension, 'dist', 'cli.js'),
    // The suite asks for "[[screenshot:NAME]]" and reads the DOM summary the runner writes here.
    CFPUSH_TEST_DOM_DIR: dir('dom'),
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  // Quiet workbench: no chat side bar or welcome page over the tree in screenshots.
  writeFileSync(
    join(dir('user-data/User'), 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'workbench.tips.enabled': false,
      },
      null,
      2,
    ),
  );
  const configFile = join(tmp, 'code-server.yaml');
  writeFileSync(configFile, 'auth: none\n');
  const csLog = join(tmp, 'code-server.log');
  const out = openSync(csLog, 'a');
  log(`code-server ${codeServer} on 127.0.0.1:${port}; foundation api ${apiPort}, router ${routerPort}; tmp ${tmp}`);
  const cs = spawn(
    codeServer,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--config',
      configFile,
      '--user-data-dir',
      dir('user-data'),
      '--extensions-dir',
      dir('extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      // Without it the built workbench ignores the `payload` query and runs no tests.
      '--vscode-option',
      'enable-smoke-test-driver',
    ],
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  const onSignal = () => {
    killGroup(cs);
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  const shots = join(root, 'test-results');
  mkdirSync(shots, { recursive: true });
  // The whole workbench log goes to a file; stdout gets the suite and our extension.
  const hostLog = join(shots, 'vscode-host.log');
  writeFileSync(hostLog, '');
  let browser: import('playwright-core').Browser | undefined;
  let code: number;
  try {
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, cs, 60_000);
    browser = await pw.chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const screenshot = async (name: string) => {
      const file = join(shots, `vscode-${name.replace(/[^\w.-]+/g, '_')}.png`);
      await page.screenshot({ path: file, timeout: 10_000 }).then(
        () => log(`screenshot ${file}`),
        (e: Error) => log(`screenshot ${name} failed: ${e.message}`),
      );
      // What the picture shows, as data the suite asserts on (tree rows, toasts, output tokens, status bar).
      const dom: Record<string, unknown> = await page.evaluate(domSummary).catch((e: Error) => ({ error: e.message }));
      // Webviews live in nested (cross-origin) iframes: playwright reaches each frame.
      const webviews = [];
      for (const frame of page.frames()) {
        const w = await frame.evaluate(webviewSummary).catch(() => null);
        if (!w) continue;
        webviews.push(w);
        // A picture of the webview alone, next to the workbench one.
        const el = await frame.frameElement().catch(() => undefined);
        await el?.screenshot({ path: file.replace(/\.png$/, `.${w.view}.png`), timeout: 10_000 }).then(
          () => log(`screenshot ${file.replace(/\.png$/, `.${w.view}.png`)}`),
          (e: Error) => log(`webview screenshot failed: ${e.message}`),
        );
      }
      dom.webviews = webviews;
      writeFileSync(join(env.CFPUSH_TEST_DOM_DIR!, `${name}.json.tmp`), JSON.stringify(dom, null, 1));
      renameSync(join(env.CFPUSH_TEST_DOM_DIR!, `${name}.json.tmp`), join(env.CFPUSH_TEST_DOM_DIR!, `${name}.json`));
      writeFileSync(file.replace(/\.png$/, '.dom.json'), JSON.stringify(dom, null, 1));
    };
    // The suite asks for a click on a welcome view button, as a person would: "[[click-welcome:Log In to a Cloud Foundry]]".
    const clickWelcome = async (label: string) => {
      const name = `click-welcome-${label.replace(/[^\w.-]+/g, '_')}`;
      let result: { clicked: boolean; error?: string };
      try {
        await page.locator('.part.sidebar .welcome-view-content .monaco-button', { hasText: label }).first().click({ timeout: 10_000 });
        result = { clicked: true };
      } catch (e) {
        result = { clicked: false, error: (e as Error).message };
      }
      log(`${name}: ${JSON.stringify(result)}`);
      writeFileSync(join(env.CFPUSH_TEST_DOM_DIR!, `${name}.json.tmp`), JSON.stringify(result));
      renameSync(join(env.CFPUSH_TEST_DOM_DIR!, `${name}.json.tmp`), join(env.CFPUSH_TEST_DOM_DIR!, `${name}.json`));
    };
    let finish!: (code: number) => void;
    const finished = new Promise<number>((r) => (finish = r));
    await page.exposeFunction('codeAutomationLog', (type: string, logArgs: unknown[]) => {
      const text = (Array.isArray(logArgs) ? logArgs : [logArgs]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
      appendFileSync(hostLog, `[${type}] ${text}\n`);
      if (!NOISE.test(text)) console.log(text);
      // The suite asks for pictures of what a person would see: "[[screenshot:tree]]".
      const m = /\[\[screenshot:([\w.-]+)\]\]/.exec(text);
      if (m) void screenshot(m[1]);
      const click = /\[\[click-welcome:([^\]]+)\]\]/.exec(text);
      if (click) void clickWelcome(click[1]);
    });
    await page.exposeFunction('codeAutomationExit', async (exitCode: number) => {
      await screenshot('final');
      finish(exitCode);
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(extension)],
      ['extensionTestsPath', remote(testsPath)],
    ]);
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
    log(`open ${url}`);
    await page.goto(url);
    const limit = Number(args.timeout) * 1000;
    const timer = new Promise<number>((r) => setTimeout(() => r(-1), limit).unref());
    code = await Promise.race([finished, timer]);
    if (code === -1) {
      log(`timed out after ${args.timeout}s`);
      await screenshot('timeout');
      code = 1;
    }
  } catch (err) {
    log(`error: ${(err as Error).stack ?? err}`);
    code = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    killGroup(cs);
    log(stopFoundation(extension, env));
  }
  if (code !== 0) log(`code-server log (tail):\n${readFileSync(csLog, 'utf8').split('\n').slice(-40).join('\n')}`);
  if (args.keep || code !== 0) log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  log(code === 0 ? 'PASS' : `FAIL (exit ${code})`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
