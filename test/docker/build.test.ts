// Image builds with the real engine: output streamed line by line, tags per
// app and version, the failing step's output in the error, .dockerignore,
// cancellation.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { buildImage, DockerBuildError, dockerignoreFilter, imageRepository } from '../../src/core/docker/build';
import { CfPushError } from '../../src/core/errors';
import { appFolder, buildTestImage, cleanUp, requireEngine } from './engine';

let engine: Docker | undefined;
after(() => cleanUp(engine));

describe('docker build with the real engine', () => {
  test('streams the build line by line and tags cfpush/<app>:<id> and :latest; a rebuild keeps the tag', async (t) => {
    const docker = (engine = await requireEngine(t));
    if (!docker) return;
    const lines: string[] = [];
    const dockerfile = 'FROM cfpush/busybox\nRUN echo first-marker && echo second-marker\nCMD ["true"]\n';
    const built = await buildTestImage(docker, 'stream', dockerfile, {}, lines);
    assert.match(built.image, /^cfpush\/cfpush-test-stream:[0-9a-f]{12}$/);
    assert.deepEqual(built.tags, [built.image, 'cfpush/cfpush-test-stream:latest']);
    const steps = lines.filter((l) => /^Step \d\/3 : /.test(l));
    assert.deepEqual(steps, ['Step 1/3 : FROM cfpush/busybox', 'Step 2/3 : RUN echo first-marker && echo second-marker', 'Step 3/3 : CMD ["true"]']);
    const first = lines.indexOf('first-marker');
    assert.ok(first > lines.indexOf(steps[1]!) && lines[first + 1] === 'second-marker', lines.join('\n'));
    assert.ok(lines.every((l) => !l.includes('\n')));
    for (const tag of built.tags) assert.equal((await docker.getImage(tag).inspect()).Id, built.id);

    const again = await buildTestImage(docker, 'stream', dockerfile);
    assert.equal(again.image, built.image, 'same sources, same version tag (build cache)');
  });

  test('a failing RUN: the error names the step and shows its output', async (t) => {
    const docker = (engine = await requireEngine(t));
    if (!docker) return;
    const lines: string[] = [];
    const streams = new Map<string, string>();
    const err = await buildTestImage(
      docker,
      'fail',
      'FROM cfpush/busybox\nRUN echo fine\nRUN echo compiling-the-app && echo "error: missing semicolon" >&2 && exit 3\nCMD ["true"]\n',
      {},
      (line, stream) => {
        lines.push(line);
        streams.set(line, stream);
      },
    ).then(
      () => assert.fail('the build should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DockerBuildError, String(err));
    assert.equal(err.code, 'DockerBuildFailed');
    assert.equal(err.step, 'Step 3/4 : RUN echo compiling-the-app && echo "error: missing semicolon" >&2 && exit 3');
    // stdout and stderr reach the engine on separate pipes: their order may vary.
    assert.deepEqual([...err.output].sort(), ['compiling-the-app', 'error: missing semicolon']);
    assert.match(err.message, /failed at Step 3\/4 : RUN echo compiling-the-app/);
    assert.match(err.message, /\n {2}error: missing semicolon\n/);
    assert.match(err.message, /\n {2}compiling-the-app\n/);
    assert.match(err.message, /returned a non-zero code: 3/);
    assert.ok(!err.message.includes('fine'), "only the failing step's output");
    assert.ok(lines.includes('error: missing semicolon'), 'streamed as it happened');
    assert.ok(streams.get('error: missing semicolon') === 'stderr' && streams.get('compiling-the-app') === 'stdout', 'RUN stderr reported as stderr');
  });

  test("a Dockerfile the engine cannot parse, and a base image no registry has, fail with the engine's words", async (t) => {
    const docker = (engine = await requireEngine(t));
    if (!docker) return;
    const parse = await buildTestImage(docker, 'parse', 'FROM cfpush/busybox\nFROBNICATE now\n').catch((e: unknown) => e);
    assert.ok(parse instanceof DockerBuildError);
    assert.match(parse.message, /unknown instruction: FROBNICATE/i);

    const missing = await buildTestImage(docker, 'nobase', 'FROM cfpush/does-not-exist-anywhere\n').catch((e: unknown) => e);
    assert.ok(missing instanceof DockerBuildError, String(missing));
    assert.match(missing.message, /Step 1\/1 : FROM cfpush\/does-not-exist-anywhere\n/);
    assert.ok(missing.hint && /docker-host\.sh/.test(missing.hint), missing.hint);
  });

  test(".dockerignore is honoured with Docker's rules (anchored patterns, ! exceptions, Dockerfile always sent)", async (t) => {
    const docker = (engine = await requireEngine(t));
    if (!docker) return;
    const lines: string[] = [];
    await buildTestImage(
      docker,
      'ignore',
      'FROM cfpush/busybox\nCOPY . /ctx\nRUN cd /ctx && find . -type f | sort | sed "s/^/ctx: /"\n',
      {
        '.dockerignore': '# comment\nsecret.txt\nlogs\n*.md\n!README.md\nDockerfile\n/build/**/*.o\n',
        'secret.txt': 'x',
        'sub/secret.txt': 'kept: the pattern is anchored at the root',
        'logs/a.log': 'x',
        'notes.md': 'x',
        'README.md': 'kept by the exception',
        'docs/deep.md': 'kept: *.md matches the root only',
        'build/x/y.o': 'x',
        'build/x/y.c': 'kept',
        'app.js': 'kept',
      },
      lines,
    );
    const files = lines.filter((l) => l.startsWith('ctx: ')).map((l) => l.slice(5));
    // The Dockerfile is sent (the engine needs it) but, being excluded, not copied: as with `docker build`.
    assert.deepEqual(files, ['./.dockerignore', './README.md', './app.js', './build/x/y.c', './docs/deep.md', './sub/secret.txt']);
  });

  test('an aborted build stops promptly and says it was cancelled', async (t) => {
    const docker = (engine = await requireEngine(t));
    if (!docker) return;
    const dir = appFolder({ Dockerfile: 'FROM cfpush/busybox\nRUN echo started && sleep 30\n' });
    const ac = new AbortController();
    const started = Date.now();
    const err = await buildImage({
      appDir: dir,
      appName: 'cfpush-test-abort',
      docker,
      signal: ac.signal,
      log: (l) => l === 'started' && ac.abort(),
    }).catch((e: unknown) => e);
    rmSync(dir, { recursive: true, force: true });
    assert.ok(err instanceof CfPushError && err.code === 'Cancelled', String(err));
    assert.ok(Date.now() - started < 10_000, 'well before the RUN would end');
  });
});

describe('build helpers (no engine)', () => {
  test('imageRepository makes a valid repository name per app', () => {
    assert.equal(imageRepository('Hello Docker!'), 'cfpush/hello-docker');
    assert.equal(imageRepository('my_app.v2'), 'cfpush/my_app.v2');
    assert.equal(imageRepository('---'), 'cfpush/app');
  });

  test('dockerignoreFilter: no file, nothing excluded; patterns anchored at the context root', () => {
    const none = appFolder({});
    assert.equal(dockerignoreFilter(none)('anything'), false);
    const dir = appFolder({ '.dockerignore': 'node_modules\n**/*.log\n./tmp/\n' });
    const ex = dockerignoreFilter(dir);
    assert.equal(ex('node_modules/'), true);
    assert.equal(ex('src/node_modules/'), false);
    assert.equal(ex('a/b/c.log'), true);
    assert.equal(ex('tmp/'), true);
    assert.equal(ex('Dockerfile'), false);
    rmSync(none, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
});
