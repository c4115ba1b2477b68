// Terminal output: the push timeline and staging logs. With --json, humans'
// lines go to stderr so stdout stays machine-readable.
import type { Reporter } from '../core/push';

export function terminalReporter(json: boolean): Reporter {
  const out = json ? process.stderr : process.stdout;
  return {
    step: (m) => out.write(`${m}\n`),
    log: (l) => out.write(`   ${l}\n`),
    warn: (m) => process.stderr.write(`Warning: ${m}\n`),
  };
}
