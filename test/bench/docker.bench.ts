// Docker benchmark (issue 5): push → serving for examples/hello-docker (image
// built by the local engine, staged from its config, run as a container) and
// for examples/hello-node (buildpack staging, a process) in the same run, on
// the same local foundation; then re-push → serving with one file changed
// (server.js gets a comment: the docker build re-runs COPY, the buildpack
// push uploads one file and stages again). Medians; prints JSON and a
// markdown row per app. Needs a real Docker engine with the offline base
// images (`bash test/hosts/docker-host.sh`).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine } from '../../src/core/docker/engine';
import { push } from '../../src/core/push';
import { openSession } from '../../src/core/targets';
import { localFoundation } from '../../src/foundation/access';
import { cliEnv, repoRoot } from '../helpers/cli';
import { untilServing } from './fixture';
import { median } from './router-lib';

const quiet = { step() {}, log() {}, warn() {} };
async function main() {
  const runs = Number(process.env.BENCH_RUNS) || 5;
  const docker = await connectEngine();
  const engine = await docker.version();
  const c = await cliEnv();
  Object.assign(process.env, c.env);
  const work = mkdtempSync(join(tmpdir(), 'cfpush-bench-docker-'));
  try {
    await c.ok(['foundation', 'start']);
    const s = await openSession({ target: 'local', local: localFoundation });
    const results: Record<string, { first: number[]; again: number[] }> = {};
    for (const ex of ['hello-docker', 'hello-node']) {
      const src = join(work, ex);
      cpSync(join(repoRoot, 'examples', ex), src, { recursive: true });
      const first: number[] = [];
      const again: number[] = [];
      // Each first push is a new app; for docker the engine's build cache is warm after the first.
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const [app] = await push(s, { dir: src, appName: `bench-${ex}-${i}` }, quiet);
        first.push(await untilServing(app!.urls[0]!, 'hello CF summit', t0));
      }
      const server = join(src, 'server.js');
      const original = readFileSync(server, 'utf8');
      for (let i = 0; i < runs; i++) {
        writeFileSync(server, `${original}// change ${i} ${Date.now()}\n`);
        const t0 = performance.now();
        const [app] = await push(s, { dir: src, appName: `bench-${ex}-0` }, quiet);
        again.push(await untilServing(app!.urls[0]!, 'hello CF summit', t0));
      }
      results[ex] = { first, again };
    }
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, Docker ${engine.Version}`;
    const summary = Object.fromEntries(
      Object.entries(results).map(([k, v]) => [
        k,
        {
          firstPushToServingMs: Math.round(median(v.first)),
          rePushToServingMs: Math.round(median(v.again)),
          first: v.first.map(Math.round),
          again: v.again.map(Math.round),
        },
      ]),
    );
    console.log(JSON.stringify({ machine, runs, ...summary }, null, 2));
    const rows = Object.entries(summary).map(
      ([k, v]) =>
        `| ${k} | ${k === 'hello-docker' ? 'Dockerfile → image → container' : 'nodejs buildpack → droplet → process'} | ${v.firstPushToServingMs} ms | ${v.rePushToServingMs} ms |`,
    );
    console.log(rows.join('\n'));
  } finally {
    await c.cleanup();
    rmSync(work, { recursive: true, force: true });
    // The benchmark's images (cfpush/bench-*) go with it; base images stay.
    for (const img of await docker.listImages()) {
      for (const tag of img.RepoTags ?? [])
        if (tag.startsWith('cfpush/bench-'))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => {});
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
