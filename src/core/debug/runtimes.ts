// Which debug agent an app's runtime takes, and how it is turned on, for
// every path alike: the local foundation restarting one instance with it, and
// a remote Cloud Foundry through the app's environment (then `cf ssh -L`).
// Node and Java take theirs through the environment CF apps already honour
// (NODE_OPTIONS, JAVA_OPTS as the java buildpack's start command reads it), so
// those two work on any CF; Python (debugpy) and Go (delve) need a wrapper the
// local foundation adds, so they are local only.
import { parse as parseYaml } from 'yaml';

export type DebugRuntime = 'node' | 'java' | 'python' | 'go';

export const DEBUG_RUNTIMES: readonly DebugRuntime[] = ['node', 'java', 'python', 'go'];

/** Where each agent listens by convention (java-buildpack's Debug framework: 8000). */
export const DEFAULT_DEBUG_PORT: Record<DebugRuntime, number> = { node: 9229, java: 8000, python: 5678, go: 2345 };

/** What each agent speaks, for messages and for the editor's attach. */
export const AGENT_NAME: Record<DebugRuntime, string> = {
  node: 'the Node.js inspector',
  java: 'the JDWP agent',
  python: 'debugpy',
  go: 'delve (dlv --headless)',
};

/** The VS Code extension that attaches to each runtime's agent (Node's debugger is built in). */
export const DEBUG_EXTENSION: Record<DebugRuntime, { id: string; name: string } | undefined> = {
  node: undefined,
  java: { id: 'vscjava.vscode-java-debug', name: 'Debugger for Java' },
  python: { id: 'ms-python.debugpy', name: 'Python Debugger' },
  go: { id: 'golang.go', name: 'Go' },
};

/** Where CF runs an app: the droplet's app folder, the instance's working directory. */
export const CF_APP_ROOT = '/home/vcap/app';

/**
 * Where the running code names its sources, for a debugger's path mapping:
 * the app's folder (`appRoot`) for interpreted and JVM code, which runs from
 * there; CF_APP_ROOT for Go, whose buildpack compiles with the paths rewritten
 * to where CF runs the binary (buildpacks/go/bin/finalize), wherever it runs.
 */
export function sourceRoot(rt: DebugRuntime, appRoot: string): string {
  return rt === 'go' ? CF_APP_ROOT : appRoot;
}

const BY_BUILDPACK: [RegExp, DebugRuntime][] = [
  [/^node(js)?(_buildpack)?$|nodejs-buildpack/i, 'node'],
  [/^java(_buildpack)?(_offline)?$|java-buildpack/i, 'java'],
  [/^python(_buildpack)?$|python-buildpack/i, 'python'],
  [/^go(_buildpack)?$|go-buildpack/i, 'go'],
];

/**
 * The runtime of a droplet: its last (final) buildpack's, else what its start
 * command runs. Undefined when neither says (a binary, nginx, php, ...).
 */
export function debugRuntimeOf(o: { buildpacks?: string[]; command?: string | null }): DebugRuntime | undefined {
  const last = o.buildpacks?.at(-1);
  if (last) {
    for (const [re, rt] of BY_BUILDPACK) if (re.test(last)) return rt;
  }
  const cmd = o.command ?? '';
  if (/(^|[\s/;&])(node|npm|yarn|pnpm)(\s|$)/.test(cmd)) return 'node';
  if (/(^|[\s/;&])java(\s|$)/.test(cmd)) return 'java';
  if (/(^|[\s/;&])(python3?|gunicorn|uvicorn|flask)(\s|$)/.test(cmd)) return 'python';
  return undefined;
}

