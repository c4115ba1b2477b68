// `cf push` (the real cf CLI v8) beside `cfpush push` of the same app to the
// same local foundation, in one run (issue 15): a new app's first push, and a
// re-push with one file changed, each until the route serves the new version.
// The ratio cf ÷ cfpush is what a cf user gains by using cfpush here; the cf
// CLI polls staging and startup every few seconds by design.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, repoRoot } from '../helpers/cli';
import { cfBinary, CF_CLI_HINT } from '../cfcli/cf';
import { untilServing } from './fixture';
import { median } from './router-lib';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env, cwd, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || stdout}`)) : resolve(),
    ),
  );
}

async function main() {
  const cf = cfBinary();
  if (!cf) throw new Error(`the cf CLI is missing. ${CF_CLI_HINT}`);
  const runs = Number(process.env.BENCH_RUNS) || 3;
  const c = await cliEnv();
  try {
    await c.ok(['foundation', 'start']);
    const cfHome = mkdtempSync(join(tmpdir(), 'cfpush-bench-cf-'));
    const cfEnv = { ...process.env, CF_HOME: cfHome, CF_COLOR: 'false' };
    const creds = JSON.parse(readFileSync(join(c.home, 'foundation', 'credentials.json'), 'utf8')) as { username: string; password: string };
    await run(cf, ['api', `http://127.0.0.1:${c.apiPort}`, '--skip-ssl-validation'], cfEnv, cfHome);
    await run(cf, ['auth', creds.username, creds.password], cfEnv, cfHome);
    await run(cf, ['target', '-o', 'org', '-s', 'space'], cfEnv, cfHome);
    const src = join(mkdtempSync(join(tmpdir(), 'cfpush-bench-cfapp-')), 'hello-node');
    cpSync(join(repoRoot, 'examples', 'hello-node'), src, { recursive: true });
    const url = (name: string) => `http://${name}.localhost:${c.routerPort}/`;
    const tools = {
      cf: (name: string) => run(cf, ['push', name, '-p', src, '-m', '64M'], cfEnv, src),
      cfpush: (name: string) => run(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'push', name, '-p', src], c.env, src),
    };
    const times: Record<'cf' | 'cfpush', { first: number[]; again: number[] }> = { cf: { first: [], again: [] }, cfpush: { first: [], again: [] } };
    // Alternate the two tools, so neither runs on a cooler or busier machine.
    for (let i = 0; i < runs; i++) {
      for (const tool of ['cf', 'cfpush'] as const) {
        const name = `${tool}-${i}`;
        writeFileSync(
          join(src, 'server.js'),
          readFileSync(join(repoRoot, 'examples', 'hello-node', 'server.js'), 'utf8').replaceAll('hello CF summit', `hello ${name}`),
        );
        const t0 = performance.now();
        await tools[tool](name);
        process.stderr.write(`${name}: pushed after ${Math.round(performance.now() - t0)} ms\n`);
        times[tool].first.push(await untilServing(url(name), `hello ${name}`, t0));
        writeFileSync(
          join(src, 'server.js'),
          readFileSync(join(repoRoot, 'examples', 'hello-node', 'server.js'), 'utf8').replaceAll('hello CF summit', `again ${name}`),
        );
        const t1 = performance.now();
        await tools[tool](name);
        times[tool].again.push(await untilServing(url(name), `again ${name}`, t1));
      }
    }
    const result = {
      runs,
      cfFirstPushMs: Math.round(median(times.cf.first)),
      cfpushFirstPushMs: Math.round(median(times.cfpush.first)),
      firstPushRatio: Number((median(times.cf.first) / median(times.cfpush.first)).toFixed(2)),
      cfRePushMs: Math.round(median(times.cf.again)),
      cfpushRePushMs: Math.round(median(times.cfpush.again)),
      rePushRatio: Number((median(times.cf.again) / median(times.cfpush.again)).toFixed(2)),
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `| hello-node, ${runs} runs each | ${result.cfFirstPushMs} ms | ${result.cfpushFirstPushMs} ms | ${result.firstPushRatio} | ${result.cfRePushMs} ms | ${result.cfpushRePushMs} ms | ${result.rePushRatio} |`,
    );
  } finally {
    await c.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
