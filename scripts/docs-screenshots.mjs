#!/usr/bin/env node
// Retakes the README's pictures from the real VS Code host: runs the in-host
// tests that reach each moment (welcome view, tree, a push in progress, the
// traffic view) under code-server + chromium, then copies their screenshots
// into docs/screenshots/. Usage: npm run build && node scripts/docs-screenshots.mjs
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The tests each picture needs (later ones build on the apps earlier ones push).
const tests = [
  'a first look',
  'registers every',
  'CF: Push from the palette',
  'CF: Swap Routes between',
  'Undo Swap on the tree item',
  'services: create a user-provided',
  'a long staging',
  'drag a route from one app',
  'traffic view: under load',
];
const pictures = {
  'welcome-view': 'vscode-welcome-view.png',
  tree: 'vscode-tree-services.png',
  'push-in-progress': 'vscode-push-in-progress.png',
  traffic: 'vscode-traffic-swap.png',
};
const only = `^(${tests.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`;
const run = spawnSync(process.execPath, [join(root, 'out', 'test', 'vscode', 'run-code-server.js')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CFPUSH_VSCODE_ONLY: only },
});
if (run.status !== 0) process.exit(run.status ?? 1);
const out = join(root, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
for (const [name, file] of Object.entries(pictures)) {
  const from = join(root, 'test-results', file);
  if (!existsSync(from)) {
    console.error(`missing ${from}: the test that takes it did not run`);
    process.exit(1);
  }
  copyFileSync(from, join(out, `${name}.png`));
  console.log(`docs/screenshots/${name}.png ← test-results/${file}`);
}
