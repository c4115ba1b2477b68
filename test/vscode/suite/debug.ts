// CF: Debug App in the real host with its built-in JavaScript debugger (issue
// 20): push a copy of the node sample (http health check, 1 s timeout, every
// 1 s), start Debug App from the tree, set a breakpoint in the handler in the
// workspace file, send a request through the router: the session stops on
// that line (the droplet's path mapped back to the workspace), the request's
// url is visible; paused longer than the health check's timeout the instance
// is not restarted; continue: the request completes. Ending the session offers
// a restart without the agent.
// Through ssh (`via: 'ssh'`, the local foundation targeted as if remote): an
// app with ssh off is offered ssh, and a declined offer or a declined restart
// changes nothing; accepted, the same breakpoint flow runs over the `cf ssh -L`
// tunnel, and ending with Restart removes NODE_OPTIONS' agent, turns ssh off
// again and closes the tunnel. An instance that crashes while attached: the
// user is told (the app and the crash), the session ends, the instance runs
// without the agent. The debug port taken, a runtime without an agent here
// (a binary app), a stopped app: each reported with its cause and next step.
import * as assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { screenshot, test } from './harness';
import { answer, api, appCopy, appNode, get, item, lastError, waitFor, ws, type Api, type PushedApp } from './util';

/** Health check of the debugged app: http, 1 s per probe, one a second once RUNNING. */
const HEALTH = 'health-check-type: http\n  health-check-http-endpoint: /\n  health-check-invocation-timeout: 1\n  health-check-interval: 1\n';
/** How long the request stays at the breakpoint: five times the probe's timeout, five probes' worth. */
const PAUSE_MS = 5000;

interface Stop {
  session: vscode.DebugSession;
  threadId: number;
}

const stops: Stop[] = [];
let tracking: vscode.Disposable | undefined;
let url = '';
let dir = '';

test('CF: Debug App from the tree: a breakpoint in the workspace file stops a routed request; paused past the health check, the instance is not restarted', async () => {
  const a = await api();
  dir = appCopy('hello-debug', undefined, (m) => m.replace(/memory: 64M\n/, `memory: 64M\n  ${HEALTH}`));
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.ok(pushed, `push returned nothing: ${lastError(a)}`);
  url = pushed[0]!.urls[0]!;
  tracking = vscode.debug.registerDebugAdapterTrackerFactory('*', {
    createDebugAdapterTracker: (session) => ({
      onDidSendMessage: (m: { type?: string; event?: string; body?: { threadId?: number } }) => {
        if (m.type === 'event' && m.event === 'stopped') stops.push({ session, threadId: m.body?.threadId ?? 0 });
      },
    }),
  });
  const file = join(dir, 'server.js');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('res.writeHead')); // 0-based
  vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(file), new vscode.Position(line, 0)))]);

  const node = await appNode(a.tree, 'hello-debug');
  const started = await vscode.commands.executeCommand<boolean>('cfpush.debugApp', node);
  assert.equal(started, true, `Debug App did not start a session: ${lastError(a)}`);
  const [handle] = a.ctx.debug.handles();
  assert.ok(handle, 'a debug handle is live');
  assert.equal(handle.runtime, 'node');
  assert.equal(handle.via, 'local');

  // The breakpoint binds once the debugger has the script: send until it stops (the first request may run before).
  // A request at a breakpoint takes as long as the developer looks: no client timeout here.
  const pending: Promise<{ status: number; body: string }>[] = [];
  let sent = 0;
  const stop = await waitFor(
    'the session to stop at the breakpoint',
    () => {
      if (!stops.length && Date.now() - sent > 1000) {
        sent = Date.now();
        pending.push(get(`${url}/hit?x=1`, 120_000));
      }
      return stops[0];
    },
    30_000,
  );
  const trace = await stop.session.customRequest('stackTrace', { threadId: stop.threadId, startFrame: 0, levels: 1 });
  const frame = trace.stackFrames[0];
  // The workspace file (the droplet's path mapped back); code-server names it as a vscode-remote:// URI.
  assert.equal(vscode.Uri.parse(String(frame.source?.path)).path, file, `the frame is in the workspace file: ${frame.source?.path}`);
  assert.equal(frame.line, line + 1);
  const evaluated = await stop.session.customRequest('evaluate', { expression: 'req.url', frameId: frame.id, context: 'watch' });
  assert.match(evaluated.result, /\/hit\?x=1/, "the request's variables are visible");

  const began = Date.now();
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  const s = await a.ctx.session({ target: 'local' });
  const web = (await s.cc.apps.processes(handle.appGuid)).find((p) => p.type === 'web')!;
  const [st] = await s.cc.processes.stats(web.guid);
  assert.equal(st!.state, 'RUNNING');
  assert.ok(st!.uptime * 1000 >= PAUSE_MS - 1000, `RUNNING for ${st!.uptime} s: not restarted during the ${Date.now() - began} ms pause`);
  assert.match(String(st!.details), /^debugging: the Node\.js inspector on 127\.0\.0\.1:\d+$/);
  a.ctx.refresh();
  const described = await waitFor('the tree to say debugging', async () => {
    const d = String(item(await appNode(a.tree, 'hello-debug')).description);
    return /debugging #0/.test(d) ? d : undefined;
  });
  assert.match(described, /debugging #0/);
  await vscode.commands.executeCommand('workbench.view.debug');
  await screenshot('debug-paused', 1500);

  // Out first, so requests queued behind this one do not stop again.
  vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  await stop.session.customRequest('continue', { threadId: stop.threadId });
  const answers = await Promise.all(pending);
  assert.ok(
    answers.some((r) => r.status === 200 && r.body === 'hello CF summit'),
    JSON.stringify(answers),
  );
});

