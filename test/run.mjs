// Runs every bundled test file (out/test/**/*.test.js) with node's own test
// runner. In CI (CI=true) tests that need a real host fail instead of skipping.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

if (process.env.CI) process.env.CFPUSH_REQUIRE_HOSTS = '1';
const only = process.argv.slice(2);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = find('out/test')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const res = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
