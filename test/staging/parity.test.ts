// Parity staging (issue 5 item 6): the same builder stages the same example
// on this machine and with its buildpack scripts in the stack container
// (cfpush/stack:bookworm, as vcap). The droplets have the same layout (top
// level, app files, deps files) and start command, and both run: the host
// droplet with launchSpec, the container one inside the stack image with the
// launcher (a Java droplet names the host's JDK, which the stack image does
// not carry: it is compared and run on the host). No engine or stack image → skipped locally, failed on CI.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { createDropletContainer, DEFAULT_STACK_IMAGE } from '../../src/core/docker/stack';
import { stackRunner } from '../../src/core/docker/stack-runner';
import { stage } from '../../src/core/staging/builder';
import { extractDroplet, readStagingInfo } from '../../src/core/staging/droplet';
import { launchSpec } from '../../src/core/staging/launcher';
import { cleanUp, freePort, getWhenUp, TEST_LABEL } from '../docker/engine';
import { repoRoot } from '../helpers/cli';
import { requireStack } from '../export/stack';

/** A Java sample's artefact built by its build.sh and unpacked, as cf push -p target/NAME.jar (.war) uploads it. */
function buildJava(sample: string, artefact: string) {
  return (work: string): string => {
    const dir = mkdtempSync(join(work, `${sample}-`));
    cpSync(join(repoRoot, 'examples', sample), dir, { recursive: true, filter: (p) => !p.includes(join(sample, 'target')) });
    execFileSync('bash', [join(dir, 'build.sh')], { stdio: 'pipe' });
    const app = join(dir, 'app');
    mkdirSync(app);
    execFileSync('jar', ['xf', join(dir, 'target', artefact)], { cwd: app });
    return app;
  };
}

