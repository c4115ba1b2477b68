// Terminal output: the push timeline and staging logs. With --json, humans'
// lines go to stderr so stdout stays machine-readable.
import type { Reporter } from '../core/push';

export function terminalReporter(json: boolean): Reporter {
  const out = json ? process.stderr : process.stdout;
  // A warning reaches us from the manifest read here and again from CC (a diff, the apply, its job): say it once.
  const said = new Set<string>();
  return {
    step: (m) => out.write(`${m}\n`),
    log: (l) => out.write(`   ${l}\n`),
    warn: (m) => {
      if (said.has(m)) return;
      said.add(m);
      process.stderr.write(`Warning: ${m}\n`);
    },
  };
}
