// A tiny sequential test runner for inside the extension host (mocha is not a
// dependency). Every result is console.logged so it shows in the host's log.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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

/** What the runner saw in the page (see domSummary in run-code-server.ts). */
export interface Dom {
  tree: { label: string; level: number; text: string; selected: boolean; cut?: boolean }[];
  notifications: { message: string; buttons: string[] }[];
  output: { text: string; tokens: { text: string; cls: string }[] }[];
  statusbar: { id: string; text: string; label: string }[];
  /** The open quick input's rows (the command palette), as listed. */
  quickInput?: string[];
  /** The welcome content of an empty view: text and buttons. */
  welcome?: { text: string; buttons: string[] }[];
  /** Activity bar entries with the icon (CSS mask) each is drawn with. */
  activitybar?: { label: string; icon: string }[];
  /** Image sources on the Welcome page (an extension's walkthrough is listed with its icon). */
  welcomePageImages?: string[];
  panelTitle: string;
  /** Webviews of ours found in the page's frames (see webviewSummary in run-code-server.ts). */
  webviews?: WebviewDom[];
}

/** A cf-push webview's DOM, reduced to data: what its SVG charts draw. */
export interface WebviewDom {
  view: string;
  state: string;
  title: string;
  text: string;
  charts: {
    id: string;
    /** The chart's title (aria-label). */
    label: string;
    series: { app: string; instance?: string; kind: string; cls: string; points: number; stroke: string }[];
    markers: { kind: string; label: string; time: number }[];
    /** Marker labels drawn (the ones with no room are left out), with their boxes in viewBox units. */
    labels: { kind: string; label: string; text: string; time: number; row: number; box: { x: number; y: number; width: number; height: number } }[];
    viewBox: string;
  }[];
  /** The legend's column headers (text and tooltip). */
  legendHeader: { text: string; title: string }[];
  legend: string[];
}

/**
 * Asks the runner (run-code-server) for a screenshot of the workbench now and
 * returns its DOM summary, or undefined under a runner without a page
 * (run-electron). `settle` gives the workbench time to paint first.
 */
export async function screenshot(name: string, settle = 600): Promise<Dom | undefined> {
  await new Promise((r) => setTimeout(r, settle));
  const dir = process.env.CFPUSH_TEST_DOM_DIR;
  const file = dir && join(dir, `${name}.json`);
  if (file) rmSync(file, { force: true });
  console.log(`[[screenshot:${name}]]`);
  if (!file) return undefined;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Dom;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the runner did not take screenshot ${name} within 20 s`);
}

/**
 * Asks the runner (run-code-server) to click the button labelled `label` in a
 * view's welcome content, as a person would; true once clicked, undefined under a
 * runner without a page (run-electron). Throws when the runner found no such button.
 */
export async function clickWelcomeButton(label: string): Promise<true | undefined> {
  const dir = process.env.CFPUSH_TEST_DOM_DIR;
  const file = dir && join(dir, `click-welcome-${label.replace(/[^\w.-]+/g, '_')}.json`);
  if (file) rmSync(file, { force: true });
  console.log(`[[click-welcome:${label}]]`);
  if (!file) return undefined;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const r = JSON.parse(readFileSync(file, 'utf8')) as { clicked: boolean; error?: string };
      if (!r.clicked) throw new Error(`the welcome view's "${label}" button could not be clicked: ${r.error}`);
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the runner did not click "${label}" within 20 s`);
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
