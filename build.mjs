// Bundles the extension, the CLI and the tests with esbuild. `dist/` stays
// runnable with plain `node` (dist/cli.js next to dist/core.js) and the .vsix
// free of node_modules.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

// Three small entries around one core: dist/extension.js (VS Code glue only,
// what activation loads), dist/core.js (src/bundle.ts: the core, the CLI
// commands and the local foundation) and dist/cli.js (a few lines that run the
// CLI from dist/core.js). The extension requires './core.js' on first use
// (src/vscode/lazy.ts) and spawns dist/cli.js for the foundation; both keep the
// import external so there is one copy of the core.
const sharedCore = {
  name: 'shared-core',
  setup(b) {
    b.onResolve({ filter: /^\.\/core\.js$/ }, () => ({ path: './core.js', external: true }));
    b.onResolve({ filter: /^\.\/bundle$/ }, (a) => (a.importer.endsWith(`src${sep}cli.ts`) ? { path: './core.js', external: true } : undefined));
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

// ssh2 (330 KB with its crypto helpers) serves only `cf ssh`: its own file,
// required on the first ssh connection. Every byte of dist/core.js costs the
// daemon resident memory from the moment it loads (parsing), used or not.
const lazySsh2 = {
  name: 'lazy-ssh2',
  setup(b) {
    b.onResolve({ filter: /^ssh2$/ }, () => ({ path: './ssh2.js', external: true }));
  },
};

// dockerode (with docker-modem, tar-fs…: Docker hosts only) and execa (the
// child processes of staging and a few commands) are loaded with `await
// import()` where used: each its own file, so a process that never calls them
// (the daemon until it stages, the CLI for most commands) never parses them.
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: /^(dockerode|execa)$/ }, (a) => ({ path: `./${a.path}.js`, external: true }));
  },
};

rmSync('dist', { recursive: true, force: true });

// A buildpack folder must be whole on its own (the stack container mounts only
// the buildpacks a staging uses), so the staticfile buildpack gets its copy of
// the node runtime installer from the nodejs one here: one source, in git once.
mkdirSync('buildpacks/staticfile/lib', { recursive: true });
copyFileSync('buildpacks/nodejs/lib/node_runtime.sh', 'buildpacks/staticfile/lib/node_runtime.sh');
// Likewise the version comparisons of the buildpacks that check versions.
for (const bp of ['go', 'python', 'nginx', 'php']) {
  mkdirSync(`buildpacks/${bp}/lib`, { recursive: true });
  copyFileSync('buildpacks/lib/version.sh', `buildpacks/${bp}/lib/version.sh`);
}
const builds = [
  { ...common, entryPoints: { extension: 'src/vscode/extension.ts' }, outdir: 'dist', minify: !watch, plugins: [sharedCore, slimDocker] },
  { ...common, entryPoints: { core: 'src/bundle.ts' }, outdir: 'dist', minify: !watch, plugins: [slimDocker, lazySsh2, lazyPackages] },
  { ...common, entryPoints: { ssh2: createRequire(import.meta.url).resolve('ssh2') }, outdir: 'dist', minify: !watch },
  { ...common, entryPoints: { dockerode: createRequire(import.meta.url).resolve('dockerode') }, outdir: 'dist', minify: !watch, plugins: [slimDocker] },
  { ...common, entryPoints: { execa: createRequire(import.meta.url).resolve('execa') }, outdir: 'dist', minify: !watch },
  {
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    outdir: 'dist',
    minify: !watch,
    plugins: [sharedCore],
    banner: { js: '#!/usr/bin/env node\n' + common.banner.js },
  },
  // Tests load the TypeScript compiler (architecture checks) from node_modules rather than bundling 9 MB of it.
  {
    ...common,
    entryPoints: testEntries('test').map((p) => ({ in: p, out: p.replace(/\.ts$/, '') })),
    outdir: 'out',
    external: [...common.external, 'typescript'],
  },
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
