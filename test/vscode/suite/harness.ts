// A tiny sequential test runner for inside the extension host (mocha is not a
// dependency). Every result is console.logged so it shows in the host's log.
import { inspect } from 'node:util';

type Fn = () => Promise<void> | void;
interface Case {
  name: string;
  fn: Fn;
  skip?: string;
}

const cases: Case[] = [];

// CFPUSH_VSCODE_ONLY (a regex, passed through code-server's environment) narrows the run.
const only = process.env.CFPUSH_VSCODE_ONLY ? new RegExp(process.env.CFPUSH_VSCODE_ONLY) : undefined;

export function test(name: string, fn: Fn): void {
  if (only && !only.test(name)) return;
  cases.push({ name, fn });
}

/** Registers a test that is reported as skipped, with why. */
test.skip = (name: string, why: string): void => {
  cases.push({ name, fn: () => undefined, skip: why });
};

/** Asks the runner (run-code-server) for a screenshot of the workbench now. */
export async function screenshot(name: string): Promise<void> {
  console.log(`[[screenshot:${name}]]`);
  await new Promise((r) => setTimeout(r, 1500));
}

/** Runs every registered test in order; rejects when any failed (the host exits 1). */
export async function runAll(): Promise<void> {
  let failed = 0;
  let skipped = 0;
  let passed = 0;
  for (const c of cases) {
    if (c.skip) {
      skipped++;
      console.log(`- SKIP ${c.name}: ${c.skip}`);
      continue;
    }
    const t0 = Date.now();
    try {
      await c.fn();
      passed++;
      console.log(`✔ PASS ${c.name} (${Date.now() - t0} ms)`);
    } catch (err) {
      failed++;
      console.log(`✖ FAIL ${c.name} (${Date.now() - t0} ms)\n${err instanceof Error ? err.stack : inspect(err)}`);
      // Later cases build on earlier ones (push → restage → swap); stop at the first failure.
      break;
    }
  }
  const notRun = cases.length - passed - failed - skipped;
  console.log(`# ${passed} passed, ${failed} failed, ${skipped} skipped${notRun ? `, ${notRun} not run` : ''} of ${cases.length}`);
  if (failed) throw new Error(`${failed} test(s) failed`);
}
