// `cfpush`: dist/cli.js is only this. The commands live in dist/core.js with
// the core they adapt (src/cli/main.ts), one copy shared with the extension.
import { runCli } from './bundle';

void runCli(process.argv.slice(2));
