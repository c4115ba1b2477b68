// Entry the workbench loads (extensionTestsPath): registers the suites in
// order (later ones build on earlier ones) and runs them. Same `run()` shape
// as a @vscode/test-electron suite.
import { runAll } from './harness';
import './smoke';
import './push';
import './language';
import './tree-actions';
import './app-tools';
import './debug';
import './services';
import './editor-ux';
import './cancel';
import './login';
import './errors';
import './watch';
import './traffic';
import './docker';
import './export';

export function run(): Promise<void> {
  return runAll();
}
