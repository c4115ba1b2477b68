// Helpers for in-host tests: the extension's API, HTTP through the local
// router, walking the tree like a person expanding it, and answering prompts.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot } from './harness';

export const EXTENSION_ID = 'cf-push.cf-push';

/** The command palette's rows for `query` (code-server runner only; undefined elsewhere). */
export async function palette(query: string): Promise<string[] | undefined> {
  await vscode.commands.executeCommand('workbench.action.quickOpen', `>${query}`);
  const dom = await screenshot(`palette-${query.replace(/\W+/g, '-')}`, 900);
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  return dom?.quickInput;
}

/** Whether the palette's rows offer `title` (undefined rows: no page to read them from). */
export const offered = (rows: string[] | undefined, title: string): boolean | undefined => rows?.some((r) => r.startsWith(title));

/** Structural view of the extension's exports (its classes live in another bundle). */
export interface TreeNode {
  kind: string;
  treeItem(): vscode.TreeItem | Promise<vscode.TreeItem>;
  children(): Promise<TreeNode[]>;
  app?: { name: string; state: string; guid: string };
  route?: { url: string; guid: string };
  name?: string;
  session?: { target: { name: string; api: string }; space: { guid: string; name: string }; org: { name: string } };
  details?: { outdated: string[]; running: number; desired: number; builtWith?: string };
  destinations?: string[];
  /** Resolved by children() below. */
  item?: vscode.TreeItem;
}
export interface Reported {
  title: string;
  cause: string;
  hint?: string;
  code?: string;
  message: string;
  actions: string[];
}
export interface Ui {
  confirm(message: string, detail: string, ...buttons: string[]): Thenable<string | undefined>;
  pick(items: vscode.QuickPickItem[], opts: vscode.QuickPickOptions): Thenable<vscode.QuickPickItem | undefined>;
  input(opts: vscode.InputBoxOptions): Thenable<string | undefined>;
  offer(message: string, ...buttons: string[]): Thenable<string | undefined>;
}
export interface Api {
  tree: vscode.TreeDataProvider<TreeNode> & { view: vscode.TreeView<TreeNode>; generation: number };
  activation: { ms: number; coreLoaded: boolean };
  ctx: {
    lastError?: unknown;
    reported: Reported[];
    ui: Ui;
    output: { channel: vscode.OutputChannel; lines: string[]; progressShown: string[] };
    routeHistory: { entries: readonly { title: string; at: number }[] };
    status: { item: vscode.StatusBarItem };
    tokens: { stored(target: string): Promise<{ accessToken: string } | undefined> };
    manifests: { check(doc: vscode.TextDocument): vscode.Diagnostic[] };
    logs: { lines(session: unknown, appGuid: string): string[] };
    watch: { count: number };
    onStep: vscode.EventEmitter<string>;
    config: { target: string };
    refresh(): void;
    /** CF: Debug App's live sessions (src/vscode/debug.ts). */
    debug: { handles(): { app: string; appGuid: string; index: number; runtime: string; via: string; host: string; port: number }[] };
    session(o: { target?: string }): Promise<{
      cc: {
        apps: {
          processes(appGuid: string): Promise<{ guid: string; type: string }[]>;
          environmentVariables(appGuid: string): Promise<Record<string, string>>;
          sshEnabled(appGuid: string): Promise<{ enabled: boolean; reason: string }>;
          setSsh(appGuid: string, enabled: boolean): Promise<unknown>;
          start(appGuid: string): Promise<unknown>;
          stop(appGuid: string): Promise<unknown>;
        };
        processes: { stats(processGuid: string): Promise<{ index: number; state: string; uptime: number; details?: string | null }[]> };
      };
    }>;
    dnd: vscode.TreeDragAndDropController<TreeNode> & { last?: DropResult };
    traffic: {
      lastModel?: TrafficModel;
      lastRendered?: { seq: number; series: number; markers: number; state: string };
      visible: boolean;
      readerOptions?: { skipCounters?: boolean; skipLogCache?: boolean };
      /** Records that this window moved routes of `apps` now (a labelled marker). */
      mark(session: unknown, label: string, apps: string[]): void;
    };
  };
}

/** A finished drop in the tree (src/vscode/tree/dnd.ts). */
export interface DropResult {
  plan: { kind: 'move' | 'add' | 'swap'; title: string; lines: string[] };
  message: string;
  undo(): Promise<boolean>;
}

