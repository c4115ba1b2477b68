// Helpers for in-host tests: the extension's API, HTTP through the local
// router, and walking the tree like a person expanding it.
import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'cf-push.cf-push';

/** Structural view of the extension's exports (its classes live in another bundle). */
export interface TreeNode {
  kind: string;
  treeItem(): vscode.TreeItem;
  app?: { name: string; state: string; guid: string };
  route?: { url: string };
}
export interface Api {
  tree: vscode.TreeDataProvider<TreeNode> & { view: vscode.TreeView<TreeNode> };
  ctx: { lastError?: unknown; output: { channel: vscode.OutputChannel } };
}

export async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

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
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** GET an app URL the way a browser would, but through 127.0.0.1 (no *.localhost DNS needed). */
export function get(url: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: Number(u.port || 80), path: u.pathname + u.search, headers: { host: u.host }, timeout: 10_000 },
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
  await waitFor(`${url} to answer "${text}"`, async () => {
    const r = await get(url);
    last = `${r.status} ${r.body.slice(0, 200)}`;
    return r.status === 200 && r.body.includes(text);
  }, ms).catch((err: Error) => {
    throw new Error(`${err.message}; last answer: ${last}`);
  });
}

export function label(node: TreeNode): string {
  const l = node.treeItem().label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export async function children(tree: Api['tree'], node?: TreeNode): Promise<TreeNode[]> {
  return (await tree.getChildren(node)) ?? [];
}

/** targets → local → its first org → targeted space → apps. */
export async function localApps(tree: Api['tree']): Promise<TreeNode[]> {
  const targets = await children(tree);
  const local = targets.find((t) => label(t) === 'local');
  assert.ok(local, `no 'local' target in ${targets.map(label)}`);
  const [org] = await children(tree, local);
  assert.equal(org?.kind, 'org', `expected an org under local, got ${org && label(org)}`);
  const spaces = await children(tree, org);
  const space = spaces.find((s) => s.treeItem().description === 'targeted') ?? spaces[0];
  assert.equal(space?.kind, 'space');
  return (await children(tree, space)).filter((n) => n.kind === 'app');
}

/** Explain a command that returned nothing: the extension keeps its last error. */
export function lastError(a: Api): string {
  const e = a.ctx.lastError as (Error & { hint?: string }) | undefined;
  return e ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : 'no error recorded';
}
