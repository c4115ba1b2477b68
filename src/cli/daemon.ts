// Entry of dist/foundation.js, what the foundation daemon runs: startDaemon
// spawns `node dist/foundation.js foundation start --foreground …`, the same
// arguments `cfpush` takes, parsed by the same command. A bundle of its own so
// the daemon compiles only the foundation, not every other CLI command and
// client of dist/core.js: every byte a process loads costs it resident memory
// for as long as it runs (docs/benchmarks.md, issue 21).
import { formatError } from '../core/errors';
import { HelpShown } from './args';
import { foundationCmd } from './commands/foundation';

const [cmd, ...rest] = process.argv.slice(2);
(cmd === 'foundation' ? foundationCmd(rest) : Promise.reject(new Error(`dist/foundation.js runs \`foundation …\` only, not '${cmd ?? ''}'.`))).catch((err) => {
  if (err instanceof HelpShown) return;
  console.error(`FAILED\n${formatError(err)}`);
  process.exitCode = 1;
});