/** What the traffic view last posted to its webview (src/vscode/traffic.ts). */
export interface TrafficModel {
  seq: number;
  title: string;
  state: 'loading' | 'ok' | 'unavailable' | 'error';
  /** Why it opened by itself ("route swap", "blue-green push"). */
  reason?: string;
  message?: string;
  source?: string;
  from: number;
  to: number;
  bucketMs: number;
  /** The fixed window the legend's totals count. */
  windowMs: number;
  apps: {
    guid: string;
    name: string;
    /** Colour slot: a function of the name. */
    color: number;
    requests: number[];
    errors5xx: number[];
    errors4xx: number[];
    rps: number;
    totals: { requests: number; errors5xx: number; errors4xx: number };
    instances: { index: number }[];
  }[];
  unrouted: { host: string; requests: number[]; errors5xx: number[]; errors4xx: number[] }[];
  markers: { time: number; kind: 'route-move' | 'action'; label: string }[];
}

export async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

export const ws = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
export const repo = () => process.env.CFPUSH_TEST_REPO ?? vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;

/** The CLI of the extension under test (the runner's snapshot), for `cfpush target` and `foundation stop`. */
export const cli = () => process.env.CFPUSH_TEST_CLI ?? join(repo(), 'dist', 'cli.js');

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** GET an app URL the way a browser would, but through 127.0.0.1 (no *.localhost DNS needed). */
export function get(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(u.port || 80),
        path: u.pathname + u.search,
        headers: {
          host: u.host,
          ...(u.username
            ? { authorization: `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` }
            : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.end();
  });
}

