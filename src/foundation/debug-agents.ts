// What the supervisor changes in an instance's spec to run it under a debug
// agent (issue 20), and whether this machine can: Node's inspector and Java's
// JDWP through the environment (core/debug/runtimes.ts, as on any CF), Python's
// debugpy through a sitecustomize of ours (it chains to the app's own, as the
// loopback preload does), Go's delve wrapping the start command. Each agent
// listens on 127.0.0.1 only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { agentEnv, delveCommand, jbpDebugConfig, type DebugRuntime } from '../core/debug/runtimes';
import { CfPushError } from '../core/errors';
import type { ProcessSpec } from './runtime/types';

export const DEBUG_HOST = '127.0.0.1';

/** Where Debian's python3-debugpy puts the package, for interpreters that lack it (pyenv's, a venv's). */
const DEBIAN_DEBUGPY = '/usr/lib/python3/dist-packages';

const PYTHON_SITECUSTOMIZE = `# cf-push: debugpy for an instance being debugged (CFPUSH_DEBUGPY=host:port).
import os as _os, sys as _sys

def _debugpy():
    at = _os.environ.pop('CFPUSH_DEBUGPY', '')
    if not at:
        return
    host, _, port = at.rpartition(':')
    try:
        import debugpy
    except ImportError:
        _sys.path.append(${JSON.stringify(DEBIAN_DEBUGPY)})
        import debugpy
    debugpy.listen((host, int(port)))
    print('cf-push: debugpy listening on %s:%s' % (host, port), file=_sys.stderr, flush=True)
_debugpy()

# The next sitecustomize on the path after this one's folder: the loopback one
# (before ours on PYTHONPATH) runs ours; looking behind too would run it again,
# and it us, without end.
def _chain():
    import importlib.machinery, importlib.util
    here = _os.path.dirname(_os.path.abspath(__file__))
    full = [_os.path.abspath(p or '.') for p in _sys.path]
    rest = _sys.path[full.index(here) + 1:] if here in full else [p for p, a in zip(_sys.path, full) if a != here]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', rest)
    if spec and spec.loader:
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
_chain()
`;

/**
 * A Go instance under delve: `delve-run.sh HOST PORT DLV PROGRAM [ARG...]`
 * runs PROGRAM (found as the start command would find it) under
 * `dlv exec --headless`, running at once. delve that accepts client after
 * client (--accept-multiclient, which --continue needs) stays up when the
 * program exits, so the instance would look RUNNING with nothing serving and
 * never be restarted: asked every second over its JSON-RPC API, delve says
 * when the program has exited, and the instance ends then, with the
 * program's status, as it would without delve.
 */
const DELVE_RUN = String.raw`# cf-push: a Go instance under delve (see debug-agents.ts).
host=$1 port=$2 dlv=$3 bin=$4
shift 4
prog=$(command -v "$bin") || { echo "cf-push: $bin (the start command's program) was not found" >&2; exit 127; }
if [ $# -gt 0 ]; then set -- -- "$@"; fi
"$dlv" exec --headless "--listen=$host:$port" --api-version=2 --accept-multiclient --continue "$prog" "$@" &
pid=$!
# delve runs the program in a process group of its own, which the instance's group signals miss, and after a
# client has detached it may ignore SIGTERM: stop both here (TERM, then KILL after 2 s), or the program would
# outlive the instance holding its output open.
stop() {
  kids=$(pgrep -P "$pid" 2>/dev/null)
  for k in $kids; do kill -TERM -- "-$k" 2>/dev/null || kill -TERM "$k" 2>/dev/null; done
  kill -TERM "$pid" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  for k in $kids; do kill -KILL -- "-$k" 2>/dev/null || kill -KILL "$k" 2>/dev/null; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  exit 143
}
trap stop TERM INT
state() {
  exec 3<>"/dev/tcp/$host/$port" || return
  printf '%s\n' '{"method":"RPCServer.State","params":[{"NonBlocking":true}],"id":1}' >&3
  IFS= read -r -t 5 line <&3
  exec 3<&-
  printf '%s' "$line"
}
while kill -0 "$pid" 2>/dev/null; do
  sleep 1 &
  wait $!
  if [[ $(state 2>/dev/null) =~ has\ exited\ with\ status\ (-?[0-9]+) ]]; then
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    exit $((BASH_REMATCH[1] & 255))
  fi
done
wait "$pid"
`;

