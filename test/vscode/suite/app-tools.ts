// What a cf user does to a running app besides pushing it, from the tree:
// run a task (command asked, output in the app's logs, listed with its
// state), open an SSH terminal and run a command in it, edit environment
// variables (the restart offered and taken, the instance then sees the
// value), create a user-provided service, bind it by dragging it onto the
// app (VCAP_SERVICES has it; a .env for running it locally has it too) and
// unbind it, and read recent events on the app's tooltip.
import * as assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import {
  answer,
  api,
  appCopy,
  appNode,
  children,
  dragDrop,
  item,
  label,
  lastError,
  reveal,
  space,
  tooltipOf,
  waitFor,
  ws,
  type Api,
  type TreeNode,
} from './util';

const APP = 'hello-green';

interface Pty {
  output: string;
  exited: Promise<number>;
}

async function under(a: Api, kind: string): Promise<TreeNode> {
  const n = (await children(a.tree, await appNode(a.tree, APP))).find((c) => c.kind === kind);
  assert.ok(n, `no ${kind} under ${APP}`);
  return n;
}

/** CC as the tree sees it (the local foundation's API with the extension's token). */
async function cc(a: Api, path: string): Promise<any> {
  const node = await appNode(a.tree, APP);
  const session = node.session as unknown as { cc: { get(p: string): Promise<unknown> } };
  return session.cc.get(path);
}

/** Opens an SSH terminal on the app, runs `line` in it and returns what it printed up to `until`. */
async function sshRun(a: Api, line: string, until: RegExp): Promise<{ pty: Pty; terminal: vscode.Terminal; text: string }> {
  const out = await vscode.commands.executeCommand<{ pty: Pty; terminal: vscode.Terminal } | undefined>('cfpush.openSshTerminal', await appNode(a.tree, APP));
  assert.ok(out, lastError(a));
  // A prompt first: the remote shell is there before anything is typed.
  await waitFor('the remote shell prompt', () => /[$#] $/m.test(out.pty.output) || undefined, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}; terminal said: ${JSON.stringify(out.pty.output)}`);
  });
  out.terminal.sendText(line);
  const text = await waitFor(`${until} in the terminal`, () => (until.test(out.pty.output) ? out.pty.output : undefined), 30_000).catch((err: Error) => {
    throw new Error(`${err.message}; terminal said: ${JSON.stringify(out.pty.output)}`);
  });
  return { ...out, text };
}

test("Run Task from the tree: the command is asked, its output shows in the app's logs, the task is listed with how it ended", async () => {
  const a = await api();
  const prompts = answer(a, { inputs: ['echo "task from the editor: $((6*7))"'] });
  const task = await vscode.commands.executeCommand<{ state: string; sequence_id: number; name: string } | undefined>(
    'cfpush.runTask',
    await appNode(a.tree, APP),
  );
  prompts.restore();
  assert.ok(task, lastError(a));
  assert.match(prompts.asked[0]!, /Run Task on hello-green/);
  assert.equal(task.state, 'SUCCEEDED');
  const app = await appNode(a.tree, APP);
  await waitFor(
    'the task output in the app logs',
    () => a.ctx.logs.lines(app.session, app.app!.guid).some((l) => /APP\/TASK\/.*task from the editor: 42/.test(l)) || undefined,
  );
  const failed = await vscode.commands.executeCommand<{ state: string } | undefined>('cfpush.runTask', app, { command: 'exit 5', name: 'editor-fail' });
  assert.equal(failed?.state, 'FAILED');
  const nodes = await children(a.tree, await under(a, 'tasks'));
  const mine = nodes.find((n) => label(n) === `#${task.sequence_id} ${task.name}`);
  assert.ok(mine, nodes.map(label).join(', '));
  assert.equal(item(mine).contextValue, 'task.succeeded');
  const bad = nodes.find((n) => label(n).endsWith(' editor-fail'));
  assert.ok(bad);
  assert.match(String(item(bad).description), /^failed · .*5/);
});

