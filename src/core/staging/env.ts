// Environment helpers shared by the builder and the launcher.

/**
 * Host variables passed to buildpack scripts and apps. A CF container starts
 * from a clean env; we run on the host, so only what the host toolchains need
 * (PATH, HOME, proxies, toolchain roots) crosses over. Editor noise such as
 * NODE_OPTIONS or ELECTRON_RUN_AS_NODE from VS Code's extension host must not.
 */
const PASS = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'GOPATH',
  'GOMODCACHE',
  'GOROOT',
  'GOPRIVATE',
  'GONOSUMDB',
  'PYENV_ROOT',
  'PYENV_VERSION',
  'PIP_INDEX_URL',
  'PIP_EXTRA_INDEX_URL',
  'npm_config_registry',
  'NPM_CONFIG_REGISTRY',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function baseStagingEnv(host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS) {
    const v = host[k];
    if (v !== undefined) env[k] = v;
  }
  env.PATH ??= DEFAULT_PATH;
  return env;
}

/**
 * DATABASE_URL from the first service binding whose `credentials.uri` is a
 * database's, as the buildpack lifecycle derives it (databaseuri.go: mysql →
 * mysql2, postgresql → postgres; other schemes, redis:// or amqp://, never).
 */
export function databaseUrl(vcapServices: unknown): string | undefined {
  let services: unknown = vcapServices;
  if (typeof services === 'string') {
    try {
      services = JSON.parse(services);
    } catch {
      return undefined;
    }
  }
  if (!services || typeof services !== 'object') return undefined;
  for (const list of Object.values(services as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const binding of list) {
      const uri = (binding as { credentials?: { uri?: unknown } } | null)?.credentials?.uri;
      if (typeof uri !== 'string' || !/^(mysql2?|postgres(ql)?):/.test(uri)) continue;
      return uri.replace(/^mysql:/, 'mysql2:').replace(/^postgresql:/, 'postgres:');
    }
  }
  return undefined;
}
