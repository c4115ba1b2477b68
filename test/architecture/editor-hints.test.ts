// Messages inside the editor name editor commands, never a CLI command line
// (issue 18): every `cfpush …` hint the core can give is translated.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { editorHint } from '../../src/vscode/hints';
import { repoRoot } from '../helpers/cli';

test('cfpush command lines and push flags become editor commands and manifest keys', () => {
  assert.equal(editorHint('Check the name with `cfpush apps`.'), 'Check the name with the Cloud Foundry view.');
  assert.equal(editorHint('Log in again with `cfpush login`.'), 'Log in again with **CF: Log In**.');
  assert.equal(
    editorHint('Start one with `cfpush push hello --strategy canary`.'),
    'Start one with **CF: Push** with the setting `cfpush.push.strategy` set to `canary`.',
  );
  assert.equal(
    editorHint('A worker that serves no HTTP: push it with `-u process`.'),
    'A worker that serves no HTTP: push it with `health-check-type: process` in manifest.yml.',
  );
  assert.equal(
    editorHint('Restart it: `cfpush foundation stop` then `cfpush foundation start`.'),
    'Restart it: **CF: Stop Local Foundation** then **CF: Start Local Foundation**.',
  );
  assert.equal(
    editorHint('`cfpush stage DIR -o app.tgz && cfpush export app.tgz`'),
    '**CF: Detect Buildpack** (and the push output), then **CF: Export as Image**',
  );
  assert.equal(editorHint('An admin can: `cf enable-ssh app`.'), 'An admin can: `cf enable-ssh app`.', "the cf CLI's admin commands stay as they are");
});

test('no hint of the core keeps a `cfpush …` command line once in the editor', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(repoRoot, 'src', 'core'));
  walk(join(repoRoot, 'src', 'foundation'));
  const hints = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/`(cfpush [^`$]*)\\?`/g)].map((m) => `\`${m[1]}\``));
  assert.ok(hints.length > 30, `found ${hints.length} hints`);
  for (const h of hints) assert.doesNotMatch(editorHint(h), /`cfpush /, h);
});
