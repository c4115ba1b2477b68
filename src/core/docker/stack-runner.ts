// Parity staging (issue 5 item 6): the builder's buildpack scripts run inside
// a stack container instead of on this machine, with dockerode exec, as user
// vcap. The builder (core/staging/builder.ts) is the same; only its
// ScriptRunner changes, so the droplet layout is the same by construction.
//
// One container per staging (`sleep infinity`, removed at the end). The
// staging's work folder, the build cache and the buildpacks are bind-mounted
// at their host paths (buildpacks read-only), so the builder's paths and the
// scripts' arguments mean the same inside. This needs an engine on this
// machine (a remote DOCKER_HOST cannot see these folders).
//
// Toolchains: the built-in buildpacks use the machine's toolchains ("node
// from this machine", "go from this machine"), which a minbase stack does not
// have. They are mounted read-only, and nothing else from the host is:
//   node  the host's node binary at /usr/local/bin/node (the nodejs buildpack
//         copies it into deps/, so the droplet carries it, as on the host)
//   go    the host's GOROOT at its own path (plus what its top-level symlinks
//         point to, Debian's /usr/share/go-*), its bin/ first on PATH
//   java  the host's JDK at its own path (plus Debian's /etc/java-N-openjdk,
//         which its conf/ links to), its bin/ on PATH, and /usr/share/java
//         (Tomcat's jars for WARs); the droplet names the JDK by that path, as
//         on the host, so a java droplet runs where that JDK is
// The stack image brings nginx, python3, ruby and bundler, php-fpm and httpd itself.
// They link only glibc, libstdc++ and zlib, which bookworm has. A stack image that
// brings its own toolchains can turn this off (`hostToolchains: false`).
//
// Ownership: the scripts run as vcap (uid 2000), so before each script the
// mounted folders are chowned to vcap (an exec as root in the container), and
// given back to this process's uid/gid afterwards: after every script when
// this process is not root (it must write them between scripts), else once
// at the end.
import type Docker from 'dockerode';
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { CfPushError } from '../errors';
import { stagingCancelled, type RunOptions, type RunResult, type ScriptRunner, type StagingDirs } from '../staging/run';
import { DEFAULT_PATH } from '../staging/env';
import { engineMessage } from './build';
import { DEFAULT_STACK_IMAGE, VCAP_HOME, VCAP_UID } from './stack';

const TAIL = 15;
/** Host-only variables the builder's env carries that mean nothing (or harm) inside the stack. */
const HOST_ONLY = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'GOROOT',
  'GOPATH',
  'GOMODCACHE',
  'PYENV_ROOT',
  'PYENV_VERSION',
  // Host file paths the stack does not have.
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];
const STAGING_LABEL = 'org.cfpush.staging';

export interface StackRunnerOptions {
  docker: Docker;
  /** default DEFAULT_STACK_IMAGE (must be in the engine: see ensureStackImage) */
  image?: string;
  /** Mount the host's node and GOROOT read-only (default true). */
  hostToolchains?: boolean;
  /** Extra labels for the staging container (tests mark theirs). */
  labels?: Record<string, string>;
}

interface Mount {
  host: string;
  container: string;
  ro: boolean;
}

