// No command ends in a bare "failed": every error path of push, restage and
// swap names its cause and offers actions that fit it.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { addTarget, api, appCopy, cli, waitFor, ws, type Api, type Reported } from './util';

/** Runs a command that must fail and returns what the notification said. */
async function fails(a: Api, command: string, ...args: unknown[]): Promise<Reported> {
  const before = a.ctx.reported.length;
  const out = await vscode.commands.executeCommand(command, ...args);
  assert.equal(out, undefined, `${command} should have failed`);
  await waitFor(`${command} to report`, () => a.ctx.reported.length > before, 5000);
  const r = a.ctx.reported.at(-1)!;
  assert.doesNotMatch(r.message, /failed\.?$/, `bare "failed": ${r.message}`);
  assert.ok(r.cause.length > 10, `no cause in: ${r.message}`);
  assert.ok(r.actions.length >= 2, `${r.message} offers only ${r.actions}`);
  console.log(`  ${command}: ${r.message} [${r.actions.join(' | ')}]`);
  return r;
}

const useTarget = (name: string | undefined) => vscode.workspace.getConfiguration('cfpush').update('target', name, vscode.ConfigurationTarget.Workspace);

test('push: manifest error → location, Go to Problem', async () => {
  const a = await api();
  const dir = join(ws(), 'broken');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yml'), 'applications:\n- name: broken\n  memory: lots\n');
  const r = await fails(a, 'cfpush.push', vscode.Uri.file(dir));
  assert.match(r.message, /memory/i);
  assert.deepEqual(r.actions, ['Go to Problem', 'Retry', 'Open Log']);
  const problems = vscode.languages.getDiagnostics(vscode.Uri.file(join(dir, 'manifest.yml')));
  assert.ok(
    problems.some((p) => p.range.start.line === 2 && p.severity === vscode.DiagnosticSeverity.Error),
    JSON.stringify(problems),
  );
});

test('push: no buildpack detects the app → Show Detection', async () => {
  const a = await api();
  const dir = join(ws(), 'nothing-here');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yml'), 'applications:\n- name: nothing-here\n');
  writeFileSync(join(dir, 'notes.txt'), 'no app here\n');
  const r = await fails(a, 'cfpush.push', vscode.Uri.file(dir));
  assert.match(r.message, /NoAppDetectedError|None of the buildpacks/);
  assert.ok(r.actions.includes('Show Detection'), r.actions.join(', '));
  const report = await vscode.commands.executeCommand<{ selected?: unknown; verdicts: unknown[] }>('cfpush.detect', vscode.Uri.file(dir));
  assert.ok(report && !report.selected && report.verdicts.length >= 3);
});

test('push: the app crashes at start → its last output, Retry', async () => {
  const a = await api();
  const dir = appCopy('hello-crash');
  writeFileSync(join(dir, 'server.js'), "console.error('boom: missing DATABASE_URL'); process.exit(1);\n");
  const r = await fails(a, 'cfpush.push', vscode.Uri.file(dir));
  assert.match(r.message, /hello-crash crashed while starting/);
  assert.match(r.message, /boom: missing DATABASE_URL/);
  assert.ok(r.actions.includes('Retry'));
  await screenshot('push-crash-error', 800);
});

test('push / restage / swap: unreachable target → cause, Select Target', async () => {
  const a = await api();
  const port = await new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => res(p));
    });
  });
  await addTarget(a, 'deadcf', `http://127.0.0.1:${port}`);
  // Signed out, it would stop at "Not logged in"; with a (still valid) token it must go out and fail to connect.
  const jwt = `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url')}.sig`;
  // (A background status probe of the fresh target may still be clearing its empty token slot: set until it sticks.)
  const tokens = a.ctx.tokens as unknown as { set(t: string, v: { accessToken: string }): Promise<void> };
  await waitFor('the token to stick', async () => {
    await tokens.set('deadcf', { accessToken: jwt });
    await new Promise((r) => setTimeout(r, 300));
    return !!(await a.ctx.tokens.stored('deadcf'));
  });
  await useTarget('deadcf');
  try {
    for (const [cmd, ...args] of [
      ['cfpush.push', vscode.Uri.file(join(ws(), 'hello-node'))],
      ['cfpush.restage', 'hello-node'],
      ['cfpush.swapRoutes', 'hello-node', 'hello-green'],
    ] as const) {
      const r = await fails(a, cmd, ...args);
      assert.match(r.message, /Cannot reach the Cloud Foundry API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
      assert.ok(r.actions.includes('Select Target') && r.actions.includes('Retry'), r.actions.join(', '));
    }
  } finally {
    await useTarget(undefined);
  }
});

test('push / restage / swap: signed out of a remote target → Log In', async () => {
  const a = await api();
  await vscode.commands.executeCommand('cfpush.logout', 'loopback');
  await useTarget('loopback');
  try {
    for (const [cmd, ...args] of [
      ['cfpush.push', vscode.Uri.file(join(ws(), 'hello-node')), { confirm: false }],
      ['cfpush.restage', 'hello-node'],
      ['cfpush.swapRoutes', 'hello-node', 'hello-green'],
    ] as const) {
      const r = await fails(a, cmd, ...args);
      assert.match(r.message, /token for target 'loopback' expired or was revoked|log in/i);
      assert.ok(r.actions.includes('Log In'), r.actions.join(', '));
    }
  } finally {
    await useTarget(undefined);
  }
});

test('restage: unknown app / swap: unknown app or the same app twice → the cause, Retry', async () => {
  const a = await api();
  let r = await fails(a, 'cfpush.restage', 'no-such-app');
  assert.match(r.message, /App 'no-such-app' not found in space/);
  // The editor's words, not a command line: "Check the name with the Cloud Foundry view."
  assert.match(r.message, /Check the name with the Cloud Foundry view/);
  assert.doesNotMatch(r.message, /`cfpush /);
  r = await fails(a, 'cfpush.swapRoutes', 'hello-node', 'no-such-app');
  assert.match(r.message, /App 'no-such-app' not found/);
  r = await fails(a, 'cfpush.swapRoutes', 'hello-node', 'hello-node');
  assert.match(r.message, /Swap needs two different apps/);
  assert.ok(r.actions.includes('Retry'));
});

test('local foundation stopped → Start Local Foundation, which fixes it', async () => {
  const a = await api();
  await vscode.workspace.getConfiguration('cfpush').update('startLocalFoundation', false, vscode.ConfigurationTarget.Workspace);
  try {
    execFileSync(process.execPath, [cli(), 'foundation', 'stop'], { env: process.env });
    a.ctx.refresh();
    const r = await fails(a, 'cfpush.restage', 'hello-node');
    assert.match(r.message, /local foundation is not running/i);
    assert.ok(r.actions.includes('Start Local Foundation'), r.actions.join(', '));
    await waitFor('status bar: not running', () => /not running/.test(a.ctx.status.item.text), 10_000);
    // The action's command, as the button runs it.
    const api_ = await vscode.commands.executeCommand<string>('cfpush.startFoundation');
    assert.match(api_ ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, `start failed: ${JSON.stringify(a.ctx.reported.at(-1))}`);
  } finally {
    await vscode.workspace.getConfiguration('cfpush').update('startLocalFoundation', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('no error notification shown so far names a `cfpush …` command line: the editor speaks in its own commands', async () => {
  const a = await api();
  assert.ok(a.ctx.reported.length >= 8, `errors reported: ${a.ctx.reported.length}`);
  for (const r of a.ctx.reported) assert.doesNotMatch(`${r.message}\n${r.hint ?? ''}`, /`cfpush /, r.message);
});