test('ending the debug session offers a restart without the agent; taken, the instance runs without it', async () => {
  const a = await api();
  const prompts = answer(a, { offers: ['Restart'] });
  try {
    const [handle] = a.ctx.debug.handles();
    assert.ok(handle);
    await vscode.debug.stopDebugging();
    await waitFor('the offer', () =>
      prompts.asked.find((q) => /Debugging hello-debug ended\. Restart instance 0 of hello-debug without the debugger\?/.test(q)),
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; asked: ${prompts.asked.join(' / ')}; reported: ${a.ctx.reported.map((r) => r.message).join(' / ')}; output: ${a.ctx.output.lines.slice(-5).join(' / ')}`,
      );
    });
    const s = await a.ctx.session({ target: 'local' });
    const web = (await s.cc.apps.processes(handle.appGuid)).find((p) => p.type === 'web')!;
    await waitFor('instance 0 without its agent', async () => {
      const [st] = await s.cc.processes.stats(web.guid);
      return st?.state === 'RUNNING' && st.details === null ? st : undefined;
    });
    assert.equal(a.ctx.debug.handles().length, 0);
    assert.equal((await get(url)).body, 'hello CF summit');
  } finally {
    prompts.restore();
    tracking?.dispose();
  }
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** The app over ssh: a copy with the default (port) health check, since over ssh the platform does not know it is being debugged. */
const SSH_APP = 'hello-sshdbg';
let sshUrl = '';
let sshGuid = '';

async function appState(a: Api, guid: string) {
  const s = await a.ctx.session({ target: 'local' });
  return {
    nodeOptions: (await s.cc.apps.environmentVariables(guid)).NODE_OPTIONS,
    ssh: (await s.cc.apps.sshEnabled(guid)).enabled,
  };
}

test('CF: Debug App over ssh on an app with ssh off: declining the ssh offer, or the restart after it, cancels with nothing changed', async () => {
  const a = await api();
  const dir = appCopy(SSH_APP);
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.ok(pushed, `push returned nothing: ${lastError(a)}`);
  sshUrl = pushed[0]!.urls[0]!;
  sshGuid = pushed[0]!.guid;
  const s = await a.ctx.session({ target: 'local' });
  await s.cc.apps.setSsh(sshGuid, false);
  const before = await appState(a, sshGuid);
  assert.deepEqual(before, { nodeOptions: undefined, ssh: false });
  const reported = a.ctx.reported.length;

  const declined = answer(a, { confirm: null });
  try {
    const started = await vscode.commands.executeCommand<boolean>('cfpush.debugApp', await appNode(a.tree, SSH_APP), { via: 'ssh' });
    assert.equal(started, false);
    assert.deepEqual(declined.asked, [
      `confirm: SSH is disabled for ${SSH_APP}. Enable it (cf enable-ssh) so the debugger can reach the instance?\n\n[Enable SSH]`,
    ]);
  } finally {
    declined.restore();
  }
  assert.deepEqual(await appState(a, sshGuid), before, 'declined: NODE_OPTIONS and ssh as they were');
  assert.ok(a.ctx.output.lines.some((l) => l.includes(`Debugging ${SSH_APP} cancelled: nothing was changed.`)));

  // Yes to ssh, no to the restart (the second confirm's button is not 'Enable SSH').
  const midway = answer(a, { confirm: 'Enable SSH' });
  try {
    const started = await vscode.commands.executeCommand<boolean>('cfpush.debugApp', await appNode(a.tree, SSH_APP), { via: 'ssh' });
    assert.equal(started, false);
    assert.equal(midway.asked.length, 2, midway.asked.join('\n'));
    assert.match(
      midway.asked[1]!,
      /^confirm: Debugging hello-sshdbg sets NODE_OPTIONS="--inspect=127\.0\.0\.1:9229" and restarts the app \(every instance\)\./,
    );
  } finally {
    midway.restore();
  }
  assert.deepEqual(await appState(a, sshGuid), before, 'cancelled mid-way: ssh turned off again, NODE_OPTIONS untouched');
  assert.equal(a.ctx.reported.length, reported, 'a cancel is not reported as an error');
  assert.equal(a.ctx.debug.handles().length, 0);
});

test("CF: Debug App through ssh: ssh and the agent accepted, a breakpoint in the workspace file stops a routed request; ending with 'Restart' removes the agent, turns ssh off again, closes the tunnel", async () => {
  const a = await api();
  const prompts = answer(a, { offers: ['Restart'] });
  const stopped: Stop[] = [];
  const tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
    createDebugAdapterTracker: (session) => ({
      onDidSendMessage: (m: { type?: string; event?: string; body?: { threadId?: number } }) => {
        if (m.type === 'event' && m.event === 'stopped') stopped.push({ session, threadId: m.body?.threadId ?? 0 });
      },
    }),
  });
  try {
    const file = join(ws(), SSH_APP, 'server.js');
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('res.writeHead'));
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(file), new vscode.Position(line, 0)))]);

    const started = await vscode.commands.executeCommand<boolean>('cfpush.debugApp', await appNode(a.tree, SSH_APP), { via: 'ssh' });
    assert.equal(started, true, `Debug App over ssh did not start a session: ${lastError(a)}`);
    assert.equal(prompts.asked.filter((q) => q.startsWith('confirm:')).length, 2, prompts.asked.join('\n'));
    const [handle] = a.ctx.debug.handles();
    assert.ok(handle);
    assert.equal(handle.via, 'ssh');
    assert.equal(handle.runtime, 'node');
    assert.equal(handle.host, '127.0.0.1');
    const tunnelPort = handle.port;
    assert.deepEqual(await appState(a, sshGuid), { nodeOptions: '--inspect=127.0.0.1:9229', ssh: true });

    const pending: Promise<{ status: number; body: string }>[] = [];
    let sent = 0;
    const stop = await waitFor(
      'the session over ssh to stop at the breakpoint',
      () => {
        if (!stopped.length && Date.now() - sent > 1000) {
          sent = Date.now();
          pending.push(get(`${sshUrl}/over-ssh?y=2`, 120_000));
        }
        return stopped[0];
      },
      30_000,
    );
    const trace = await stop.session.customRequest('stackTrace', { threadId: stop.threadId, startFrame: 0, levels: 1 });
    const frame = trace.stackFrames[0];
    assert.equal(vscode.Uri.parse(String(frame.source?.path)).path, file, `the frame is in the workspace file: ${frame.source?.path}`);
    assert.equal(frame.line, line + 1);
    const evaluated = await stop.session.customRequest('evaluate', { expression: 'req.url', frameId: frame.id, context: 'watch' });
    assert.match(evaluated.result, /\/over-ssh\?y=2/, "the request's variables are visible over the tunnel");
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    await stop.session.customRequest('continue', { threadId: stop.threadId });
    const answers = await Promise.all(pending);
    assert.ok(
      answers.some((r) => r.status === 200 && r.body === 'hello CF summit'),
      JSON.stringify(answers),
    );

    await vscode.debug.stopDebugging();
    await waitFor('the offer', () => prompts.asked.find((q) => q.includes(`Debugging ${SSH_APP} ended. Restart ${SSH_APP} without the debugger?`)));
    await waitFor('NODE_OPTIONS without the agent, ssh off again', async () => {
      const st = await appState(a, sshGuid);
      return st.nodeOptions === undefined && !st.ssh ? st : undefined;
    });
    assert.equal(await accepting(tunnelPort), false, "the tunnel's local port is closed");
    assert.equal(a.ctx.debug.handles().length, 0);
    await waitFor('the app to answer again', async () => ((await get(sshUrl)).body === 'hello CF summit' ? true : undefined), 60_000);
  } finally {
    prompts.restore();
    tracker.dispose();
  }
});

test('an instance that crashes while attached: the user is told (the app, the crash), the session ends, the instance runs without its agent', async () => {
  const a = await api();
  const prompts = answer(a, {});
  const sessions: vscode.DebugSession[] = [];
  const ended = new Set<string>();
  const watching = vscode.debug.onDidStartDebugSession((x) => sessions.push(x));
  const watchingEnd = vscode.debug.onDidTerminateDebugSession((x) => ended.add(x.id));
  try {
    const started = await vscode.commands.executeCommand<boolean>('cfpush.debugApp', await appNode(a.tree, 'hello-debug'));
    assert.equal(started, true, `Debug App did not start a session: ${lastError(a)}`);
    const [handle] = a.ctx.debug.handles();
    assert.ok(handle);
    assert.equal(handle.via, 'local');
    // js-debug's session for the process itself (a child of the launch's own): it evaluates in the app.
    const target = await waitFor('the debugged process session', () => sessions.find((x) => x.parentSession) ?? undefined);
    const reported = a.ctx.reported.length;
    // Exits a moment after answering, so the evaluate itself returns.
    await target.customRequest('evaluate', { expression: 'setTimeout(() => process.exit(3), 200), 1', context: 'repl' });
    const r = await waitFor('the crash to be reported', () => a.ctx.reported.slice(reported).find((x) => x.title === 'Debugging hello-debug stopped'));
    assert.match(r.cause, /^hello-debug instance 0 crashed while being debugged: APP\/PROC\/WEB: Exited with status 3\.$/);
    assert.ok(r.hint, 'a next step: its logs');
    await waitFor('every session it started to end', () => sessions.every((x) => ended.has(x.id))).catch((err: Error) => {
      const left = sessions.filter((x) => !ended.has(x.id)).map((x) => `${x.type} ${x.name}${x.parentSession ? ' (child)' : ''}`);
      throw new Error(`${err.message}; still running: ${left.join(', ')}; output: ${a.ctx.output.lines.slice(-6).join(' / ')}`);
    });
    assert.equal(a.ctx.debug.handles().length, 0, 'no debug handle left');
    assert.ok(!prompts.asked.some((q) => q.includes('Debugging hello-debug ended')), `no restart offer after a crash: ${prompts.asked.join(' / ')}`);
    const s = await a.ctx.session({ target: 'local' });
    const web = (await s.cc.apps.processes(handle.appGuid)).find((p) => p.type === 'web')!;
    await waitFor(
      'instance 0 running without its agent',
      async () => {
        const [st] = await s.cc.processes.stats(web.guid);
        return st?.state === 'RUNNING' && st.details === null ? st : undefined;
      },
      60_000,
    );
    assert.equal((await get(url)).body, 'hello CF summit');
  } finally {
    watching.dispose();
    watchingEnd.dispose();
    prompts.restore();
  }
});

test('Debug App reports why it cannot, with the next step, changing nothing: the debug port taken, a runtime without an agent here, a stopped app', async () => {
  const a = await api();
  const s = await a.ctx.session({ target: 'local' });
  const reportOf = async (what: string, run: () => Thenable<boolean | undefined>) => {
    const before = a.ctx.reported.length;
    assert.equal(await run(), false, `${what}: no session`);
    return waitFor(`${what} to be reported`, () => a.ctx.reported[before]);
  };
  const guid = (await appNode(a.tree, 'hello-debug')).app!.guid;
  const web = (await s.cc.apps.processes(guid)).find((p) => p.type === 'web')!;

  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await reportOf('the port taken', () =>
      vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
        type: 'cfpush',
        request: 'attach',
        name: 'Debug hello-debug',
        app: 'hello-debug',
        port,
      }),
    );
    assert.equal(r.title, 'Debugging hello-debug failed');
    assert.equal(r.cause, `Port ${port} on 127.0.0.1 is already in use, so the debug agent cannot listen there.`);
    assert.equal(r.hint, 'Pick another port, or leave it out to get a free one.');
  } finally {
    taken.close();
  }
  const [st] = await s.cc.processes.stats(web.guid);
  assert.equal(st?.details, null, 'the instance is not debugged');

  // A binary app: no runtime cf-push knows an agent for.
  const dir = appCopy('hello-nodebug', undefined, (m) =>
    m.replace(/memory: 64M\n/, 'memory: 64M\n  buildpacks: [binary_buildpack]\n  command: ./run.sh\n  health-check-type: process\n  no-route: true\n'),
  );
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\nexec sleep 100000\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  const pushed = await vscode.commands.executeCommand<PushedApp[] | undefined>('cfpush.push', vscode.Uri.file(dir));
  assert.ok(pushed, `push returned nothing: ${lastError(a)}`);
  const binary = await reportOf('a binary app', async () => vscode.commands.executeCommand<boolean>('cfpush.debugApp', await appNode(a.tree, 'hello-nodebug')));
  assert.equal(binary.title, 'Debugging hello-nodebug failed');
  assert.equal(binary.cause, 'cf-push cannot tell which runtime hello-nodebug runs (buildpack binary), so it has no debug agent for it.');
  assert.equal(binary.hint, 'Debugging is offered for Node.js, Java, Python and Go apps.');

  await s.cc.apps.stop(guid);
  try {
    const stoppedApp = await reportOf('a stopped app', async () =>
      vscode.commands.executeCommand<boolean>('cfpush.debugApp', await appNode(a.tree, 'hello-debug')),
    );
    assert.equal(stoppedApp.cause, "App 'hello-debug' is stopped, so there is no instance to debug.");
    assert.match(String(stoppedApp.hint), /Start it first/);
  } finally {
    await s.cc.apps.start(guid);
  }
  assert.equal(a.ctx.debug.handles().length, 0);
});
