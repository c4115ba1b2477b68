// Staging benchmark (issue 16): each built-in buildpack's sample staged on
// this machine, first (empty build cache) and again with one file changed
// (the cache warm), beside `docker build` of an equivalent Dockerfile for the
// same app where an offline base image has the runtime (node: cfpush/node;
// nginx, python, ruby, php: the stack image) — the talk's two options, in the same
// run. Go and Java have no offline image with their toolchain, so they have
// no docker figure. Medians of BENCH_RUNS (default 5); prints JSON and markdown rows.
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppPath } from '../../src/core/bits';
import { buildImage } from '../../src/core/docker/build';
import { connectEngine } from '../../src/core/docker/engine';
import { stage } from '../../src/core/staging/builder';
import { repoRoot } from '../helpers/cli';
import { median } from './router-lib';

interface Sample {
  name: string;
  /** The file a re-stage changes. */
  touch: string;
  /** A Dockerfile that runs the same app from an offline image, if there is one. */
  dockerfile?: string;
  /** Prepares the copied sample (the Java jar is built first); returns the app path to stage. */
  prepare?: (dir: string) => string;
}

const SAMPLES: Sample[] = [
  { name: 'hello-node', touch: 'server.js', dockerfile: 'FROM cfpush/node\nWORKDIR /app\nCOPY . .\nUSER vcap\nCMD ["node", "server.js"]\n' },
  { name: 'hello-go', touch: 'main.go' },
  {
    name: 'hello-nginx',
    touch: 'public/index.html',
    dockerfile: 'FROM cfpush/stack:bookworm\nWORKDIR /app\nCOPY . .\nCMD ["nginx", "-p", "/app/", "-c", "/app/nginx.conf"]\n',
  },
  {
    name: 'hello-python',
    touch: 'server.py',
    dockerfile: 'FROM cfpush/stack:bookworm\nWORKDIR /app\nCOPY . .\nUSER vcap\nCMD ["python3", "server.py"]\n',
  },
  {
    name: 'hello-ruby',
    touch: 'config.ru',
    dockerfile:
      'FROM cfpush/stack:bookworm\nWORKDIR /app\nCOPY . .\nRUN bundle install --local\nUSER vcap\nCMD ["bundle", "exec", "rackup", "config.ru", "-p", "8080"]\n',
  },
  {
    name: 'hello-php',
    touch: 'index.php',
    // php's own server: the image's cost is the COPY either way (no offline image carries an httpd + php-fpm setup).
    dockerfile: 'FROM cfpush/stack:bookworm\nWORKDIR /app\nCOPY . .\nUSER vcap\nCMD ["php", "-S", "0.0.0.0:8080", "-t", "/app"]\n',
  },
  { name: 'hello-java', touch: 'src/main/java/hello/Main.java', prepare: built('hello-java.jar') },
  { name: 'hello-war', touch: 'src/main/java/hello/HelloServlet.java', prepare: built('hello-war.war') },
];

/** The Java samples: build.sh first, then the artefact is what is pushed (-p). */
function built(artefact: string): (dir: string) => string {
  return (dir) => {
    execFileSync('bash', [join(dir, 'build.sh')], { stdio: 'ignore' });
    return join(dir, 'target', artefact);
  };
}

/** A change a re-stage sees, as a comment in the file's language. */
function comment(file: string, i: number): string {
  if (file.endsWith('.html')) return `<!-- ${i} -->`;
  if (file.endsWith('.ru') || file.endsWith('.rb') || file.endsWith('.py')) return `\n# change ${i}\n`;
  return `\n// change ${i}\n`;
}

async function timeStage(appPath: string, cacheDir: string, out: string): Promise<number> {
  const t0 = performance.now();
  const folder = await openAppPath(appPath);
  try {
    await stage({ appDir: folder.dir, cacheDir, outputDroplet: out });
  } finally {
    await folder.close();
  }
  return performance.now() - t0;
}

async function main() {
  const runs = Number(process.env.BENCH_RUNS) || 5;
  const docker = await connectEngine();
  const engine = await docker.version();
  const work = mkdtempSync(join(tmpdir(), 'cfpush-bench-staging-'));
  const rows: Record<string, Record<string, number | null>> = {};
  try {
    for (const s of SAMPLES) {
      const first: number[] = [];
      const again: number[] = [];
      const dFirst: number[] = [];
      const dAgain: number[] = [];
      for (let i = 0; i < runs; i++) {
        const dir = join(work, `${s.name}-${i}`);
        cpSync(join(repoRoot, 'examples', s.name), dir, { recursive: true });
        const appPath = () => (s.prepare ? s.prepare(dir) : dir);
        const cache = join(work, `cache-${s.name}-${i}`);
        first.push(await timeStage(appPath(), cache, join(work, `${s.name}-${i}.tgz`)));
        appendFileSync(join(dir, s.touch), comment(s.touch, i));
        again.push(await timeStage(appPath(), cache, join(work, `${s.name}-${i}b.tgz`)));
        if (s.dockerfile) {
          writeFileSync(join(dir, 'Dockerfile'), s.dockerfile);
          // A file no earlier build saw: the COPY layer is built, not taken from the cache.
          writeFileSync(join(dir, '.bench-run'), `${Date.now()} ${i}`);
          let t0 = performance.now();
          await buildImage({ appDir: dir, appName: `bench-${s.name}`, docker });
          dFirst.push(performance.now() - t0);
          appendFileSync(join(dir, s.touch), '\n');
          t0 = performance.now();
          await buildImage({ appDir: dir, appName: `bench-${s.name}`, docker });
          dAgain.push(performance.now() - t0);
        }
      }
      const m = (xs: number[]) => (xs.length ? Math.round(median(xs)) : null);
      rows[s.name] = { stageFirstMs: m(first), restageMs: m(again), dockerBuildMs: m(dFirst), dockerRebuildMs: m(dAgain) };
    }
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, Docker ${engine.Version}`;
    console.log(JSON.stringify({ machine, runs, rows }, null, 2));
    for (const [name, r] of Object.entries(rows)) {
      const ratio = (a: number | null, b: number | null) => (a && b ? (a / b).toFixed(2) : 'n/a');
      console.log(
        `| ${name} | ${r.stageFirstMs} | ${r.restageMs} | ${r.dockerBuildMs ?? 'n/a'} | ${r.dockerRebuildMs ?? 'n/a'} | ${ratio(r.stageFirstMs, r.dockerBuildMs)} | ${ratio(r.restageMs, r.dockerRebuildMs)} |`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    for (const img of await docker.listImages({ filters: JSON.stringify({ reference: ['cfpush/bench-hello-*'] }) })) {
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
