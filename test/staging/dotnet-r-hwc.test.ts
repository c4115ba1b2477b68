// .NET, R and HWC apps are detected as CF's buildpacks detect them, and
// staging says what this machine lacks (and how to get it) instead of
// "no buildpack": a project file, R named as a supply buildpack, Web.config.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stage } from '../../src/core/staging/builder';
import { detect } from '../../src/core/staging/detect';
import { packageRoot } from '../../src/core/paths';
import { findTool } from '../helpers/toolchain';
import { cleanupTempDirs, stagingFailure, tempDir, writeFiles } from './helpers';

after(cleanupTempDirs);

describe('.NET, R and HWC', () => {
  it('a .csproj (below the top too) detects dotnet-core; staging names the .NET SDK and how to install it', async () => {
    const root = tempDir();
    const app = writeFiles(join(root, 'app'), { 'src/Web/Web.csproj': '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>\n', 'src/Web/Program.cs': '' });
    const r = await detect(app);
    assert.equal(r.selected?.name, 'dotnet-core');
    assert.equal(r.selected?.key, 'dotnet_core_buildpack');
    const e = await stagingFailure(stage({ appDir: app, cacheDir: join(root, 'c'), explodedDir: join(root, 'd') }));
    if (findTool('dotnet')) assert.match(e.message, /is installed .*but cf-push does not stage \.NET apps with it yet/);
    else
      assert.match(e.message, /This is a \.NET project, and the \.NET SDK \(dotnet\) is not installed on this machine\.[\s\S]*apt-get install dotnet-sdk-8\.0/);
    assert.equal(existsSync(join(root, 'd')), false);
    // A published app is detected by its runtimeconfig, as CF does.
    const published = writeFiles(join(root, 'pub'), { 'Web.runtimeconfig.json': '{"runtimeOptions":{}}', 'Web.dll': '' });
    assert.equal((await detect(published)).selected?.name, 'dotnet-core');
  });

  it('R never detects on its own; named first (-b r_buildpack -b nodejs_buildpack) it supplies R or says how to install it', async () => {
    const root = tempDir();
    const app = join(root, 'app');
    cpSync(join(packageRoot(), 'examples', 'hello-node'), app, { recursive: true });
    const r = await detect(writeFiles(join(root, 'r-only'), { 'app.R': 'print(1)\n' }));
    assert.equal(r.verdicts.find((v) => v.name === 'r')?.matched, false);
    const named = stage({ appDir: app, cacheDir: join(root, 'c'), explodedDir: join(root, 'd'), buildpacks: ['r_buildpack', 'nodejs_buildpack'] });
    if (findTool('Rscript')) {
      const ok = await named;
      assert.deepEqual(
        ok.buildpacks.map((b) => b.name),
        ['r', 'nodejs'],
      );
    } else {
      const e = await stagingFailure(named);
      assert.match(e.message, /R \(Rscript\) is not installed on this machine\.[\s\S]*apt-get install r-base-core/);
      assert.equal(existsSync(join(root, 'd')), false);
    }
  });

  it('Web.config (any case) detects hwc; staging says it needs a Windows cell and what to do instead', async () => {
    const root = tempDir();
    const app = writeFiles(join(root, 'app'), { 'web.config': '<configuration/>\n', 'Default.aspx': '' });
    assert.equal((await detect(app)).selected?.name, 'hwc');
    const e = await stagingFailure(stage({ appDir: app, cacheDir: join(root, 'c'), explodedDir: join(root, 'd') }));
    assert.match(e.message, /ASP\.NET app for Windows: CF runs it with hwc_buildpack on a windows stack cell/);
    assert.match(e.message, /cf push APP -s windows -b hwc_buildpack/);
    writeFileSync(join(app, 'package.json'), '{}');
    assert.equal((await detect(app)).selected?.name, 'nodejs', 'a node app with a Web.config is a node app (nodejs comes first)');
  });
});