/** Polls `url` until it answers 200 with a body containing `text` (routes settle asynchronously). */
export async function expectBody(url: string, text: string, ms = 20_000): Promise<void> {
  let last = '';
  await waitFor(
    `${url} to answer "${text}"`,
    async () => {
      const r = await get(url);
      last = `${r.status} ${r.body.slice(0, 200)}`;
      return r.status === 200 && r.body.includes(text);
    },
    ms,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last answer: ${last}`);
  });
}

export function item(node: TreeNode): vscode.TreeItem {
  assert.ok(node.item, 'node.item is resolved by children()');
  return node.item;
}

export function label(node: TreeNode): string {
  const l = item(node).label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export async function children(tree: Api['tree'], node?: TreeNode): Promise<TreeNode[]> {
  const out = (await tree.getChildren(node)) ?? [];
  for (const n of out) n.item = await n.treeItem();
  return out;
}

export async function target(tree: Api['tree'], name: string): Promise<TreeNode> {
  const targets = await children(tree);
  const t = targets.find((x) => label(x) === name);
  assert.ok(t, `no '${name}' target in ${targets.map(label)}`);
  return t;
}

/** target → its first org → targeted space. */
export async function space(tree: Api['tree'], targetName = 'local'): Promise<TreeNode> {
  const t = await target(tree, targetName);
  const [org] = await children(tree, t);
  assert.equal(org?.kind, 'org', `expected an org under ${targetName}, got ${org && label(org)}`);
  const spaces = await children(tree, org);
  const s = spaces.find((x) => String(item(x).description ?? '').includes('targeted')) ?? spaces[0];
  assert.equal(s?.kind, 'space');
  return s!;
}

export async function localApps(tree: Api['tree']): Promise<TreeNode[]> {
  return (await children(tree, await space(tree))).filter((n) => n.kind === 'app');
}

export async function appNode(tree: Api['tree'], name: string): Promise<TreeNode> {
  const apps = await localApps(tree);
  const a = apps.find((n) => label(n) === name);
  assert.ok(a, `app ${name} not in ${apps.map(label)}`);
  return a;
}

/** Explain a command that returned nothing: the extension keeps its last error. */
export function lastError(a: Api): string {
  const e = a.ctx.lastError as (Error & { hint?: string }) | undefined;
  return e ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : 'no error recorded';
}

/**
 * Answers the next prompts: confirm → first button (or the given one), pick → by label match, input → given strings,
 * offer (a notification's next step) → the given buttons in turn, else dismissed.
 */
export function answer(
  a: Api,
  script: { confirm?: string | null; picks?: RegExp[]; inputs?: string[]; offers?: string[] },
): { asked: string[]; restore(): void } {
  const saved = a.ctx.ui;
  const asked: string[] = [];
  const picks = [...(script.picks ?? [])];
  const inputs = [...(script.inputs ?? [])];
  const offers = [...(script.offers ?? [])];
  a.ctx.ui = {
    confirm: async (message, detail, ...buttons) => {
      asked.push(`confirm: ${message}\n${detail}\n[${buttons.join('|')}]`);
      return script.confirm === null ? undefined : (script.confirm ?? buttons[0]);
    },
    pick: async (items, opts) => {
      const re = picks.shift();
      asked.push(`pick ${opts.title}: ${items.map((i) => i.label).join(', ')}`);
      return re ? items.find((i) => re.test(i.label)) : undefined;
    },
    input: async (opts) => {
      asked.push(`input ${opts.title}`);
      const v = inputs.shift();
      // The box's own check runs as it would while typing: a test cannot pass what a person could not enter.
      const invalid = v === undefined ? undefined : await opts.validateInput?.(v);
      if (invalid) throw new Error(`input ${opts.title}: ${JSON.stringify(v)} is refused: ${JSON.stringify(invalid)}`);
      return v;
    },
    offer: async (message, ...buttons) => {
      asked.push(`offer: ${message} [${buttons.join('|')}]`);
      return offers.shift();
    },
  };
  return { asked, restore: () => (a.ctx.ui = saved) };
}

/** examples/hello-node copied into the workspace, optionally renamed and re-worded. */
export function appCopy(name: string, greeting?: string, extra?: (manifest: string) => string): string {
  const dir = join(ws(), name);
  if (!existsSync(dir)) cpSync(join(repo(), 'examples', 'hello-node'), dir, { recursive: true });
  const manifest = join(dir, 'manifest.yml');
  let text = readFileSync(manifest, 'utf8').replace(/name: [\w-]+/, `name: ${name}`);
  if (extra) text = extra(text);
  writeFileSync(manifest, text);
  if (greeting) {
    const server = join(dir, 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace(/res\.end\([^)]*\)/, `res.end(${JSON.stringify(greeting)})`));
  }
  return dir;
}

/** The local foundation's generated credentials (CFPUSH_HOME/foundation/credentials.json). */
export function localCredentials(): { username: string; password: string } {
  return JSON.parse(readFileSync(join(process.env.CFPUSH_HOME!, 'foundation', 'credentials.json'), 'utf8'));
}

/** The running local foundation's API URL. */
export function localApi(): string {
  return JSON.parse(readFileSync(join(process.env.CFPUSH_HOME!, 'foundation', 'foundation.json'), 'utf8')).apiUrl;
}

export interface PushedApp {
  name: string;
  guid: string;
  state: string;
  urls: string[];
  deployment?: { reason: string; canarySteps?: { current: number; total: number } };
}

/** Reveal for a screenshot; the tree may redraw meanwhile (a foundation event), so try a few times. */
/** Reveals the node `find` gives, trying a few times while the tree redraws; returns why it could not (or undefined). */
export async function reveal(
  tree: Api['tree'],
  find: () => Promise<TreeNode | undefined>,
  opts: { expand?: number | boolean } = {},
): Promise<string | undefined> {
  let why = 'the node was not found';
  for (let i = 0; i < 4; i++) {
    try {
      const node = await find();
      if (node) {
        await tree.view.reveal(node, { select: false, focus: false, expand: opts.expand ?? false });
        return undefined;
      }
    } catch (err) {
      why = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 400));
  }
  console.log(`reveal failed: ${why}`);
  return why;
}

/** Adds a target through "CF: Select Target" → "Add a Cloud Foundry target…", then goes back to the local one. */
export async function addTarget(a: Api, name: string, apiUrl: string): Promise<void> {
  const prompts = answer(a, { picks: [/Add a Cloud Foundry target/], inputs: [apiUrl, name] });
  const chosen = await vscode.commands.executeCommand('cfpush.selectTarget');
  prompts.restore();
  assert.equal(chosen, name, `add target: ${prompts.asked.join(' / ')}; ${lastError(a)}`);
  await vscode.workspace.getConfiguration('cfpush').update('target', undefined, vscode.ConfigurationTarget.Workspace);
}

const token = () => new vscode.CancellationTokenSource().token;

/** Drags `nodes` and drops them on `onto`, as the tree does: one DataTransfer through both calls. */
export async function dragDrop(a: Api, nodes: TreeNode[], onto: TreeNode): Promise<vscode.DataTransfer> {
  const data = new vscode.DataTransfer();
  await a.ctx.dnd.handleDrag!(nodes, data, token());
  await a.ctx.dnd.handleDrop!(onto, data, token());
  return data;
}

/** A row's tooltip as VS Code shows it on hover: resolved (resolveTreeItem) from an item that leaves it unset. */
export async function tooltipOf(tree: Api['tree'], node: TreeNode): Promise<string> {
  const it = await node.treeItem();
  const resolved = tree.resolveTreeItem ? await tree.resolveTreeItem(it, node, new vscode.CancellationTokenSource().token) : it;
  const t = resolved?.tooltip ?? it.tooltip;
  return typeof t === 'string' ? t : (t?.value ?? '');
}
