// Layers that point one way (issue 14): src/core imports nothing from the
// foundation or the adapters, no run-time import cycles, no CC path outside
// src/core/cc. The same check is shown to catch a planted wrong-way import,
// a planted cycle and a planted CC path.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/cli';
import { checkArchitecture } from './imports';

function sources(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.set(relative(repoRoot, p), readFileSync(p, 'utf8'));
    }
  };
  walk(join(repoRoot, 'src'));
  return out;
}

test('the source tree keeps its layers, has no run-time import cycle and no CC path outside src/core/cc', () => {
  const src = sources();
  assert.ok(src.size > 100, `read ${src.size} files`);
  assert.deepEqual(checkArchitecture(src), []);
});

test('a planted wrong-way import, cycle and CC path are each caught', () => {
  const src = sources();
  src.set('src/core/planted.ts', "import { startDaemon } from '../foundation/daemon';\nexport const x = startDaemon;\n");
  src.set('src/core/push/cycle-a.ts', "import { b } from './cycle-b';\nexport const a = () => b;\n");
  src.set('src/core/push/cycle-b.ts', "import { a } from './cycle-a';\nexport const b = () => a;\n");
  // A type-only cycle is erased at run time: allowed.
  src.set('src/core/push/type-a.ts', "import type { B } from './type-b';\nexport interface A { b?: B }\n");
  src.set('src/core/push/type-b.ts', "import type { A } from './type-a';\nexport interface B { a?: A }\n");
  src.set('src/vscode/planted.ts', 'export const u = (g: string) => `/v3/apps/${g}`;\n');
  src.set('src/cli/planted.ts', "import * as vscode from 'vscode';\nexport const w = vscode;\n");
  const found = checkArchitecture(src).map((v) => `${v.rule} ${v.file}: ${v.detail}`);
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(
    found.find((f) => f.startsWith('layer src/core/planted.ts'))!,
    /imports src\/foundation\/daemon\.ts: core knows nothing of the foundation/,
  );
  assert.match(
    found.find((f) => f.startsWith('cycle'))!,
    /cycle-a\.ts → src\/core\/push\/cycle-b\.ts → src\/core\/push\/cycle-a\.ts|cycle-b\.ts → src\/core\/push\/cycle-a\.ts → src\/core\/push\/cycle-b\.ts/,
  );
  assert.match(
    found.find((f) => f.startsWith('cc-path'))!,
    /src\/vscode\/planted\.ts: builds the CC path '\/v3\/apps\/'/,
  );
  assert.match(
    found.find((f) => f.startsWith('layer src/cli/planted.ts'))!,
    /imports vscode/,
  );
});

test('the linter run by npm test fails on a lint error and a formatting error', () => {
  const lint = (code: string) =>
    spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', 'src/core/planted.ts'], {
      cwd: repoRoot,
      input: code,
      encoding: 'utf8',
    });
  const clean = lint('export const ok = (a: number): number => a + 1;\n');
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  const bad = lint('export function f(): number {\n  const unused = 1;\n  return 2;\n}\n');
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /'unused' is assigned a value but never used/);
  const prettier = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--stdin-filepath', 'src/core/planted.ts'],
    {
      cwd: repoRoot,
      input: 'export const  x = {a:1}\n',
      encoding: 'utf8',
    },
  );
  assert.notEqual(prettier.status, 0, 'an unformatted file fails prettier --check');
  assert.match(JSON.stringify(readFileSync(join(repoRoot, 'package.json'), 'utf8')), /npm run lint/, 'npm test runs the linter');
});
