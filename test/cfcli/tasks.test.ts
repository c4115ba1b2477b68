// The real cf CLI runs tasks on the local foundation (issue 15 item 2):
// run-task, tasks and terminate-task exit 0 with CF's output, tasks end
// SUCCEEDED or FAILED with CC's fields and failure reasons, their output is
// in the app's logs as [APP/TASK/<name>/0], they see the app's env, cfpush
// and cf see each other's tasks, CC's errors come back for bad requests, and
// a task the foundation was running when it died is failed at the next start.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually';
import { cfSession, exampleApp, NO_CF, requireCf, type CfSession } from './cf';

describe('cf CLI: tasks', { timeout: 900_000 }, () => {
  let s: CfSession | undefined;
  let guid = '';
  const curl = async (path: string, ...args: string[]) => JSON.parse((await s!.ok(['curl', path, ...args])).stdout);
  const tasks = async () => (await curl(`/v3/apps/${guid}/tasks`)).resources as any[];
  const task = async (seq: number) => (await tasks()).find((t) => t.sequence_id === seq);
  const settled = (seq: number, state = /SUCCEEDED|FAILED/) =>
    eventually(`task ${seq} ${state}`, async () => {
      const t = await task(seq);
      return state.test(t?.state) ? t : undefined;
    });

  before(async () => {
    const cf = requireCf();
    if (!cf) return;
    s = await cfSession(cf);
    await s.ok(['push', 'task-app', '-m', '64M', '-p', exampleApp('hello-node', 'task-app')]);
    await s.ok(['set-env', 'task-app', 'GREETING', 'hello-from-env']);
    guid = (await s.ok(['app', 'task-app', '--guid'])).stdout.trim();
  });
  after(async () => s?.cleanup());

  test('cf run-task runs a command with the app env; cf tasks shows SUCCEEDED and FAILED; the output is in the logs', async (t) => {
    if (!s) return t.skip(NO_CF);
    const ok = await s.ok(['run-task', 'task-app', '--command', 'echo "task says $GREETING"; echo "$VCAP_APPLICATION"', '--name', 'greet']);
    assert.match(ok.stdout, /Task has been submitted successfully for execution\./);
    assert.match(ok.stdout, /task name:\s+greet/);
    assert.match(ok.stdout, /task id:\s+1/);
    const bad = await s.ok(['run-task', 'task-app', '-c', 'exit 3', '--name', 'bad', '-m', '128M', '-k', '256M']);
    assert.match(bad.stdout, /task id:\s+2/);
    const [t1, t2] = [await settled(1), await settled(2)];
    assert.equal(t1.state, 'SUCCEEDED');
    assert.equal(t1.result.failure_reason, null);
    assert.equal(t1.command, undefined, 'lists leave the command out, as CC');
    assert.deepEqual([t1.memory_in_mb, t1.disk_in_mb], [1024, 1024], "CC's defaults");
    assert.equal(t2.state, 'FAILED');
    assert.equal(t2.result.failure_reason, 'Exited with status 3');
    assert.deepEqual([t2.memory_in_mb, t2.disk_in_mb], [128, 256]);
    const one = await curl(`/v3/tasks/${t2.guid}`);
    assert.equal(one.command, 'exit 3');
    assert.equal(one.droplet_guid, (await curl(`/v3/apps/${guid}/droplets/current`)).guid);
    assert.equal(one.links.cancel.method, 'POST');

    const list = await s.ok(['tasks', 'task-app']);
    assert.match(list.stdout, /^2\s+bad\s+FAILED\s+\w{3}, .+\[hidden\]$/m);
    assert.match(list.stdout, /^1\s+greet\s+SUCCEEDED\s+/m);
    assert.ok(list.stdout.indexOf('bad') < list.stdout.indexOf('greet'), 'newest first');

    const logs = await eventually('task logs', async () => {
      const r = await s!.ok(['logs', 'task-app', '--recent']);
      return /\[APP\/TASK\/bad\/0\]\s+OUT Exit status 3/.test(r.stdout) ? r.stdout : undefined;
    });
    assert.match(logs, /\[APP\/TASK\/greet\/0\]\s+OUT task says hello-from-env/);
    assert.match(logs, /\[APP\/TASK\/greet\/0\]\s+OUT \{"application_id":"[^"]+","application_name":"task-app"/);
    const filtered = await curl(`/v3/tasks?app_guids=${guid}&states=FAILED`);
    assert.deepEqual(
      filtered.resources.map((x: any) => x.name),
      ['bad'],
    );
  });

  test('cf terminate-task cancels a running task: FAILED "task was cancelled"; a finished one cannot be', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['run-task', 'task-app', '-c', 'sleep 600', '--name', 'long']);
    await settled(3, /RUNNING/);
    const r = await s.ok(['terminate-task', 'task-app', '3']);
    assert.match(r.stdout, /Terminating task 3 of app task-app in org org \/ space space as admin\.\.\.\s+OK/);
    const t3 = await settled(3);
    assert.equal(t3.state, 'FAILED');
    assert.equal(t3.result.failure_reason, 'task was cancelled');
    const again = await s.run(['terminate-task', 'task-app', '3']);
    assert.equal(again.code, 1);
    assert.match(again.stdout + again.stderr, /Task state is FAILED and therefore cannot be canceled/);
    const missing = await s.run(['terminate-task', 'task-app', '99']);
    assert.match(missing.stdout + missing.stderr, /Task sequence ID 99 not found\./);
    const events = await s.ok(['events', 'task-app']);
    assert.match(events.stdout, /audit\.app\.task\.create/);
    assert.match(events.stdout, /audit\.app\.task\.cancel/);
  });

  test('cfpush sees the tasks cf ran, and cf sees the ones cfpush ran', async (t) => {
    if (!s) return t.skip(NO_CF);
    const mine = JSON.parse((await s.c.ok(['tasks', 'task-app', '--json'])).stdout).tasks as any[];
    assert.deepEqual(
      mine.map((x) => [x.sequence_id, x.name, x.state]),
      [
        [3, 'long', 'FAILED'],
        [2, 'bad', 'FAILED'],
        [1, 'greet', 'SUCCEEDED'],
      ],
    );
    const run = await s.c.ok(['run-task', 'task-app', 'echo from cfpush', '--name', 'cfp']);
    assert.match(run.stdout, /task id:\s+4/);
    await settled(4);
    assert.match((await s.ok(['tasks', 'task-app'])).stdout, /^4\s+cfp\s+SUCCEEDED/m);
    await s.c.ok(['run-task', 'task-app', '-c', 'sleep 600', '--name', 'long2']);
    await settled(5, /RUNNING/);
    await s.c.ok(['terminate-task', 'task-app', '5']);
    assert.equal((await settled(5)).result.failure_reason, 'task was cancelled');
    assert.match((await s.c.ok(['tasks', 'task-app'])).stdout, /^5\s+long2\s+FAILED .* task was cancelled$/m);

    // The same two with --json: the whole output is one JSON document naming the task.
    const ran = JSON.parse((await s.c.ok(['run-task', 'task-app', '-c', 'sleep 600', '--name', 'long3', '--json'])).stdout);
    assert.equal(ran.task.sequence_id, 6);
    assert.equal(ran.task.name, 'long3');
    assert.equal(ran.task.guid, (await task(6)).guid);
    assert.match(ran.task.state, /^(PENDING|RUNNING)$/);
    await settled(6, /RUNNING/);
    const cancelled = JSON.parse((await s.c.ok(['terminate-task', 'task-app', '6', '--json'])).stdout);
    assert.equal(cancelled.app, 'task-app');
    assert.equal(cancelled.task.guid, ran.task.guid);
    assert.equal(cancelled.task.sequence_id, 6);
    assert.match(cancelled.task.state, /^(CANCELING|FAILED)$/, 'CC answers the cancel with the task CANCELING');
    assert.equal((await settled(6)).result.failure_reason, 'task was cancelled');
  });

  test("CC's errors: no droplet, the task_creation flag off, no task process", async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['create-app', 'unstaged']);
    const r = await s.run(['run-task', 'unstaged', '-c', 'echo x']);
    assert.equal(r.code, 1);
    assert.match(r.trace, /Task must have a droplet\. Specify droplet or assign current droplet to app\./);
    await s.ok(['disable-feature-flag', 'task_creation']);
    try {
      const off = await s.run(['run-task', 'task-app', '-c', 'echo x']);
      assert.equal(off.code, 1);
      assert.match(off.stdout + off.stderr, /Feature Disabled: task_creation/);
    } finally {
      await s.ok(['enable-feature-flag', 'task_creation']);
    }
    const noProcess = await s.run(['run-task', 'task-app']);
    assert.equal(noProcess.code, 1);
    assert.match(noProcess.stdout + noProcess.stderr, /Process task not found/);
  });

  test('a task running when the foundation was killed is FAILED at the next start, as CC marks lost tasks', async (t) => {
    if (!s) return t.skip(NO_CF);
    await s.ok(['run-task', 'task-app', '-c', 'sleep 600', '--name', 'lost']);
    const seq = (await tasks()).find((x) => x.name === 'lost').sequence_id as number;
    await settled(seq, /RUNNING/);
    const { pid } = JSON.parse(readFileSync(join(s.c.home, 'foundation', 'foundation.json'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await eventually('the foundation gone', async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    await s.c.ok(['foundation', 'start']);
    const lost = await task(seq);
    assert.equal(lost.state, 'FAILED');
    assert.equal(lost.result.failure_reason, 'Unable to determine completion status');
  });
});
