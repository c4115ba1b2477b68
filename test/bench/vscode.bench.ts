// VS Code extension benchmark (issue 6): activation time of the extension's
// own code (require dist/extension.js + activate(), in a fresh Node process
// with a stub `vscode` module, so only our code is timed), and the size of
// what ships: dist/ bundles and the packaged .vsix. Prints JSON and a
// markdown table row for docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli';
import { median } from './router-lib';

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

/** Runs in a child: stubs `vscode` with a recursive proxy, times require + activate. */
const PROBE = `
const Module = require('module');
const stub = () => new Proxy(function () {}, {
  get: (t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => '' : stub()),
  apply: () => stub(),
  construct: () => stub(),
  set: () => true,
});
// The module object itself must list its namespaces (bundlers copy own keys).
const NAMES = ['window', 'workspace', 'commands', 'languages', 'env', 'extensions', 'debug', 'Uri', 'EventEmitter', 'ThemeIcon', 'ThemeColor',
  'TreeItem', 'TreeItemCollapsibleState', 'MarkdownString', 'Range', 'Position', 'Diagnostic', 'DiagnosticSeverity', 'CodeLens',
  'CompletionItem', 'CompletionItemKind', 'CompletionItemTag', 'SnippetString', 'Hover', 'RelativePattern', 'StatusBarAlignment',
  'ProgressLocation', 'ConfigurationTarget', 'FileType', 'Disposable', 'CodeAction', 'CodeActionKind', 'WorkspaceEdit',
  'ThemeIcon', 'ThemeColor', 'DataTransfer', 'DataTransferItem', 'TreeItemCheckboxState', 'Selection', 'ViewColumn'];
const vscodeStub = new Proxy({}, {
  get: (t, k) => (k === '__esModule' ? false : stub()),
  ownKeys: () => [...new Set(NAMES)],
  getOwnPropertyDescriptor: () => ({ configurable: true, enumerable: true, value: stub() }),
});
const orig = Module._load;
Module._load = function (req, ...rest) { return req === 'vscode' ? vscodeStub : orig.call(this, req, ...rest); };
const ext = process.argv[1];
const t0 = performance.now();
const m = require(ext);
const t1 = performance.now();
const api = m.activate({ subscriptions: [], secrets: stub(), globalState: stub(), workspaceState: stub(), extensionPath: '' });
const t2 = performance.now();
const loaded = Object.keys(require.cache).filter((f) => f.endsWith('core.js')).length > 0;
console.log(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, coreLoaded: loaded || api.activation.coreLoaded }));
process.exit(0);
`;

function activation(runs: number) {
  const ext = join(repoRoot, 'dist', 'extension.js');
  const samples: { requireMs: number; activateMs: number; coreLoaded: boolean }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', PROBE, ext], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
  }
  return {
    requireMs: median(samples.map((s) => s.requireMs)),
    activateMs: median(samples.map((s) => s.activateMs)),
    totalMs: median(samples.map((s) => s.requireMs + s.activateMs)),
    coreLoaded: samples.some((s) => s.coreLoaded),
  };
}

function sizes() {
  const dist = join(repoRoot, 'dist');
  const files = readdirSync(dist).map((f) => ({ f, size: statSync(join(dist, f)).size }));
  const size = (f: string) => files.find((x) => x.f === f)?.size ?? 0;
  const shipped = files.filter((x) => !x.f.endsWith('.map')).reduce((n, x) => n + x.size, 0);
  const all = files.reduce((n, x) => n + x.size, 0);
  // The .vsix exactly as `npm run package` builds it (vsce, no node_modules).
  const tmp = mkdtempSync(join(tmpdir(), 'cfpush-vsix-'));
  const vsix = join(tmp, 'cf-push.vsix');
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  let vsixSize = -1;
  if (existsSync(vsce)) {
    const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '-o', vsix], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status === 0) vsixSize = statSync(vsix).size;
    else console.error(`vsce package failed: ${r.stderr || r.stdout}`);
  }
  rmSync(tmp, { recursive: true, force: true });
  return { extension: size('extension.js'), core: size('core.js'), cli: size('cli.js'), distShipped: shipped, distWithMaps: all, vsix: vsixSize };
}

const runs = Number(process.env.BENCH_RUNS) || 15;
const act = activation(runs);
const sz = sizes();
const result = { runs, activation: act, sizes: sz };
console.log(JSON.stringify(result, null, 2));
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`;
console.log(
  `| ${machine} (${new Date().toISOString().slice(0, 10)}) | ${act.requireMs.toFixed(1)} ms | ${act.activateMs.toFixed(1)} ms | **${act.totalMs.toFixed(1)} ms** | ${kb(sz.extension)} | ${kb(sz.core)} | ${kb(sz.cli)} | **${(sz.distShipped / 1024 / 1024).toFixed(2)} MB** (${(sz.distWithMaps / 1024 / 1024).toFixed(1)} MB with maps) | **${kb(sz.vsix)}** |`,
);
mkdirSafe(join(repoRoot, 'test-results'));
writeFileSync(join(repoRoot, 'test-results', 'bench-vscode.json'), JSON.stringify(result, null, 2));
if (act.coreLoaded) {
  console.error('activation loaded dist/core.js: it must stay lazy');
  process.exit(1);
}

function mkdirSafe(d: string) {
  if (!existsSync(d)) mkdirSync(d, { recursive: true });
}