export interface DebugPlan {
  runtime: DebugRuntime;
  port: number;
  /** The JVM waits for the debugger before main (JBP_CONFIG_DEBUG suspend: true). */
  suspend: boolean;
  /** The agent is the droplet's own (JBP_CONFIG_DEBUG at staging): nothing to add. */
  builtIn: boolean;
}

/** Why this machine cannot run `rt`'s agent, with what to install; undefined when it can. */
export function missingAgent(rt: DebugRuntime): CfPushError | undefined {
  if (rt === 'go' && !findOnPath('dlv'))
    return new CfPushError('Debugging a Go app needs delve (dlv), which is not installed on this machine.', {
      code: 'DebugUnavailable',
      hint: 'Install it with `sudo apt-get install delve` (or `go install github.com/go-delve/delve/cmd/dlv@latest`), then debug again.',
    });
  if (rt === 'python' && !pythonHasDebugpy())
    return new CfPushError('Debugging a Python app needs debugpy, which this machine lacks.', {
      code: 'DebugUnavailable',
      hint: "Install it with `sudo apt-get install python3-debugpy` (or add debugpy to the app's requirements.txt), then debug again.",
    });
  return undefined;
}

/** The plan for `rt` on `port`, honouring an agent the droplet already starts (JBP_CONFIG_DEBUG). */
export function debugPlan(rt: DebugRuntime, port: number, appEnv: Record<string, string>): DebugPlan {
  const jbp = rt === 'java' ? jbpDebugConfig(appEnv) : undefined;
  if (jbp) return { runtime: rt, port: jbp.port, suspend: jbp.suspend, builtIn: true };
  return { runtime: rt, port, suspend: false, builtIn: false };
}

/** `spec` with the agent of `plan` switched on. */
export function withAgent(spec: ProcessSpec, plan: DebugPlan, dataDir: string): ProcessSpec {
  if (plan.builtIn) return spec;
  const env = { ...spec.env };
  switch (plan.runtime) {
    case 'node':
    case 'java':
      Object.assign(env, agentEnv(plan.runtime, DEBUG_HOST, plan.port, env));
      return { ...spec, env };
    case 'python':
      env.CFPUSH_DEBUGPY = `${DEBUG_HOST}:${plan.port}`;
      env.PYTHONPATH = [dirname(shim(dataDir, 'debugpy', 'sitecustomize.py', PYTHON_SITECUSTOMIZE)), env.PYTHONPATH].filter(Boolean).join(':');
      return { ...spec, env };
    case 'go': {
      const d = spec.droplet;
      const command = spec.command ?? ('dir' in d ? d.command : undefined);
      if (!command) throw new CfPushError('The Go app has no start command to run under delve.', { code: 'DebugUnavailable' });
      // dlv as this check found it (on the foundation's PATH), not as the app's PATH would.
      const dlv = findOnPath('dlv');
      if (!dlv) throw missingAgent('go')!;
      return { ...spec, command: delveCommand(shim(dataDir, 'delve', 'delve-run.sh', DELVE_RUN), dlv, DEBUG_HOST, plan.port, command) };
    }
  }
}

/** `text` as instance-shims/`dir`/`name` under the data dir (rewritten only when it changed); its path. */
function shim(dataDir: string, dir: string, name: string, text: string): string {
  const at = join(dataDir, 'instance-shims', dir);
  mkdirSync(at, { recursive: true, mode: 0o700 });
  const file = join(at, name);
  let cur: string | undefined;
  try {
    cur = readFileSync(file, 'utf8');
  } catch {
    /* first use */
  }
  if (cur !== text) writeFileAtomic.sync(file, text, { mode: 0o644 });
  return file;
}

/** Where `cmd` is on this process's PATH. */
function findOnPath(cmd: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

function pythonHasDebugpy(): boolean {
  if (existsSync(join(DEBIAN_DEBUGPY, 'debugpy'))) return true;
  try {
    execFileSync('python3', ['-c', 'import debugpy'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
