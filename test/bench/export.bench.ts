// Export time and image size (issue 8): examples/hello-node and
// examples/hello-go staged with the builder, then `exportDroplet` into an image
// FROM cfpush/stack:bookworm, against the real engine. Cold = first export
// (the droplet layer is new), warm = the same droplet again (the engine's
// build cache answers). Also: stage on the host vs in the stack container.
// Needs the engine and the stack image (bash test/hosts/docker-host.sh &&
// bash test/hosts/stack-image.sh).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine } from '../../src/core/docker/engine';
import { exportDroplet } from '../../src/core/docker/export';
import { DEFAULT_STACK_IMAGE, ensureStackImage } from '../../src/core/docker/stack';
import { stackRunner } from '../../src/core/docker/stack-runner';
import { stage } from '../../src/core/staging/builder';
import { repoRoot } from '../helpers/cli';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const ms = (n: number) => `${Math.round(n)} ms`;

async function main() {
  const docker = await connectEngine();
  const stack = await ensureStackImage({ docker, pull: false });
  const base = (await docker.getImage(stack.image).inspect()).Size;
  const work = mkdtempSync(join(tmpdir(), 'cfpush-export-bench-'));
  const rows: string[][] = [];
  try {
    for (const name of ['hello-node', 'hello-go']) {
      const appDir = join(repoRoot, 'examples', name);
      let t = performance.now();
      const host = await stage({ appDir, cacheDir: join(work, 'c-host', name), outputDroplet: join(work, `${name}.tgz`) });
      const stageHost = performance.now() - t;
      t = performance.now();
      await stage({ appDir, cacheDir: join(work, 'c-ctr', name), outputDroplet: join(work, `${name}-ctr.tgz`) }, { runner: stackRunner({ docker }) });
      const stageCtr = performance.now() - t;
      const tag = `cfpush/bench-export-${name}`;
      await docker
        .getImage(`${tag}:1`)
        .remove({ force: true })
        .catch(() => {});
      t = performance.now();
      const cold = await exportDroplet({ dropletFile: host.dropletPath!, appName: name, tag: `${tag}:1`, docker });
      const coldMs = performance.now() - t;
      t = performance.now();
      await exportDroplet({ dropletFile: host.dropletPath!, appName: name, tag: `${tag}:2`, docker });
      const warmMs = performance.now() - t;
      rows.push([name, mb(statSync(host.dropletPath!).size), ms(stageHost), ms(stageCtr), ms(coldMs), ms(warmMs), mb(cold.size), mb(cold.size - base)]);
      for (const n of [1, 2])
        await docker
          .getImage(`${tag}:${n}`)
          .remove({ force: true })
          .catch(() => {});
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`stack ${DEFAULT_STACK_IMAGE}: ${mb(base)}`);
  console.log('| app | droplet (tgz) | stage on host | stage in stack container | export (cold) | export (warm) | image size | added to stack |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