/** Every path under dir (dirs end with /), sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      out.push(relative(dir, p) + (st.isDirectory() ? '/' : ''));
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

describe('parity staging: host and stack container give the same droplet', { timeout: 600_000 }, () => {
  let work: string;
  let docker: Docker | undefined;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'cfpush-parity-'));
  });
  after(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    await cleanUp(docker);
  });

  const samples: { name: string; start: string | RegExp; build?: (work: string) => string; runInStack?: false }[] = [
    { name: 'hello-node', start: 'node server.js' },
    { name: 'hello-go', start: './bin/hello-go' },
    // The stack's nginx, python3, ruby, php-fpm and httpd (the stack image has them) serve the container droplets; the host's, the host droplets.
    { name: 'hello-nginx', start: 'varify ./nginx.conf' },
    { name: 'hello-python', start: 'python server.py' },
    { name: 'hello-ruby', start: 'bundle exec rackup config.ru -p $PORT' },
    { name: 'hello-php', start: '$HOME/.bp/bin/start' },
    // Staged with the host's JDK (and Tomcat's jars) mounted; the droplet names that JDK by its path, which the stack image
    // does not have, so the container droplet is compared, and the host one run.
    { name: 'hello-java', start: /eval exec java \$JAVA_OPTS -cp \$PWD\/\. hello\.Main$/, build: buildJava('hello-java', 'hello-java.jar'), runInStack: false },
    { name: 'hello-war', start: /org\.apache\.catalina\.startup\.Bootstrap start$/, build: buildJava('hello-war', 'hello-war.war'), runInStack: false },
  ];
  for (const { name, start, build, runInStack } of samples) {
    it(`${name}: same layout and start command; ${runInStack === false ? 'the host droplet runs' : 'both droplets run'}`, async (t) => {
      if (!(docker = await requireStack(t))) return;
      const appDir = build ? build(work) : join(repoRoot, 'examples', name);
      const host = await stage({ appDir, cacheDir: join(work, 'cache-host', name), outputDroplet: join(work, `${name}-host.tgz`) });
      const lines: string[] = [];
      const ctr = await stage(
        { appDir, cacheDir: join(work, 'cache-ctr', name), outputDroplet: join(work, `${name}-ctr.tgz`), log: (l) => lines.push(l) },
        { runner: stackRunner({ docker, labels: { [TEST_LABEL]: 'parity' } }) },
      );
      assert.ok(lines.includes(`Running buildpack scripts in stack container ${DEFAULT_STACK_IMAGE} (as vcap)`), lines.join('\n'));
      if (typeof start === 'string') assert.equal(ctr.startCommand, start);
      else assert.match(ctr.startCommand, start);
      assert.equal(host.startCommand, ctr.startCommand);
      assert.deepEqual(ctr.buildpacks, host.buildpacks);
      assert.deepEqual(ctr.processTypes, host.processTypes);

      const hostDir = join(work, `${name}-host`);
      const ctrDir = join(work, `${name}-ctr`);
      await extractDroplet(host.dropletPath!, hostDir);
      await extractDroplet(ctr.dropletPath!, ctrDir);
      assert.deepEqual(readdirSync(ctrDir).sort(), ['app', 'deps', 'logs', 'profile.d', 'staging_info.yml', 'tmp']);
      assert.deepEqual(readdirSync(ctrDir).sort(), readdirSync(hostDir).sort());
      assert.deepEqual(tree(join(ctrDir, 'app')), tree(join(hostDir, 'app')), 'same app files');
      assert.deepEqual(tree(join(ctrDir, 'deps')), tree(join(hostDir, 'deps')), 'same deps files');
      assert.deepEqual(await readStagingInfo(ctrDir), await readStagingInfo(hostDir));
      // The cache is this process's again after the container is gone.
      assert.equal(statSync(join(work, 'cache-ctr', name, 'final')).uid, process.getuid!());
      assert.equal((await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=parity`] } })).length, 0, 'staging container removed');

      // The host droplet on this machine, with launchSpec.
      const hostPort = await freePort();
      const spec = launchSpec({
        dropletDir: hostDir,
        port: hostPort,
        instanceIndex: 0,
        instanceGuid: 'parity-host',
        vcapApplication: { application_name: name },
        memoryMb: 1024,
      });
      const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio: 'ignore', detached: true });
      t.after(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      });
      assert.equal((await getWhenUp(`http://127.0.0.1:${hostPort}/`, 20_000)).body, 'hello CF summit');

      if (runInStack === false) return;
      // The container droplet inside the stack image, with the launcher.
      const ctrPort = await freePort();
      const container = await createDropletContainer({
        docker,
        dropletDir: ctrDir,
        startCommand: ctr.startCommand,
        hostPort: ctrPort,
        labels: { [TEST_LABEL]: 'parity-run' },
      });
      t.after(() => container.remove({ force: true }).catch(() => {}));
      await container.start();
      const up = await getWhenUp(`http://127.0.0.1:${ctrPort}/`, 20_000).catch(async (e: Error) =>
        assert.fail(`${e.message}\n${(await container.logs({ stdout: true, stderr: true })).toString('utf8')}`),
      );
      assert.equal(up.body, 'hello CF summit');
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      assert.match(logs, /Invoking pre-start scripts\.[\s\S]*Invoking start command\./);
    });
  }

  it('runs every buildpack script in the stack (Debian bookworm) as vcap', async (t) => {
    if (!(docker = await requireStack(t))) return;
    const bp = join(work, 'probe-bp');
    mkdirSync(join(bp, 'bin'), { recursive: true });
    const script = (n: string, body: string) => {
      writeFileSync(join(bp, 'bin', n), `#!/bin/bash\n${body}\n`);
      chmodSync(join(bp, 'bin', n), 0o755);
    };
    script('detect', 'echo "probe uid=$(id -u)"');
    script('compile', '. /etc/os-release; echo "compile uid=$(id -u) user=$(id -un) os=$ID $VERSION_CODENAME home=$HOME"; echo ok > "$1/probe.txt"');
    script('release', 'echo "---"; echo "default_process_types: {web: \\"cat probe.txt\\"}"');
    const app = join(work, 'probe-app');
    mkdirSync(app);
    writeFileSync(join(app, 'x.txt'), 'x');
    const lines: string[] = [];
    const res = await stage(
      { appDir: app, buildpacks: [bp], cacheDir: join(work, 'cache-probe'), outputDroplet: join(work, 'probe.tgz'), log: (l) => lines.push(l) },
      { runner: stackRunner({ docker, labels: { [TEST_LABEL]: 'parity' } }) },
    );
    assert.ok(lines.includes('compile uid=2000 user=vcap os=debian bookworm home=/home/vcap'), lines.join('\n'));
    assert.equal(res.startCommand, 'cat probe.txt');
  });
});
