// `npm run bench`: every benchmark, one after another, on this machine.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
const only = process.argv.slice(2);
let failed = 0;
for (const f of readdirSync('out/test/bench')
  .filter((f) => f.endsWith('.bench.js'))
  .sort()) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n## ${f}`);
  const r = spawnSync(process.execPath, [`out/test/bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
