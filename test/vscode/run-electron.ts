// The standard @vscode/test-electron runner, for machines that can download
// VS Code. Same suite as run-code-server (out/test/vscode/suite/index.js).
// Usage: node out/test/vscode/run-electron.js
import { cpSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot, stopFoundation } from './host';

async function main(): Promise<number> {
  const root = repoRoot();
  // Loaded at run time so the bundle stays small and the dependency optional.
  const { runTests } = createRequire(join(root, 'package.json'))('@vscode/test-electron') as typeof import('@vscode/test-electron');
  const tmp = mkdtempSync(join(tmpdir(), 'cfpush-electron-'));
  const workspace = join(tmp, 'workspace');
  mkdirSync(workspace, { recursive: true });
  if (existsSync(join(root, 'examples', 'hello-node'))) cpSync(join(root, 'examples', 'hello-node'), join(workspace, 'hello-node'), { recursive: true });
  const env = {
    CFPUSH_HOME: join(tmp, 'cfpush-home'),
    CFPUSH_API_PORT: String(await freePort()),
    CFPUSH_ROUTER_PORT: String(await freePort()),
    CFPUSH_TEST_REPO: root,
  };
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'out', 'test', 'vscode', 'suite', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(tmp, 'user-data')],
      extensionTestsEnv: env,
    });
    return 0;
  } catch (err) {
    console.error(`[electron] ${(err as Error).message}`);
    return 1;
  } finally {
    console.log(`[electron] ${stopFoundation(root, { ...process.env, ...env })}`);
  }
}

main().then((code) => process.exit(code));