/** The host toolchains the built-in buildpacks use, as read-only mounts, and the PATH entries they need. */
export async function hostToolchainMounts(): Promise<{ mounts: Mount[]; path: string[] }> {
  const mounts: Mount[] = [];
  const path: string[] = [];
  const node = which('node') ?? process.execPath;
  if (node && existsSync(node)) mounts.push({ host: realpathSync(node), container: '/usr/local/bin/node', ro: true });
  const goroot = await goRoot();
  if (goroot) {
    mounts.push({ host: goroot, container: goroot, ro: true });
    // Debian's GOROOT links src/, api/, pkg/include... into /usr/share/go-X: mount the targets too.
    for (const target of outsideLinks(goroot, 2, 'src')) if (!mounts.some((m) => m.host === target)) mounts.push({ host: target, container: target, ro: true });
    path.push(join(goroot, 'bin'));
  }
  const javaHome = jdkHome();
  if (javaHome) {
    mounts.push({ host: javaHome, container: javaHome, ro: true });
    // Debian's JDK links its conf/ files into /etc/java-N-openjdk: mount those folders too.
    for (const target of outsideLinks(javaHome, 3)) {
      const top = target.split(sep).slice(0, 3).join(sep);
      if (top.startsWith('/etc/java') && !mounts.some((m) => m.host === top)) mounts.push({ host: top, container: top, ro: true });
    }
    path.push(join(javaHome, 'bin'));
    // Tomcat's jars (Debian's libtomcat10-java), which the java buildpack runs WARs with.
    if (existsSync('/usr/share/java')) mounts.push({ host: '/usr/share/java', container: '/usr/share/java', ro: true });
  }
  return { mounts, path };
}

/** The JDK the java buildpack uses: JAVA_HOME, else the one `java` on PATH belongs to. */
function jdkHome(): string | undefined {
  if (process.env.JAVA_HOME && existsSync(join(process.env.JAVA_HOME, 'bin', 'java'))) return realpathSync(process.env.JAVA_HOME);
  const java = which('java');
  return java ? dirname(dirname(realpathSync(java))) : undefined;
}

/** Real paths of the symlinks under `root` (`depth` folders down, not into `skip`) that lead outside it. */
function outsideLinks(root: string, depth: number, skip?: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, left: number) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      const st = lstatSync(p);
      if (st.isDirectory() && left > 0 && n !== skip) walk(p, left - 1);
      if (!st.isSymbolicLink() || !existsSync(p)) continue;
      const target = realpathSync(p);
      if (!target.startsWith(root + sep)) out.push(target);
    }
  };
  walk(root, depth);
  return out;
}

