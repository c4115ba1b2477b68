// `cfpush detect`: every buildpack's verdict with a reason, docker lifecycle.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { builtinBuildpacks } from '../../src/core/staging/buildpacks';
import { detect, detectBuiltins, detectOne, formatDetectReport } from '../../src/core/staging/detect';
import { baseStagingEnv } from '../../src/core/staging/env';
import type { DetectVerdict } from '../../src/core/staging/types';
import { packageRoot } from '../../src/core/paths';
import { cleanupTempDirs, makeBuildpack, tempDir, writeFiles } from './helpers';

after(cleanupTempDirs);

describe('detect', () => {
  it('reports every built-in in priority order for hello-node', async () => {
    const r = await detect(join(packageRoot(), 'examples', 'hello-node'));
    assert.deepEqual(
      r.verdicts.map((v) => [v.name, v.matched]),
      [
        ['staticfile', false],
        ['java', false],
        ['ruby', false],
        ['dotnet-core', false],
        ['nodejs', true],
        ['go', false],
        ['python', false],
        ['php', false],
        ['nginx', false],
        ['r', false],
        ['hwc', false],
        ['binary', false],
      ],
    );
    assert.equal(r.selected?.name, 'nodejs');
    assert.equal(r.selected?.output, 'nodejs');
    assert.equal(r.lifecycle, 'buildpack');
    assert.equal(r.verdicts[0]!.output, 'looked for a Staticfile');
    assert.equal(r.verdicts.find((v) => v.name === 'go')!.output, 'looked for go.mod or *.go files');
    assert.match(r.verdicts.at(-1)!.output, /only used when named with -b binary/);
    const text = formatDetectReport(r);
    assert.match(text, /✓ nodejs +1\.0\.0 +detected: nodejs/);
    assert.match(text, /✗ staticfile +1\.0\.0 +looked for a Staticfile/);
    assert.match(text, /Selected buildpack: nodejs 1\.0\.0/);
  });

  it('hello-go selects go; several matches still report all', async () => {
    const r = await detect(join(packageRoot(), 'examples', 'hello-go'));
    assert.equal(r.selected?.name, 'go');
    const both = writeFiles(tempDir(), { 'package.json': '{}', 'requirements.txt': '' });
    const r2 = await detect(both);
    assert.deepEqual(
      r2.verdicts.filter((v) => v.matched).map((v) => v.name),
      ['nodejs', 'python'],
    );
    assert.equal(r2.selected?.name, 'nodejs');
  });

  it('a Dockerfile selects the docker lifecycle and still reports verdicts', async () => {
    const dir = writeFiles(tempDir(), { Dockerfile: 'FROM scratch\n', 'package.json': '{}' });
    const r = await detect(dir);
    assert.equal(r.lifecycle, 'docker');
    assert.equal(r.verdicts.length, builtinBuildpacks().length);
    assert.match(formatDetectReport(r), /docker lifecycle/);
  });

  it('named buildpacks: reason from stderr or the exit code when there is no hint', async () => {
    const root = tempDir();
    const a = makeBuildpack(root, 'a', { scripts: { detect: 'echo "wanted a.cfg" >&2; exit 1' } });
    const b = makeBuildpack(root, 'b', { scripts: { detect: 'exit 7' } });
    const r = await detect(writeFiles(join(root, 'app'), { x: '' }), { buildpacks: [a, b, 'binary'] });
    assert.deepEqual(
      r.verdicts.map((v) => v.output),
      ['wanted a.cfg', 'bin/detect exited with 7', 'never detects on its own; only used when named with -b binary'],
    );
    assert.equal(r.selected, undefined);
    assert.match(formatDetectReport(r), /None of the buildpacks detected a compatible application/);
  });

  it('the built-ins in one process give the verdicts each script gives on its own, up to the first match', async () => {
    const bps = builtinBuildpacks();
    const env = { ...baseStagingEnv() };
    const apps: Record<string, Record<string, string>> = {
      node: { 'package.json': '{}' },
      'java source': { 'pom.xml': '<project/>' },
      'jar without Main-Class': { 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n' },
      'spring boot': { 'META-INF/MANIFEST.MF': 'Main-Class: a.B\r\nStart-Class: c.D\r\n', 'BOOT-INF/x': '' },
      'php in htdocs': { 'htdocs/index.php': '<?php' },
      dotnet: { 'src/app.csproj': '<Project/>' },
      nothing: { 'README.md': 'hi' },
    };
    for (const [what, files] of Object.entries(apps)) {
      const dir = writeFiles(tempDir(), files);
      const each: DetectVerdict[] = [];
      for (const bp of bps) {
        each.push(await detectOne(bp, dir, env));
        if (each.at(-1)!.matched) break;
      }
      const batch = await detectBuiltins(bps, dir, env, join(tempDir(), 'stderr'));
      assert.deepEqual(batch, each, what);
    }
    // A cancel stops the batch and says so.
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(detectBuiltins(bps, tempDir(), env, join(tempDir(), 'stderr'), ac.signal), /cancelled/i);
  });
});
