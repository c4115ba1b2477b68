// Entry the workbench loads (extensionTestsPath): registers the suites in
// order and runs them. Same `run()` shape as a @vscode/test-electron suite.
import { runAll } from './harness';
import './smoke';
import './push';

export function run(): Promise<void> {
  return runAll();
}
