// The contributed menus as a VS Code user meets them (issue 18 point 8):
// Explorer and editor context menus hold one "Cloud Foundry" submenu (so
// Push / Restage / Detect read as Cloud Foundry's, not Git's), and every
// command has a title in the CF category and a palette rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/cli';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const c = pkg.contributes;

test('Explorer and editor context menus: one Cloud Foundry submenu with Push, Restage, Detect Buildpack, Export as Image', () => {
  const sub = c.submenus.find((s: { label: string }) => s.label === 'Cloud Foundry');
  assert.ok(sub, JSON.stringify(c.submenus));
  for (const where of ['explorer/context', 'editor/context'])
    assert.deepEqual(
      c.menus[where].map((m: { submenu?: string }) => m.submenu),
      [sub.id],
      where,
    );
  assert.deepEqual(
    c.menus[sub.id].map((m: { command: string }) => m.command),
    ['cfpush.push', 'cfpush.restage', 'cfpush.detect', 'cfpush.exportImage'],
  );
});

test('every command: category CF and an icon; tree-only commands never in the palette, deployment and undo ones only when they apply', () => {
  const palette = new Map<string, string>(c.menus.commandPalette.map((m: { command: string; when: string }) => [m.command, m.when]));
  for (const cmd of c.commands) {
    assert.equal(cmd.category, 'CF', cmd.command);
    assert.match(cmd.icon, /^\$\([\w-]+\)$/, cmd.command);
  }
  // Tree-only commands never show in the palette.
  for (const id of ['cfpush.runTask', 'cfpush.unbindService', 'cfpush.stopLogs', 'cfpush.openRoute', 'cfpush.swapBack'])
    assert.equal(palette.get(id), 'false', id);
  assert.equal(palette.get('cfpush.continueDeployment'), 'cfpush.deploymentPaused');
  assert.equal(palette.get('cfpush.undoRouteChange'), 'cfpush.canUndoRoutes');
});

/**
 * The palette rules that say "true" (offered whenever the window is open), each a decision:
 * - the app commands pick an app of the current space themselves (and say so when there is
 *   none); whether a space has apps is known only once the tree listed it, so a rule on that
 *   would hide them from someone who never opened the tree (commit 8651f0f);
 * - Create Service picks from the target's marketplace, which every target has;
 * - Select Target and Log In add or choose a target: always possible; Show Output: the
 *   channel always exists.
 */
const ALWAYS = [
  'cfpush.restage',
  'cfpush.swapRoutes',
  'cfpush.startApp',
  'cfpush.stopApp',
  'cfpush.restartApp',
  'cfpush.scaleApp',
  'cfpush.showLogs',
  'cfpush.showTraffic',
  'cfpush.exportImage',
  'cfpush.createManagedService',
  'cfpush.selectTarget',
  'cfpush.login',
  'cfpush.showOutput',
];

test('every command has a palette `when` (issue 18: on every contributed command); "true" only where the command applies whenever the window is open', () => {
  const entries: { command: string; when?: string }[] = c.menus.commandPalette;
  const palette = new Map(entries.map((m) => [m.command, m.when]));
  assert.equal(palette.size, entries.length, 'one rule per command');
  for (const cmd of c.commands) assert.equal(typeof palette.get(cmd.command), 'string', `${cmd.command} has no commandPalette when`);
  for (const id of palette.keys())
    assert.ok(
      c.commands.some((x: { command: string }) => x.command === id),
      `a palette rule for ${id}, which is no command`,
    );
  assert.deepEqual(
    [...palette]
      .filter(([, w]) => w === 'true')
      .map(([id]) => id)
      .sort(),
    [...ALWAYS].sort(),
  );
  // Sign Out, reconsidered against the words (it names Sign Out among the commands that
  // "appear when nothing applies"): 8651f0f kept it always, as the tree might not have been opened
  // to know of a login. The fact no longer needs the tree: a login, a sign-out and a session opened
  // on a remote target set it (src/vscode/ctx.ts), and so does the tree for each remote target it
  // draws. Until one of these happened in a window the palette does not offer it; the target's
  // item in the tree always does.
  assert.equal(palette.get('cfpush.logout'), 'cfpush.signedIn');
  assert.equal(palette.get('cfpush.startFoundation'), '!cfpush.foundationRunning');
  assert.equal(palette.get('cfpush.stopFoundation'), 'cfpush.foundationRunning');
  assert.equal(palette.get('cfpush.refresh'), 'view.cfpush.targets.visible');
  for (const id of ['cfpush.push', 'cfpush.pushBlueGreen', 'cfpush.detect', 'cfpush.toggleWatch'])
    assert.equal(palette.get(id), 'workspaceFolderCount > 0', id);
});

test('every cfpush.* context key a palette rule reads is set by the extension', () => {
  const src: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) src.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(repoRoot, 'src', 'vscode'));
  const all = src.join('\n');
  const keys = new Set<string>();
  // (Not VS Code's own keys: view.cfpush.targets.visible.)
  for (const m of c.menus.commandPalette as { when: string }[]) for (const k of m.when.matchAll(/(?<![.\w])cfpush\.(\w+)/g)) keys.add(k[1]!);
  assert.ok(keys.size >= 6, [...keys].join(', '));
  for (const k of keys)
    assert.ok(new RegExp(`note\\(\\s*'${k}'|'setContext',\\s*'cfpush\\.${k}'`).test(all), `cfpush.${k} is read by a palette rule but never set in src/vscode`);
});
