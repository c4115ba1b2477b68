// The java buildpack as CF's: an executable jar pushed with -p (its entries
// are the app), this machine's JDK, and the JVM's memory sized from the limit
// by CF's memory calculator at each start; a WAR runs in this machine's
// Tomcat as the ROOT web application. Sources without a jar, and a jar
// without a Main-Class, say what to do.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAppPath } from '../../src/core/bits';
import { stage } from '../../src/core/staging/builder';
import { detect } from '../../src/core/staging/detect';
import { launchSpec } from '../../src/core/staging/launcher';
import { packageRoot } from '../../src/core/paths';
import { cliEnv, type CliEnv } from '../helpers/cli';
import { findTool, needFile, needTool } from '../helpers/toolchain';
import { http, until } from '../foundation/helpers';
import { cleanupTempDirs, stagingFailure, freePort, httpGet, startProcess, tempDir, waitForHttp } from './helpers';

after(cleanupTempDirs);

const sample = join(packageRoot(), 'examples', 'hello-java');
const MiB = 1024 * 1024;

/** A copy of the sample with its jar built by build.sh (javac + jar). */
function built(): { dir: string; jar: string } {
  const dir = join(tempDir(), 'hello-java');
  cpSync(sample, dir, { recursive: true, filter: (s) => !s.includes(`${join('hello-java', 'target')}`) });
  execFileSync('bash', [join(dir, 'build.sh')], { stdio: 'pipe' });
  return { dir, jar: join(dir, 'target', 'hello-java.jar') };
}

const warSample = join(packageRoot(), 'examples', 'hello-war');

/** A copy of the WAR sample with target/hello-war.war built by its build.sh (javac against the Servlet API + jar). */
function builtWar(): { dir: string; war: string } {
  const dir = join(tempDir(), 'hello-war');
  cpSync(warSample, dir, { recursive: true, filter: (s) => !s.includes(`${join('hello-war', 'target')}`) });
  execFileSync('bash', [join(dir, 'build.sh')], { stdio: 'pipe' });
  return { dir, war: join(dir, 'target', 'hello-war.war') };
}

function haveTomcat(t: import('node:test').TestContext): boolean {
  return (
    needTool(t, 'javac', 'default-jdk-headless') &&
    needFile(t, ['/usr/share/java/tomcat10-catalina.jar', '/usr/share/java/tomcat11-catalina.jar'], 'Tomcat', 'libtomcat10-java')
  );
}

async function stageJar(jar: string, root: string, env: Record<string, string> = {}, log?: (l: string) => void) {
  const folder = await openAppPath(jar);
  try {
    const dropletDir = join(root, 'droplet');
    const r = await stage({ appDir: folder.dir, cacheDir: join(root, 'cache'), explodedDir: dropletDir, env, log });
    return { r, dropletDir };
  } finally {
    await folder.close();
  }
}