function which(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? DEFAULT_PATH).split(':')) {
    const p = join(d, cmd);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

async function goRoot(): Promise<string | undefined> {
  if (process.env.GOROOT && existsSync(join(process.env.GOROOT, 'bin', 'go'))) return realpathSync(process.env.GOROOT);
  const go = which('go');
  if (!go) return undefined;
  try {
    const { execa } = await import('execa');
    const root = String((await execa(go, ['env', 'GOROOT'], { timeout: 10_000 })).stdout).trim();
    return root ? realpathSync(root) : undefined;
  } catch {
    const bin = dirname(realpathSync(go));
    return existsSync(join(bin, '..', 'src')) ? dirname(bin) : undefined;
  }
}

/** A ScriptRunner that runs every buildpack script in a stack container, as vcap. */
export function stackRunner(opts: StackRunnerOptions): ScriptRunner {
  const { docker } = opts;
  const image = opts.image || DEFAULT_STACK_IMAGE;
  const hostUid = process.getuid?.() ?? 0;
  const hostGid = process.getgid?.() ?? 0;
  let container: Docker.Container | undefined;
  let owned: string[] = [];
  let path = DEFAULT_PATH;
  let vcapOwns = false;

  async function execRoot(cmd: string[]): Promise<void> {
    const r = await exec(cmd, { user: 'root', env: [`PATH=${DEFAULT_PATH}`], cwd: '/' });
    if (r.code !== 0) throw new CfPushError(`Staging container: ${cmd.join(' ')} failed (exit ${r.code}): ${r.tail.join('\n')}`);
  }

  async function giveBack(): Promise<void> {
    if (!vcapOwns || !container) return;
    await execRoot(['chown', '-R', `${hostUid}:${hostGid}`, ...owned]);
    vcapOwns = false;
  }

  async function exec(
    cmd: string[],
    o: { user: string; env: string[]; cwd: string; log?: RunOptions['log']; captureStdout?: boolean; signal?: AbortSignal },
  ): Promise<RunResult> {
    const ex = await container!.exec({ Cmd: cmd, Env: o.env, WorkingDir: o.cwd, User: o.user, AttachStdout: true, AttachStderr: true });
    const stream = (await ex.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy?: () => void };
    const tail: string[] = [];
    let stdout = '';
    const reader = (name: 'stdout' | 'stderr') => {
      const pt = new PassThrough();
      let buf = '';
      const emit = (line: string) => {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        if (!(name === 'stdout' && o.captureStdout)) o.log?.(line, name);
      };
      pt.on('data', (c: Buffer) => {
        const text = c.toString('utf8');
        if (name === 'stdout' && o.captureStdout) stdout += text;
        buf += text;
        const lines = buf.split(/\r?\n/);
        buf = lines.pop() ?? '';
        for (const l of lines) emit(l);
      });
      return { pt, flush: () => buf && emit(buf) };
    };
    const out = reader('stdout');
    const err = reader('stderr');
    docker.modem.demuxStream(stream, out.pt, err.pt);
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        o.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      // Cancelling: the whole container goes (scripts and whatever they spawned).
      const onAbort = () => {
        void container?.remove({ force: true }).catch(() => {});
        stream.destroy?.();
        finish();
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
    if (o.signal?.aborted) throw stagingCancelled();
    out.flush();
    err.flush();
    const info = await ex.inspect();
    const code = info.ExitCode ?? 1;
    // The runtime could not start the file (missing, not executable).
    const spawnError =
      (code === 126 || code === 127) && tail.some((l) => /OCI runtime exec failed|no such file|permission denied/i.test(l))
        ? `${cmd[0]} ${code === 127 ? 'not found' : 'is not executable'} in the stack container`
        : undefined;
    return { code, stdout, tail, spawnError };
  }

  return {
    where: `stack container ${image} (as vcap)`,
    async begin(dirs: StagingDirs) {
      const tools = opts.hostToolchains === false ? { mounts: [], path: [] } : await hostToolchainMounts();
      path = [...tools.path, DEFAULT_PATH].join(':');
      owned = [dirs.work, dirs.cacheDir];
      const mounts: Mount[] = [
        { host: dirs.work, container: dirs.work, ro: false },
        { host: dirs.cacheDir, container: dirs.cacheDir, ro: false },
        ...dirs.buildpackDirs.map((d) => ({ host: d, container: d, ro: true })),
        ...tools.mounts,
      ];
      try {
        container = await docker.createContainer({
          Image: image,
          Cmd: ['sleep', 'infinity'],
          User: 'root',
          WorkingDir: '/',
          Labels: { [STAGING_LABEL]: 'true', ...(opts.labels ?? {}) },
          HostConfig: {
            Init: true,
            AutoRemove: false,
            Binds: mounts.map((m) => `${m.host}:${m.container}${m.ro ? ':ro' : ''}`),
          },
        });
        await container.start();
      } catch (err) {
        await container?.remove({ force: true }).catch(() => {});
        container = undefined;
        throw new CfPushError(`Could not start a staging container from ${image}: ${engineMessage(err)}`, { code: 'StagingContainerFailed', cause: err });
      }
    },
    async run(file: string, args: string[], o: RunOptions): Promise<RunResult> {
      if (o.signal?.aborted) throw stagingCancelled();
      if (!container) throw new CfPushError('The stack runner was used before begin().');
      if (!vcapOwns) {
        await execRoot(['chown', '-R', `${VCAP_UID}:${VCAP_UID}`, ...owned]);
        vcapOwns = true;
      }
      const env = { ...o.env };
      for (const k of HOST_ONLY) delete env[k];
      Object.assign(env, { PATH: path, HOME: VCAP_HOME, USER: 'vcap', LOGNAME: 'vcap', SHELL: '/bin/bash' });
      const r = await exec([file, ...args], {
        user: 'vcap',
        env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        cwd: o.cwd,
        log: o.log,
        captureStdout: o.captureStdout,
        signal: o.signal,
      });
      if (hostUid !== 0) await giveBack();
      return r;
    },
    async end() {
      if (!container) return;
      try {
        await giveBack();
      } finally {
        await container.remove({ force: true }).catch(() => {});
        container = undefined;
      }
    },
  };
}
