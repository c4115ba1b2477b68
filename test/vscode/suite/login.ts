// Sign-in to a non-local target (the local foundation's API addressed as a
// remote CF): password and SSO passcode flows, tokens in SecretStorage, the
// push preview + confirm step for remote targets, sign out.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import {
  EXTENSION_ID,
  addTarget,
  answer,
  api,
  children,
  get,
  item,
  label,
  lastError,
  localApi,
  localCredentials,
  offered,
  palette,
  target,
  waitFor,
  ws,
  type PushedApp,
} from './util';

const NAME = 'loopback';

test('a remote target starts signed out; its tree says how to log in', async () => {
  const a = await api();
  await addTarget(a, NAME, localApi());
  const t = await waitFor('the loopback target in the tree', () => target(a.tree, NAME).catch(() => undefined));
  assert.equal(item(t).contextValue, 'target.remote.signedOut');
  assert.match(String(item(t).description), /signed out/);
  const [msg] = await children(a.tree, t);
  assert.match(label(msg!), /Signed out — click to log in/);
  assert.equal(item(msg!).command?.command, 'cfpush.login');
});

test('a wrong password names the cause and offers Retry', async () => {
  const a = await api();
  const ok = await vscode.commands.executeCommand('cfpush.login', NAME, { username: localCredentials().username, password: 'wrong' });
  assert.equal(ok, undefined);
  const r = a.ctx.reported.at(-1)!;
  assert.match(r.message, /Log in to loopback failed: Authentication failed .*Bad credentials/);
  assert.ok(r.actions.includes('Retry') && r.actions.includes('Open Log'), r.actions.join(', '));
  assert.equal(await a.ctx.tokens.stored(NAME), undefined);
});

test('log in with username and password (asked in input boxes): tokens go to SecretStorage', async () => {
  const a = await api();
  const { username, password } = localCredentials();
  const prompts = answer(a, { picks: [/Username and password/], inputs: [username, password] });
  const ok = await vscode.commands.executeCommand('cfpush.login', NAME);
  prompts.restore();
  assert.equal(ok, true, `login failed: ${lastError(a)}; asked ${prompts.asked.join(' / ')}`);
  const stored = await a.ctx.tokens.stored(NAME);
  assert.ok(stored?.accessToken, 'no token in SecretStorage');
  const t = await waitFor('signed-in target', async () => {
    const x = await target(a.tree, NAME);
    return item(x).contextValue === 'target.remote.signedIn' ? x : undefined;
  });
  const orgs = await children(a.tree, t);
  assert.equal(orgs[0]?.kind, 'org', `after login the target lists orgs: ${orgs.map(label)}`);
});

test('push to a remote target previews the change and asks; declining changes nothing', async () => {
  const a = await api();
  await vscode.workspace.getConfiguration('cfpush').update('target', NAME, vscode.ConfigurationTarget.Workspace);
  try {
    await waitFor('status bar on loopback', () => a.ctx.status.item.text.includes(NAME));
    const dir = join(ws(), 'hello-node');
    let prompts = answer(a, { confirm: null });
    assert.equal(await vscode.commands.executeCommand('cfpush.push', vscode.Uri.file(dir)), undefined);
    prompts.restore();
    assert.match(prompts.asked[0]!, /^confirm: Push hello-node to loopback \([\w-]+\/[\w-]+\)\?\nhello-node: /);
    assert.match(prompts.asked[0]!, /\[Push\|Push Blue-Green\]/);
    assert.match(a.ctx.output.lines.join('\n'), /Push not confirmed: nothing was changed/);

    prompts = answer(a, { confirm: 'Push' });
    const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
    prompts.restore();
    assert.ok(pushed, `remote push failed: ${lastError(a)}`);
    assert.equal(pushed[0]!.state, 'STARTED');
  } finally {
    await vscode.workspace.getConfiguration('cfpush').update('target', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('sign out removes the tokens; SSO passcode signs in again', async () => {
  const a = await api();
  const t = await target(a.tree, NAME);
  // Signed in (the login above): the palette offers Sign Out.
  const before = await palette('CF: Sign Out');
  if (before) assert.ok(offered(before, 'CF: Sign Out'), before.join(' | '));
  assert.equal(await vscode.commands.executeCommand('cfpush.logout', t), true);
  assert.equal(await a.ctx.tokens.stored(NAME), undefined);
  await waitFor('signed-out target', async () => item(await target(a.tree, NAME)).contextValue === 'target.remote.signedOut');
  // The only remote target signed out: nothing to sign out of, Sign Out leaves the palette.
  const after = await palette('CF: Sign Out');
  if (after) assert.ok(!offered(after, 'CF: Sign Out'), after.join(' | '));

  // The passcode page of the login server (a browser would show it after SSO).
  const { username, password } = localCredentials();
  const u = new URL('/passcode', localApi());
  u.username = username;
  u.password = password;
  const res = await get(u.toString());
  const { passcode } = JSON.parse(res.body) as { passcode: string };
  assert.ok(passcode, res.body);
  const prompts = answer(a, { picks: [/Single sign-on/], inputs: [passcode] });
  const ok = await vscode.commands.executeCommand('cfpush.login', NAME);
  prompts.restore();
  assert.equal(ok, true, `SSO login failed: ${lastError(a)}`);
  assert.ok((await a.ctx.tokens.stored(NAME))?.accessToken);
  await vscode.commands.executeCommand('cfpush.targets.focus');
  await screenshot('tree-signed-in');
});

/** An HTTP proxy in front of `upstream` that keeps each request's User-Agent. */
async function agentRecorder(upstream: string) {
  const up = new URL(upstream);
  const seen: { path: string; agent: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: `${req.method} ${req.url}`, agent: String(req.headers['user-agent']) });
    const fwd = request({ host: up.hostname, port: Number(up.port), method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test("the extension's requests name the editor: User-Agent cfpush/VERSION (node …; ARCH OS) vscode/VERSION", async () => {
  const a = await api();
  const NAME2 = 'ua-recorded';
  const proxy = await agentRecorder(localApi());
  try {
    await addTarget(a, NAME2, proxy.url);
    const { username, password } = localCredentials();
    assert.equal(await vscode.commands.executeCommand('cfpush.login', NAME2, { username, password }), true, lastError(a));
    // The tree opens the extension's session on the target (as every command does) and lists its orgs through the proxy.
    const t = await waitFor('signed-in target', async () => {
      const x = await target(a.tree, NAME2);
      return item(x).contextValue === 'target.remote.signedIn' ? x : undefined;
    });
    const orgs = await children(a.tree, t);
    assert.equal(orgs[0]?.kind, 'org', `orgs: ${orgs.map(label)}; ${lastError(a)}`);
    assert.ok(
      proxy.seen.some((r) => r.path.startsWith('GET /v3/organizations')),
      proxy.seen.map((r) => r.path).join(', '),
    );
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const ua = new RegExp(`^cfpush/${esc(ext.packageJSON.version)} \\(node \\d+\\.\\d+\\.\\d+; \\w+ \\w+\\) vscode/${esc(vscode.version)}$`);
    for (const r of proxy.seen) assert.match(r.agent, ua, r.path);
  } finally {
    await vscode.commands.executeCommand('cfpush.logout', NAME2);
    await proxy.close();
    // The recorded target goes again (later suites see the targets they made).
    const file = join(process.env.CFPUSH_HOME!, 'config.json');
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as { targets?: Record<string, unknown> };
    delete cfg.targets?.[NAME2];
    writeFileSync(file, JSON.stringify(cfg, null, 2));
    a.ctx.refresh();
  }
});
