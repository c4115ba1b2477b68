// Bundles the extension, the CLI and the tests with esbuild. One bundle per
// entry keeps `dist/cli.js` runnable with plain `node` and the .vsix free of
// node_modules.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // ssh2 (via dockerode) probes optional native addons inside try/catch.
  external: ['vscode', 'cpu-features', '*.node'],
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
};

function testEntries(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testEntries(p));
    else if (name.endsWith('.test.ts') || name.endsWith('.bench.ts') || (dir.includes('vscode') && name.endsWith('.ts'))) out.push(p);
  }
  return out;
}

// The extension is two bundles: dist/extension.js (VS Code glue only, what
// activation loads) and dist/core.js (the core it requires on first use via
// src/vscode/lazy.ts). The foundation runs as `dist/cli.js`, never in the
// extension host, so its server is stubbed out of dist/core.js.
const lazyCore = {
  name: 'lazy-core',
  setup(b) {
    b.onResolve({ filter: /^\.\/core\.js$/ }, () => ({ path: './core.js', external: true }));
  },
};
const noFoundationServer = {
  name: 'no-foundation-server',
  setup(b) {
    b.onResolve({ filter: /^\.\/server$/ }, (a) =>
      a.importer.endsWith(`foundation${sep}daemon.ts`) ? { path: 'foundation-server-stub', namespace: 'stub' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      loader: 'ts',
      contents: "export const FOUNDATION_JSON = 'foundation.json';\n" +
        "export function startFoundation(): never { throw new Error('cf-push: the extension runs the local foundation through dist/cli.js'); }\n",
    }));
  },
};

// dockerode reaches BuildKit sessions (grpc-js, protobufjs) and ssh:// hosts
// (ssh2) through modules we never call: stub them out of every bundle
// (~700 KB each). Calling one anyway fails with a plain message.
const slimDocker = {
  name: 'slim-docker',
  setup(b) {
    const stub = (what) => ({ path: what, namespace: 'docker-stub' });
    b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (a) => (/dockerode[\\/]lib/.test(a.importer) ? stub('BuildKit sessions') : undefined));
    b.onResolve({ filter: /^\.\/ssh$/ }, (a) => (/docker-modem[\\/]lib/.test(a.importer) ? stub('ssh:// Docker hosts') : undefined));
    b.onLoad({ filter: /.*/, namespace: 'docker-stub' }, (a) => ({
      loader: 'js',
      contents: `module.exports = function () { throw new Error(${JSON.stringify(`cf-push: ${a.path} are not supported`)}); };`,
    }));
  },
};
common.plugins = [slimDocker];

rmSync('dist', { recursive: true, force: true });
const builds = [
  { ...common, entryPoints: { extension: 'src/vscode/extension.ts' }, outdir: 'dist', minify: !watch, plugins: [lazyCore, slimDocker] },
  { ...common, entryPoints: { core: 'src/vscode/core.ts' }, outdir: 'dist', minify: !watch, plugins: [noFoundationServer, slimDocker] },
  { ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', minify: !watch,
    banner: { js: '#!/usr/bin/env node\n' + common.banner.js } },
  { ...common, entryPoints: testEntries('test').map((p) => ({ in: p, out: p.replace(/\.ts$/, '') })), outdir: 'out' },
];
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
  writeManifestSchema();
}

/** The manifest JSON schema, for `yamlValidation` (users of the YAML extension). */
function writeManifestSchema() {
  const { manifestJsonSchema } = createRequire(import.meta.url)('./dist/core.js');
  writeFileSync('syntaxes/manifest-schema.json', JSON.stringify(manifestJsonSchema, null, 2) + '\n');
}