describe('java buildpack', () => {
  let jar: string;
  before(() => {
    if (findTool('javac')) jar = built().jar;
  });

  it('a source folder (pom.xml, no jar) is not an app yet: detection says so and how to build one', async (t) => {
    if (!needTool(t, 'javac', 'default-jdk-headless')) return;
    const r = await detect(sample);
    const java = r.verdicts.find((v) => v.name === 'java')!;
    assert.equal(java.matched, false);
    assert.match(
      java.output,
      /pom\.xml is Java source: CF stages a built jar, not sources\. Run \.\/mvnw package \(or mvn package\) and push the jar: cfpush push APP -p target\/APP\.jar/,
    );
  });

  it('hello-java pushed as a jar: detected as java-main, runs on this JDK, answers "hello CF summit"', async (t) => {
    if (!needTool(t, 'javac', 'default-jdk-headless')) return;
    const root = tempDir();
    const logs: string[] = [];
    const { r, dropletDir } = await stageJar(jar, root, {}, (l) => logs.push(l));
    assert.equal(r.detectedBuildpack, 'java');
    assert.match(r.startCommand, /java-buildpack-memory-calculator --total-memory=\$MEMORY_LIMIT/);
    assert.match(r.startCommand, /eval exec java \$JAVA_OPTS -cp \$PWD\/\. hello\.Main$/);
    assert.ok(
      logs.some((l) => /Using OpenJDK \d+/.test(l)),
      logs.join('\n'),
    );
    const port = await freePort();
    const app = startProcess(launchSpec({ dropletDir, port, instanceIndex: 0, instanceGuid: 'g', vcapApplication: {}, memoryMb: 1024 }));
    try {
      const res = await waitForHttp(port, app.child, 30_000).catch((e: Error) => assert.fail(`${e.message}\n${app.output()}`));
      assert.equal(res.body, 'hello CF summit');
    } finally {
      await app.stop();
    }
  });

  it("memory: a 1G app gets the heap CF's calculator gives; below what the JVM needs before any heap, the start fails naming both figures", async (t) => {
    if (!needTool(t, 'javac', 'default-jdk-headless')) return;
    const root = tempDir();
    const { dropletDir } = await stageJar(jar, root);
    // CF's estimate of loaded classes: 35 % of the app's classes plus the JDK's 42215 (Java 9+).
    const appClasses = Number(execFileSync('bash', ['-c', `find "${join(dropletDir, 'app')}" -name '*.class' | wc -l`], { encoding: 'utf8' }).trim());
    const classes = Math.ceil(0.35 * (appClasses + 42215));
    assert.equal(readFileSync(join(dropletDir, 'app', '.java-buildpack', 'class_count'), 'utf8').trim(), String(classes));
    // heap = limit − metaspace − reserved code cache − direct memory − stack × threads
    //      = 1024M − (5800 B × classes + 14000000 B) − 240M − 10M − 1M × 250
    const metaspace = 5800 * classes + 14_000_000;
    const heap = 1024 * MiB - metaspace - 240 * MiB - 10 * MiB - 250 * MiB;
    const k = (b: number) => Math.ceil(b / 1024);
    const port = await freePort();
    const app = startProcess(launchSpec({ dropletDir, port, instanceIndex: 0, instanceGuid: 'g', vcapApplication: {}, memoryMb: 1024 }));
    try {
      await waitForHttp(port, app.child, 30_000).catch((e: Error) => assert.fail(`${e.message}\n${app.output()}`));
      const args = (await httpGet(port, '/jvm')).body.split(' ');
      assert.ok(args.includes(`-Xmx${k(heap)}K`), `${args.join(' ')} has -Xmx${k(heap)}K`);
      assert.ok(args.includes(`-XX:MaxMetaspaceSize=${k(metaspace)}K`), args.join(' '));
      for (const f of ['-XX:ReservedCodeCacheSize=240M', '-XX:MaxDirectMemorySize=10M', '-Xss1M']) assert.ok(args.includes(f), f);
      assert.match(app.output(), /JVM Memory Configuration: -XX:MaxDirectMemorySize=10M/);
    } finally {
      await app.stop();
    }
    // 512M: the fixed regions alone need more; the instance exits with both figures and what to raise.
    const small = startProcess(launchSpec({ dropletDir, port: await freePort(), instanceIndex: 0, instanceGuid: 's', vcapApplication: {}, memoryMb: 512 }));
    const code = await new Promise<number | null>((resolve) => small.child.once('exit', resolve));
    assert.notEqual(code, 0);
    const need = Math.ceil((metaspace + 240 * MiB + 10 * MiB + 250 * MiB) / MiB);
    assert.match(small.output(), new RegExp(`The memory limit 512M is less than the ${need}M the JVM needs before any heap`));
    assert.match(small.output(), /Raise the memory limit above/);
    // A user's -Xmx is kept; the rest is sized around it.
    const fixed = startProcess(
      launchSpec({
        dropletDir,
        port: await freePort(),
        instanceIndex: 0,
        instanceGuid: 'x',
        vcapApplication: {},
        memoryMb: 1024,
        env: { JAVA_OPTS: '-Xmx300m' },
      }),
    );
    try {
      await until(async () => /JVM Memory Configuration/.test(fixed.output()) && fixed.output(), 30_000, 'the JVM memory line');
      assert.doesNotMatch(fixed.output(), /JVM Memory Configuration:.*-Xmx/);
    } finally {
      await fixed.stop();
    }
  });

  it("hello-war pushed as a WAR: detected as tomcat, this machine's Tomcat serves the servlet and static files on loopback", async (t) => {
    if (!haveTomcat(t)) return;
    const { war } = builtWar();
    const root = tempDir();
    const logs: string[] = [];
    const { r, dropletDir } = await stageJar(war, root, {}, (l) => logs.push(l));
    assert.equal(r.detectedBuildpack, 'java');
    assert.match(r.startCommand, /@\$PWD\/\.java-buildpack\/tomcat\/classpath\.args org\.apache\.catalina\.startup\.Bootstrap start$/);
    assert.ok(
      logs.some((l) => /Tomcat \d+\.\d+\.\d+ \(\/usr\/share\/java, from this machine\): the app is its ROOT web application/.test(l)),
      logs.join('\n'),
    );
    const port = await freePort();
    const app = startProcess(
      launchSpec({ dropletDir, port, instanceIndex: 0, instanceGuid: 'g', vcapApplication: {}, memoryMb: 1024, env: { GREETING: 'from a servlet' } }),
    );
    try {
      const res = await waitForHttp(port, app.child, 60_000).catch((e: Error) => assert.fail(`${e.message}\n${app.output()}`));
      assert.equal(res.body, 'from a servlet');
      assert.equal((await httpGet(port, '/static.txt')).body, 'static file served by Tomcat\n');
      assert.match(app.output(), /JVM Memory Configuration: .*-Xmx\d+/);
      // Bound to the instance's loopback address, not every interface.
      const ss = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
      assert.match(ss, /127\.0\.0\.1\]?:/, ss);
    } finally {
      await app.stop();
    }
  });

  it('a jar without Main-Class, and a Java version this machine lacks: clear errors, nothing half-staged', async (t) => {
    if (!needTool(t, 'javac', 'default-jdk-headless')) return;
    const root = tempDir();
    const plain = join(root, 'plain');
    mkdirSync(join(plain, 'META-INF'), { recursive: true });
    writeFileSync(join(plain, 'META-INF', 'MANIFEST.MF'), 'Manifest-Version: 1.0\r\nCreated-By: test\r\n\r\n');
    writeFileSync(join(plain, 'Lib.class'), 'not really a class');
    const e = await stagingFailure(stage({ appDir: plain, cacheDir: join(root, 'c1'), explodedDir: join(root, 'd1') }));
    assert.match(e.message, /java 1\.0\.0: META-INF\/MANIFEST\.MF has no Main-Class: build the jar with one/);
    assert.equal(existsSync(join(root, 'd1')), false);
    const newer = await stagingFailure(stageJar(jar, join(root, 'n'), { JBP_CONFIG_OPEN_JDK_JRE: '{ jre: { version: 99.+ } }' }));
    assert.match(newer.message, /JBP_CONFIG_OPEN_JDK_JRE asks for Java 99; this machine has Java \d+/);
    assert.match(newer.message, /apt-get install openjdk-99-jdk-headless/);
    const logs: string[] = [];
    await stageJar(jar, join(root, 'o'), { JBP_CONFIG_OPEN_JDK_JRE: '{ jre: { version: 11.+ }, memory_calculator: { stack_threads: 50 } }' }, (l) =>
      logs.push(l),
    );
    assert.ok(
      logs.some((l) => /asks for Java 11; running on this machine's Java \d+/.test(l)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /50 threads/.test(l)),
      logs.join('\n'),
    );
  });

  it('cfpush detect -p app.war and cfpush stage app.war take the archive, as cf push -p does', async (t) => {
    if (!haveTomcat(t)) return;
    const { war } = builtWar();
    const c = await cliEnv();
    try {
      const det = await c.run(['detect', '-p', war]);
      assert.equal(det.code, 0, det.stderr);
      assert.match(det.stdout, /✓ java\s+\S+\s+detected: tomcat/);
      const out = join(tempDir(), 'war.tgz');
      const st = await c.run(['stage', war, '-o', out]);
      assert.equal(st.code, 0, st.stderr);
      assert.match(st.stdout, /Tomcat \d+\.\d+\.\d+ .*the app is its ROOT web application/);
      assert.ok(existsSync(out));
    } finally {
      await c.cleanup();
    }
  });

  it('a WAR with no Tomcat on this machine: staging says what to install; nothing half-staged', async (t) => {
    if (!haveTomcat(t)) return;
    const root = tempDir();
    const app = join(root, 'war');
    mkdirSync(join(app, 'WEB-INF'), { recursive: true });
    writeFileSync(join(app, 'WEB-INF', 'web.xml'), '<web-app/>\n');
    // CATALINA_HOME pointing at no Tomcat, and Debian's jars out of sight, are this machine without Tomcat.
    const e = await stagingFailure(
      stage({
        appDir: app,
        cacheDir: join(root, 'c'),
        explodedDir: join(root, 'd'),
        env: { CATALINA_HOME: join(root, 'none'), CFPUSH_TOMCAT_JARS: join(root, 'none') },
      }),
    );
    assert.match(e.message, /WEB-INF\/ is a web application \(a WAR\): it runs in Tomcat, which this machine does not have/);
    assert.match(e.message, /sudo apt-get install libtomcat10-java/);
    assert.equal(existsSync(join(root, 'd')), false);
  });

  describe('on the local foundation', { timeout: 180_000 }, () => {
    let c: CliEnv | undefined;
    after(async () => {
      await c?.cleanup();
    });

    it("cfpush push with the sample's manifest (path: target/hello-java.jar, memory: 1G): staged, started, the route answers", async (t) => {
      if (!needTool(t, 'javac', 'default-jdk-headless')) return;
      c = await cliEnv();
      await c.ok(['foundation', 'start']);
      const { dir } = built();
      const r = await c.run(['push'], { cwd: dir });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const routerPort = c.routerPort;
      await until(
        async () => (await http(`http://127.0.0.1:${routerPort}/`, { headers: { host: 'hello-java.localhost' } })).text === 'hello CF summit',
        30_000,
        'hello-java answering through the router',
      );
    });

    it('cfpush push of hello-war with its manifest (path: target/hello-war.war): Tomcat serves it through the router', async (t) => {
      if (!haveTomcat(t)) return;
      if (!c) {
        c = await cliEnv();
        await c.ok(['foundation', 'start']);
      }
      const { dir } = builtWar();
      const r = await c.run(['push'], { cwd: dir });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const routerPort = c.routerPort;
      await until(
        async () => (await http(`http://127.0.0.1:${routerPort}/`, { headers: { host: 'hello-war.localhost' } })).text === 'hello CF summit',
        60_000,
        'hello-war answering through the router',
      );
    });
  });
});