/** The java buildpack's JBP_CONFIG_DEBUG (`{enabled: true, port: 8000, suspend: false}`), when it turns the agent on. */
export function jbpDebugConfig(env: Record<string, string | undefined>): { port: number; suspend: boolean } | undefined {
  const raw = env.JBP_CONFIG_DEBUG;
  if (!raw) return undefined;
  let v: unknown;
  try {
    v = parseYaml(raw);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || (v as { enabled?: unknown }).enabled !== true) return undefined;
  const { port, suspend } = v as { port?: unknown; suspend?: unknown };
  return { port: Number.isInteger(port) ? (port as number) : DEFAULT_DEBUG_PORT.java, suspend: suspend === true };
}

/** The JVM option the java buildpack's Debug framework adds (JDK 9+: a bare port binds loopback only). */
export function jdwpOption(host: string, port: number, suspend = false): string {
  return `-agentlib:jdwp=transport=dt_socket,server=y,suspend=${suspend ? 'y' : 'n'},address=${host}:${port}`;
}

const NODE_INSPECT = /(^|\s)--inspect(-brk|-wait)?(=\S*)?(?=\s|$)/g;
const JAVA_JDWP = /(^|\s)-agentlib:jdwp=\S*/g;

/**
 * The environment variables that turn a Node or Java app's agent on, merged
 * over the app's own (its other options kept; an agent it set itself is
 * replaced). Undefined for runtimes that cannot be switched on through the
 * environment alone.
 */
export function agentEnv(rt: DebugRuntime, host: string, port: number, env: Record<string, string | undefined>): Record<string, string> | undefined {
  if (rt === 'node') return { NODE_OPTIONS: join(strip(env.NODE_OPTIONS, NODE_INSPECT), `--inspect=${host}:${port}`) };
  if (rt === 'java') return { JAVA_OPTS: join(strip(env.JAVA_OPTS, JAVA_JDWP), jdwpOption(host, port)) };
  return undefined;
}

/** The app's environment with the agent `agentEnv` added taken out again (an emptied variable is removed: null). */
export function withoutAgentEnv(rt: DebugRuntime, env: Record<string, string | undefined>): Record<string, string | null> {
  const name = rt === 'node' ? 'NODE_OPTIONS' : rt === 'java' ? 'JAVA_OPTS' : undefined;
  if (!name || env[name] === undefined) return {};
  const rest = strip(env[name], rt === 'node' ? NODE_INSPECT : JAVA_JDWP);
  return { [name]: rest || null };
}

/** Whether the app's environment already carries an agent (set by an earlier Debug App). */
export function hasAgentEnv(rt: DebugRuntime, env: Record<string, string | undefined>): boolean {
  if (rt === 'node') return new RegExp(NODE_INSPECT.source).test(env.NODE_OPTIONS ?? '');
  if (rt === 'java') return new RegExp(JAVA_JDWP.source).test(env.JAVA_OPTS ?? '');
  return false;
}

/** The port an agent set in the environment listens on. */
export function agentEnvPort(rt: DebugRuntime, env: Record<string, string | undefined>): number | undefined {
  const m =
    rt === 'node'
      ? /--inspect(?:-brk|-wait)?=(?:[^\s:]*:)?(\d+)/.exec(env.NODE_OPTIONS ?? '')
      : rt === 'java'
        ? /-agentlib:jdwp=\S*address=(?:[^\s,:]*:)?(\d+)/.exec(env.JAVA_OPTS ?? '')
        : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The start command that runs a Go app's binary under delve through `script`
 * (the local foundation's, debug-agents.ts): headless on host:port, the
 * program running at once, the instance ending when it does. The start
 * command's own words follow as they are, so its quoting holds.
 */
export function delveCommand(script: string, dlv: string, host: string, port: number, command: string): string {
  return `exec bash ${shellQuote(script)} ${host} ${port} ${shellQuote(dlv)} ${command.trim()}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function strip(v: string | undefined, re: RegExp): string {
  return (v ?? '').replace(re, ' ').replace(/\s+/g, ' ').trim();
}

function join(...parts: string[]): string {
  return parts.filter(Boolean).join(' ');
}
