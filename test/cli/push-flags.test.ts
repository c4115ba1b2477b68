// cf push's flags on cfpush push, with cf's meaning: they override the
// manifest for the one app pushed (checked in the foundation's state through
// CC v3), and combinations cf refuses are refused with cf's words.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, createWriteStream, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { ZipFile } from 'yazl';
import { httpGet } from '../../src/core/http-get';
import { cliEnv, repoRoot, type CliEnv } from '../helpers/cli';
import { needTool } from '../helpers/toolchain';

/** A .zip of the files of `dir` at its root, as `cd dir && zip -r X.zip .` makes it. */
async function zipOf(dir: string, file: string): Promise<string> {
  const zip = new ZipFile();
  for (const name of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!name.isFile()) continue;
    const full = join(name.parentPath, name.name);
    zip.addFile(full, full.slice(dir.length + 1));
  }
  zip.end();
  await finished(zip.outputStream.pipe(createWriteStream(file)));
  return file;
}

describe('cfpush push takes cf push flags', { timeout: 600_000 }, () => {
  let c: CliEnv;
  let work: string;
  let token: string;
  const api = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${c.apiPort}${path}`, { headers: { authorization: token } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as any;
  };
  const app = async (name: string) => (await api(`/v3/apps?names=${name}`)).resources[0];
  const web = async (name: string) => api(`/v3/apps/${(await app(name)).guid}/processes/web`);
  const body = async (host: string) => (await httpGet(`http://${host}.localhost:${c.routerPort}/`)).body;
  const routes = async (name: string) => (await api(`/v3/apps/${(await app(name)).guid}/routes`)).resources.map((r: any) => r.url);
  const copy = (name: string, manifest?: string) => {
    const dir = join(work, name);
    cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yml'), manifest ?? `---\napplications:\n- name: ${name}\n  memory: 64M\n`);
    return dir;
  };

  before(async () => {
    c = await cliEnv();
    await c.ok(['foundation', 'start']);
    token = (await c.ok(['oauth-token'])).stdout.trim();
    work = mkdtempSync(join(tmpdir(), 'cfpush-flags-'));
  });
  after(async () => c?.cleanup());

  it('-m -k -i -c -u --endpoint -t override the manifest for the app pushed', async () => {
    const dir = copy(
      'flags',
      '---\napplications:\n- name: flags\n  memory: 64M\n  instances: 1\n  disk_quota: 128M\n  command: node server.js --from-manifest\n',
    );
    const flags = ['-m', '96M', '-k', '256M', '-i', '2', '-c', 'node server.js', '-u', 'http', '--endpoint', '/', '-t', '30'];
    await c.ok(['push', ...flags], { cwd: dir });
    const p = await web('flags');
    assert.equal(p.memory_in_mb, 96);
    assert.equal(p.disk_in_mb, 256);
    assert.equal(p.instances, 2);
    assert.equal(p.command, 'node server.js');
    assert.equal(p.health_check.type, 'http');
    assert.equal(p.health_check.data.endpoint, '/');
    assert.equal(p.health_check.data.timeout, 30);
    // The manifest file itself is untouched, and a push without flags goes back to it.
    await c.ok(['push'], { cwd: dir });
    const again = await web('flags');
    assert.equal(again.memory_in_mb, 64);
    assert.equal(again.command, 'node server.js --from-manifest');
    // The long form of -t.
    await c.ok(['push', '--app-start-timeout', '45'], { cwd: dir });
    assert.equal((await web('flags')).health_check.data.timeout, 45);
  });

  it("-s names the stack (the app's lifecycle says it); a stack the target lacks is refused with CC's words, before any upload", async () => {
    const { stacks } = JSON.parse((await c.ok(['stacks', '--json'])).stdout);
    const stack = stacks[0].name as string;
    assert.equal(stack, 'cflinuxfs4');
    const dir = copy('stacked');
    await c.ok(['push', '-s', stack], { cwd: dir });
    assert.deepEqual((await app('stacked')).lifecycle, { type: 'buildpack', data: { buildpacks: [], stack } });
    assert.equal((await api(`/v3/apps/${(await app('stacked')).guid}/droplets/current`)).stack, stack);
    assert.equal(await body('stacked'), 'hello CF summit');

    const other = copy('stackless');
    const r = await c.run(['push', '-s', 'cflinuxfs2'], { cwd: other });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Stack must be an existing stack: 'cflinuxfs2' \(app stackless\) is not one of local's stacks\./);
    assert.match(r.stderr, /Its stacks: cflinuxfs4\. Name one of them with -s or `stack:`/);
    assert.doesNotMatch(r.stdout, /Uploading/);
    assert.equal(await app('stackless'), undefined, 'nothing created');
    // The manifest's `stack:` is checked alike, and -s overrides it.
    writeFileSync(join(other, 'manifest.yml'), '---\napplications:\n- name: stackless\n  memory: 64M\n  stack: cflinuxfs2\n');
    const fromManifest = await c.run(['push', '--preview'], { cwd: other });
    assert.equal(fromManifest.code, 1);
    assert.match(fromManifest.stderr, /Stack must be an existing stack: 'cflinuxfs2'/);
    await c.ok(['push', '-s', stack], { cwd: other });
    assert.equal((await app('stackless')).lifecycle.data.stack, stack);
  });

  it('-p with a .zip of the app: pushed as its files, the app answers through the router', async () => {
    const zip = await zipOf(join(repoRoot, 'examples', 'hello-node'), join(work, 'zipped-node.zip'));
    // No manifest where it runs, no name: the app is named after the archive, as cf names it after the folder.
    const cwd = mkdtempSync(join(tmpdir(), 'cfpush-zip-'));
    await c.ok(['push', '-p', zip, '-m', '64M'], { cwd });
    assert.equal((await app('zipped-node')).state, 'STARTED');
    assert.equal(await body('zipped-node'), 'hello CF summit');
    const [pkg] = (await api(`/v3/packages?app_guids=${(await app('zipped-node')).guid}`)).resources;
    assert.equal(pkg.type, 'bits');
    assert.equal(pkg.state, 'READY');
  });

  it('-p with an executable .jar: the java buildpack runs it, the app answers through the router', async (t) => {
    if (!needTool(t, 'javac', 'default-jdk-headless')) return;
    const dir = join(work, 'hello-java');
    cpSync(join(repoRoot, 'examples', 'hello-java'), dir, { recursive: true, filter: (f) => !f.endsWith(`${join('hello-java', 'target')}`) });
    execFileSync('bash', [join(dir, 'build.sh')], { stdio: 'pipe' });
    const r = await c.ok(['push', 'jarred', '-p', join(dir, 'target', 'hello-java.jar'), '-m', '1G'], { timeoutMs: 300_000 });
    assert.match(r.stdout, /Java Buildpack|java_buildpack/i);
    assert.equal((await app('jarred')).state, 'STARTED');
    assert.equal(await body('jarred'), 'hello CF summit');
  });

  it('--no-route removes the routes; --random-route gives a new app a random one; --task stages without starting or routing', async () => {
    const dir = copy('routed');
    await c.ok(['push'], { cwd: dir });
    assert.equal((await routes('routed')).length, 1);
    await c.ok(['push', '--no-route'], { cwd: dir });
    assert.deepEqual(await routes('routed'), []);

    const rnd = copy('rnd');
    await c.ok(['push', '--random-route'], { cwd: rnd });
    const [url] = await routes('rnd');
    assert.match(url, /^rnd-[a-z]+-[a-z]+\.localhost$|^rnd-\w+/, url);
    assert.notEqual(url, 'rnd.localhost');

    const task = copy('worker');
    await c.ok(['push', '--task'], { cwd: task });
    assert.equal((await app('worker')).state, 'STOPPED');
    assert.deepEqual(await routes('worker'), []);
    assert.ok((await api(`/v3/apps/${(await app('worker')).guid}/droplets/current`)).guid, 'staged');
  });

  it('--no-manifest ignores manifest.yml: the app is named after the folder', async () => {
    const dir = copy('plain', '---\napplications:\n- name: from-manifest\n  instances: 3\n');
    await c.ok(['push', '--no-manifest'], { cwd: dir });
    assert.ok(await app('plain'));
    assert.equal(await app('from-manifest'), undefined);
    assert.equal((await web('plain')).instances, 1);
  });

  it('-f given twice: the last one is the manifest, as the cf CLI takes a repeated single-value flag', async () => {
    const dir = copy('twice', '---\napplications:\n- name: from-first\n  memory: 64M\n');
    writeFileSync(join(dir, 'second.yml'), '---\napplications:\n- name: from-second\n  memory: 64M\n  instances: 2\n');
    await c.ok(['push', '-f', 'manifest.yml', '-f', 'second.yml'], { cwd: dir });
    assert.equal(await app('from-first'), undefined);
    assert.equal((await web('from-second')).instances, 2);
  });

  it("--vars-file and --var fill the manifest's ((variables)); --var wins over the file", async () => {
    const dir = copy('vars', '---\napplications:\n- name: ((name))\n  memory: ((mem))\n  instances: ((n))\n');
    writeFileSync(join(dir, 'vars.yml'), 'name: from-vars\nmem: 96M\nn: 1\n');
    await c.ok(['push', '--vars-file', 'vars.yml', '--var', 'n=2'], { cwd: dir });
    const w = await web('from-vars');
    assert.deepEqual([w.memory_in_mb, w.instances], [96, 2]);
    const missing = await c.run(['push', '--var', 'n=2'], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /manifest\.yml:3:9: Expected to find variables: mem, name[\s\S]*--vars-file/);
  });

  it('--docker-username needs -o and CF_DOCKER_PASSWORD, checked before anything reaches the target', async () => {
    const dir = copy('registry-user');
    const alone = await c.run(['push', '--docker-username', 'me'], { cwd: dir });
    assert.equal(alone.code, 1);
    assert.match(alone.stderr, /'--docker-image, -o' and '--docker-username' must be used together/);
    const noPassword = await c.run(['push', 'private-image', '-o', 'registry.example/app:1', '--docker-username', 'me'], {
      cwd: dir,
      env: { CF_DOCKER_PASSWORD: '' },
    });
    assert.equal(noPassword.code, 1);
    assert.match(noPassword.stderr, /Environment variable CF_DOCKER_PASSWORD not set\.[\s\S]*registry password of me/);
    assert.equal(await app('private-image'), undefined, 'nothing created');
  });

  it('a worker under the port health check: the failure names the health check, not exit 137, and -u process fixes it', async () => {
    const dir = copy('busy-worker');
    writeFileSync(join(dir, 'server.js'), 'setInterval(() => console.log("working"), 500);\n');
    const r = await c.run(['push', '-t', '2'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /busy-worker crashed while starting: every 'web' instance is CRASHED\. Timed out after 2s: health check never passed\./);
    assert.match(r.stderr, /A worker that serves no HTTP: push it with `-u process`/);
    await c.ok(['push', '-u', 'process'], { cwd: dir });
    assert.equal((await app('busy-worker')).state, 'STARTED');
    assert.equal((await web('busy-worker')).health_check.type, 'process');
  });

  it('a buildpack or a route domain the target lacks: refused by the preview, before any upload, naming what the target has', async () => {
    const dir = copy('checked');
    const bp = await c.run(['push', '-b', 'cobol_buildpack'], { cwd: dir });
    assert.equal(bp.code, 1);
    assert.match(bp.stderr, /Buildpack 'cobol_buildpack' does not exist on local\./);
    assert.match(bp.stderr, /Its buildpacks: staticfile_buildpack, java_buildpack, .*nodejs_buildpack.*binary_buildpack\./);
    assert.doesNotMatch(bp.stdout, /Uploading/);
    // The short form the local foundation takes passes.
    await c.ok(['push', '-b', 'nodejs', '--preview'], { cwd: dir });

    writeFileSync(join(dir, 'manifest.yml'), '---\napplications:\n- name: checked\n  memory: 64M\n  routes:\n  - route: checked.apps.internal\n');
    const preview = await c.run(['push', '--preview'], { cwd: dir });
    assert.equal(preview.code, 1);
    assert.match(preview.stderr, /No domains exist for route checked\.apps\.internal \(app checked\) on local\./);
    assert.match(preview.stderr, /Its domains: localhost\b.*Use one of them \(route: checked\.localhost\)/);
    assert.equal(await app('checked'), undefined, 'nothing pushed');
  });

  it('--strategy rolling --no-wait returns when the first new instance is healthy, the rollout going on', async () => {
    const dir = copy('rolling', '---\napplications:\n- name: rolling\n  memory: 64M\n  instances: 4\n');
    // Each instance takes a second to listen: the rollout of four takes several.
    writeFileSync(join(dir, 'server.js'), "setTimeout(() => require('http').createServer((q, s) => s.end('v')).listen(process.env.PORT), 1000);\n");
    await c.ok(['push'], { cwd: dir });
    writeFileSync(join(dir, 'extra.txt'), 'v2\n');
    await c.ok(['push', '--strategy', 'rolling', '--no-wait'], { cwd: dir });
    const guid = (await app('rolling')).guid;
    const [d] = (await api(`/v3/deployments?app_guids=${guid}&order_by=-created_at`)).resources;
    assert.equal(d.status.value, 'ACTIVE', 'still rolling out when the push returned');
    const stats = (await api(`/v3/processes/${d.new_processes[0].guid}/stats`)).resources;
    assert.ok(
      stats.some((x: { state: string }) => x.state === 'RUNNING'),
      'a new instance is healthy',
    );
    for (let i = 0; i < 100 && (await api(`/v3/deployments/${d.guid}`)).status.value !== 'FINALIZED'; i++) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await api(`/v3/deployments/${d.guid}`)).status.reason, 'DEPLOYED');
  });

  it("the manifest's warnings (deprecated buildpack: and host:, an unknown key) are printed once each, and the push goes on", async () => {
    const dir = copy('warned', '---\napplications:\n- name: warned\n  memory: 64M\n  buildpack: nodejs_buildpack\n  host: warned\n  colour: blue\n');
    const r = await c.ok(['push'], { cwd: dir });
    const out = r.stdout + r.stderr;
    const count = (re: RegExp) => out.match(new RegExp(re.source, 'g'))?.length ?? 0;
    const warnings: [string, RegExp][] = [
      ['buildpack:', /For application 'warned': Deprecation warning: Use of 'buildpack' attribute in manifest is deprecated in favor of 'buildpacks'\./],
      [
        'host:',
        /For application 'warned': Deprecation warning: Route component attribute 'host' is deprecated and no longer supported\. Please use 'routes' instead/,
      ],
      ['unknown key', /For application 'warned': Unknown key 'colour' is ignored by Cloud Controller/],
    ];
    for (const [what, re] of warnings) assert.equal(count(re), 1, `${what} warned once:\n${out}`);
    assert.match(r.stderr, /^Warning: For application 'warned': Deprecation warning: Use of 'buildpack'/m, 'on stderr, as a warning');
    // The deprecated key still works as cf's: the buildpack named stages the app.
    assert.equal((await app('warned')).state, 'STARTED');
    assert.deepEqual((await app('warned')).lifecycle.data.buildpacks, ['nodejs_buildpack']);
  });

  it("combinations cf refuses are refused with cf's words, before anything is pushed", async () => {
    const dir = copy('refused');
    const cases: [string[], RegExp][] = [
      [['-o', 'nginx', '-p', '.'], /The following arguments cannot be used together: --docker-image, -o, -p/],
      [['--no-route', '--random-route'], /The following arguments cannot be used together: --no-route, --random-route/],
      [['--no-manifest', '-f', 'manifest.yml'], /The following arguments cannot be used together: --no-manifest, -f/],
      [['-u', 'port', '--endpoint', '/health'], /The following arguments cannot be used together: --endpoint, --health-check-type=port/],
      [['-u', 'tcp'], /-u 'tcp' is not a health check type: use port, process or http/],
      [['-i', 'two'], /-i 'two' must be a whole number/],
      [['-m', '12Q'], /-m '12Q' must be a size such as 256M or 1G/],
    ];
    for (const [args, re] of cases) {
      const r = await c.run(['push', ...args], { cwd: dir });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, re, args.join(' '));
      assert.match(r.stderr, /Usage: cfpush push \[APP\]/);
    }
    const multi = copy('multi', '---\napplications:\n- name: m1\n- name: m2\n');
    const r = await c.run(['push', '-m', '128M'], { cwd: multi });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Command line flags \(except -f, --var, --vars-file and --no-start\) cannot be applied when pushing multiple apps/);
    assert.equal(await app('m1'), undefined, 'nothing pushed');
    assert.equal(await app('refused'), undefined, 'nothing pushed');
  });
});
