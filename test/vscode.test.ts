// Counts the real-host VS Code suite in `npm test`: runs the code-server runner
// as a child and expects exit 0. Without the host it skips locally and fails
// on CI (or with CFPUSH_REQUIRE_HOSTS=1), so CI can never silently skip it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { INSTALL_HINT, missingHostParts, repoRoot } from './vscode/host';

const root = repoRoot();
const missing = missingHostParts(root);
const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

test('VS Code extension in a real extension host (code-server + chromium)', { timeout: 15 * 60_000 }, async (t) => {
  if (missing.length) {
    const msg = `real VS Code host missing: ${missing.join(', ')}. ${INSTALL_HINT}`;
    if (required) assert.fail(msg);
    t.skip(msg);
    return;
  }
  const runner = join(root, 'out', 'test', 'vscode', 'run-code-server.js');
  const child = spawn(process.execPath, [runner], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Stream so a long push is visible while it runs; keep a copy for the failure message.
  child.stdout.on('data', (d: Buffer) => {
    output += d;
    process.stdout.write(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d;
    process.stderr.write(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `VS Code suite failed (exit ${code}); last output:\n${output.split('\n').slice(-30).join('\n')}`);
});
