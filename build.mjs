// Bundles the extension, the CLI and the tests with esbuild. One bundle per
// entry keeps `dist/cli.js` runnable with plain `node` and the .vsix free of
// node_modules.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

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

rmSync('dist', { recursive: true, force: true });
const builds = [
  { ...common, entryPoints: { extension: 'src/vscode/extension.ts' }, outdir: 'dist', minify: !watch },
  { ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', minify: !watch,
    banner: { js: '#!/usr/bin/env node\n' + common.banner.js } },
  { ...common, entryPoints: testEntries('test').map((p) => ({ in: p, out: p.replace(/\.ts$/, '') })), outdir: 'out' },
];
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
