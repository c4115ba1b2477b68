// `npm run demo`: the main job end to end on the embedded local foundation.
import { join } from 'node:path';
import { httpGet } from '../../core/http-get';
import { cliEntry, defaultFoundationDir, packageRoot } from '../../core/paths';
import { push } from '../../core/push';
import { openSession } from '../../core/targets';
import { localFoundation } from '../../foundation/access';
import { daemonStatus } from '../../foundation/daemon';
import { terminalReporter } from '../reporter';
import { parse, spec } from '../args';
import type { Command } from './common';

export const DEMO = spec({ name: 'demo', summary: 'Start the local foundation and push examples/hello-node', flags: {} });

export const demoCmd: Command = async (argv) => {
  parse(argv, DEMO);
  const r = terminalReporter(false);
  const was = await daemonStatus(defaultFoundationDir());
  if (!was.running) r.step('Starting the local foundation');
  const s = await openSession({ target: 'local', startLocal: true, local: localFoundation, onWarning: r.warn });
  const [app] = await push(s, { dir: join(packageRoot(), 'examples', 'hello-node') }, r);
  const url = app.urls[0];
  const res = await httpGet(url);
  console.log(`\n${app.name} is running at ${url}\nGET ${url} -> ${res.status} ${JSON.stringify(res.body.trim())}`);
  console.log(`\nTry: curl ${url}\nStop the foundation with: node ${cliEntry()} foundation stop`);
  if (res.body.trim() !== 'hello CF summit') process.exitCode = 1;
};
