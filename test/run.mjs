// Runs every bundled test file (out/test/**/*.test.js) with node's own test
// runner. In CI (CI=true) tests that need a real host fail instead of skipping.
// The whole run's output is scanned for bearer tokens: none may leak into logs.
import { spawn } from 'node:child_process';
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
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
const JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/;
let leaked = '';
const tee = (stream, out) => {
  let tail = '';
  stream.on('data', (d) => {
    out.write(d);
    const text = tail + d.toString();
    const m = JWT.exec(text);
    if (m && !leaked) leaked = text.slice(Math.max(0, m.index - 120), m.index + 40);
    tail = text.slice(-200);
  });
};
tee(child.stdout, process.stdout);
tee(child.stderr, process.stderr);
child.on('close', (code) => {
  if (leaked) {
    console.error(`\ntest run: a bearer token appeared in the output:\n...${leaked}...\n`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