test('Open SSH Terminal: a shell in the instance, a command run in it, its exit status ends the session', async () => {
  const a = await api();
  const { pty, terminal, text } = await sshRun(a, 'echo "in $CF_INSTANCE_INDEX: $((6*7))"; cd /', /in 0: 42/);
  assert.match(text, /Connecting to hello-green instance 0 on local/);
  await screenshot('ssh-terminal', 800);
  terminal.sendText('exit 4');
  assert.equal(await pty.exited, 4);
});

test('environment variables from the tree: add (restart offered and taken; the instance sees it), edit, remove', async () => {
  const a = await api();
  const env = await under(a, 'env');
  let prompts = answer(a, { inputs: ['GREETING_STYLE', 'loud'], offers: ['Restart'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.addEnv', env), lastError(a));
  await waitFor('the restart offer taken', () => prompts.asked.some((q) => /^offer: Set GREETING_STYLE on hello-green\. .*restart/.test(q)) || undefined);
  prompts.restore();
  const guid = (await appNode(a.tree, APP)).app!.guid;
  assert.deepEqual((await cc(a, `/v3/apps/${guid}/environment_variables`)).var, { GREETING_STYLE: 'loud' });
  // The restart ran (the offer's button): a new instance has the variable.
  await waitFor(
    'the app restarted',
    async () => (await cc(a, `/v3/audit_events?target_guids=${guid}&types=audit.app.restart`)).resources.length > 0 || undefined,
  );
  const { pty } = await sshRun(a, 'echo "style=$GREETING_STYLE"; exit 0', /style=loud/);
  assert.equal(await pty.exited, 0);

  let vars = await children(a.tree, await under(a, 'env'));
  const v = vars.find((n) => label(n) === 'GREETING_STYLE');
  assert.ok(v, vars.map(label).join(', '));
  // Masked in the tree (values are often secrets); the edit box shows it.
  assert.equal(item(v).description, '••••••');
  prompts = answer(a, { inputs: ['quiet'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.editEnv', v), lastError(a));
  prompts.restore();
  assert.deepEqual((await cc(a, `/v3/apps/${guid}/environment_variables`)).var, { GREETING_STYLE: 'quiet' });
  await reveal(a.tree, async () => (await children(a.tree, await under(a, 'env'))).find((n) => label(n) === 'GREETING_STYLE'));
  await screenshot('tree-env', 800);

  vars = await children(a.tree, await under(a, 'env'));
  assert.ok(
    await vscode.commands.executeCommand(
      'cfpush.removeEnv',
      vars.find((n) => label(n) === 'GREETING_STYLE'),
    ),
    lastError(a),
  );
  assert.deepEqual((await cc(a, `/v3/apps/${guid}/environment_variables`)).var, {});
  vars = await children(a.tree, await under(a, 'env'));
  assert.deepEqual(vars.map(label), ['No variables']);
});

test('services: create a user-provided service in the space, bind it by dragging it onto an app, unbind it', async () => {
  const a = await api();
  const folder = (await children(a.tree, await space(a.tree))).find((n) => n.kind === 'services');
  assert.ok(folder);
  // Bad credentials are refused by the box itself, as a person typing would see.
  const bad = answer(a, { inputs: ['green-db', '{"uri": '] });
  await assert.rejects(Promise.resolve(vscode.commands.executeCommand('cfpush.createService', folder)), /Not JSON/);
  bad.restore();
  const prompts = answer(a, { inputs: ['green-db', '{"uri": "postgres://u:p@127.0.0.1:5432/green"}'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.createService', folder), lastError(a));
  prompts.restore();
  const findService = async () =>
    (
      await children(
        a.tree,
        (await children(a.tree, await space(a.tree))).find((n) => n.kind === 'services'),
      )
    ).find((n) => label(n) === 'green-db');
  const svc = await findService();
  assert.ok(svc);
  assert.match(String(item(svc).description), /user-provided · not bound/);

  const offers = answer(a, { offers: [] });
  await dragDrop(a, [svc], await appNode(a.tree, APP));
  offers.restore();
  assert.ok(
    offers.asked.some((q) => /^offer: Bound green-db to hello-green\..*\[Restart\|Restage\]/.test(q)),
    offers.asked.join('\n'),
  );
  const guid = (await appNode(a.tree, APP)).app!.guid;
  const vcap = (await cc(a, `/v3/apps/${guid}/env`)).system_env_json.VCAP_SERVICES;
  assert.deepEqual(vcap['user-provided'][0].credentials, { uri: 'postgres://u:p@127.0.0.1:5432/green' });
  const bound = await findService();
  assert.match(String(item(bound!).description), /bound to 1/);
  const [binding] = await children(a.tree, bound);
  assert.equal(label(binding!), APP);
  assert.equal(item(binding!).contextValue, 'binding');
  await reveal(a.tree, async () => (await children(a.tree, await findService())).find((n) => n.kind === 'binding'));
  await screenshot('tree-services', 800);

  // Write .env for Running Locally: the same VCAP_SERVICES, for running the app outside the foundation.
  const envFile = join(ws(), 'hello-green-local.env');
  assert.equal(await vscode.commands.executeCommand('cfpush.writeDotenv', await appNode(a.tree, APP), envFile), envFile, lastError(a));
  const local = parse(readFileSync(envFile, 'utf8'));
  assert.deepEqual(JSON.parse(local.VCAP_SERVICES!)['user-provided'][0].credentials, { uri: 'postgres://u:p@127.0.0.1:5432/green' });
  assert.equal(statSync(envFile).mode & 0o777, 0o600);

  assert.equal(await vscode.commands.executeCommand('cfpush.unbindService', binding), true, lastError(a));
  assert.equal((await cc(a, `/v3/service_credential_bindings?app_guids=${guid}`)).resources.length, 0);
  assert.match(String(item((await findService())!).description), /not bound/);
});

test("the app's tooltip lists its recent events, newest first", async () => {
  const a = await api();
  const app = await appNode(a.tree, APP);
  // VS Code resolves only a tooltip the item left unset: the item must leave it so.
  assert.equal((await app.treeItem()).tooltip, undefined);
  const md = await tooltipOf(a.tree, app);
  assert.match(md, /\*\*Recent events\*\*/);
  const types = [...md.matchAll(/`(audit\.[\w.-]+)`/g)].map((m) => m[1]);
  assert.equal(types.length, 5, md);
  // The last things done to it above, newest first: the variable removed and edited, the ssh session before.
  assert.deepEqual(types.slice(0, 3), ['audit.app.update', 'audit.app.update', 'audit.app.ssh-authorized'], types.join(', '));
});

test('a manifest warning (the deprecated buildpack: key) shows in the push output, once: the extension said none before', async () => {
  const a = await api();
  const dir = appCopy('hello-warned', undefined, (m) => `${m.trimEnd()}\n  buildpack: nodejs_buildpack\n`);
  const from = a.ctx.output.lines.length;
  assert.ok(await vscode.commands.executeCommand('cfpush.push', vscode.Uri.file(dir)), lastError(a));
  const said = a.ctx.output.lines.slice(from).filter((l) => l.startsWith('⚠ '));
  assert.deepEqual(
    said.filter((l) => /Use of 'buildpack' attribute in manifest is deprecated/.test(l)),
    ["⚠ For application 'hello-warned': Deprecation warning: Use of 'buildpack' attribute in manifest is deprecated in favor of 'buildpacks'."],
    said.join('\n'),
  );
  const prompts = answer(a, { inputs: ['hello-warned'] });
  assert.ok(await vscode.commands.executeCommand('cfpush.deleteApp', await appNode(a.tree, 'hello-warned')), lastError(a));
  prompts.restore();
});
