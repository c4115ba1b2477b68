// How long refusing hostile input takes, and what it costs the daemon's
// memory (issue 13: "each rejected in under a second, memory bounded").
// The parser in process (what the CLI and the editor run per keystroke), then
// the running daemon: apply_manifest with each bad manifest, a zip bomb, a
// zip whose headers lie, and a tgz droplet bomb. A well-formed manifest of the
// same kind is timed beside them for scale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../../src/core/manifest';
import { startDaemon, stopDaemon } from '../../src/foundation/daemon';
import { aliasBomb, writeTgzBomb, writeZipBomb } from '../helpers/bombs';
import { cliPath, freePort } from '../helpers/cli';
import { cleanup, multipart, tempDir } from '../foundation/helpers';
import { daemonApi } from '../foundation/supervisor-helpers';

const MANIFESTS: [string, string][] = [
  [
    'well-formed (300 apps sharing <<: *defaults)',
    (() => {
      let t = 'defaults: &d\n  memory: 64M\n  env: {A: "1"}\napplications:\n';
      for (let i = 0; i < 300; i++) t += `- name: app-${i}\n  <<: *d\n`;
      return t;
    })(),
  ],
  ['alias bomb, 9 levels of 9 (315 B)', aliasBomb(9)],
  ['alias bomb, 9 levels of 16', aliasBomb(9, 16)],
  ['20 000 nested [ ]', `applications:\n- name: a\n  env:\n    X: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`],
  ['2 MiB manifest', `applications:\n- name: a\n  env:\n    X: "${'x'.repeat(2 * 1024 * 1024)}"\n`],
];

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main() {
  console.log('| input | parse in process (CLI, editor) ms |');
  console.log('|---|---|');
  for (const [what, text] of MANIFESTS) {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      parseManifest(text, { file: 'manifest.yml' });
      runs.push(ms(t0));
    }
    console.log(`| ${what} | ${runs.sort((a, b) => a - b)[2]!.toFixed(1)} |`);
  }

  const dir = tempDir('cfpush-bench-hostile-');
  const info = await startDaemon({ dataDir: dir, apiPort: await freePort(), routerPort: await freePort(), cliPath });
  try {
    const api = await daemonApi(info.apiUrl, dir);
    const space = await api.space();
    const app = (await api.post('/v3/apps', { name: 'target', relationships: { space: { data: { guid: space.guid } } } })).json;
    const rows: string[] = [];
    const measure = async (what: string, fn: () => Promise<number>) => {
      writeFileSync(`/proc/${info.pid}/clear_refs`, '5');
      const before = peakMb(info.pid);
      const t0 = process.hrtime.bigint();
      const status = await fn();
      rows.push(`| ${what} | ${status} | ${ms(t0).toFixed(0)} | ${(peakMb(info.pid) - before).toFixed(1)} |`);
    };
    for (const [what, text] of MANIFESTS) {
      await measure(
        `apply_manifest: ${what}`,
        async () => (await api.call('POST', `/v3/spaces/${space.guid}/actions/apply_manifest`, text, { 'content-type': 'application/x-yaml' })).status,
      );
    }
    const work = tempDir('cfpush-bench-bombs-');
    writeZipBomb(join(work, 'honest.zip'), [{ name: 'zeros', mib: 3072 }]);
    writeZipBomb(join(work, 'liar.zip'), [{ name: 'small.txt', mib: 3072, declared: 1024 }]);
    writeTgzBomb(join(work, 'bomb.tgz'), 3072);
    for (const zip of ['honest.zip', 'liar.zip']) {
      const pkg = (await api.post('/v3/packages', { type: 'bits', relationships: { app: { data: { guid: app.guid } } } })).json;
      const mp = multipart([], readFileSync(join(work, zip)));
      await measure(
        `package upload: ${zip} (3 MB → 3 GiB)`,
        async () => (await api.call('POST', `/v3/packages/${pkg.guid}/upload`, mp.body, { 'content-type': mp.contentType })).status,
      );
    }
    const d = (await api.post('/v3/droplets', { relationships: { app: { data: { guid: app.guid } } } })).json;
    const body = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="bits"; filename="d.tgz"\r\n\r\n'),
      readFileSync(join(work, 'bomb.tgz')),
      Buffer.from('\r\n--b--\r\n'),
    ]);
    await measure(
      'droplet upload: bomb.tgz (3 MB → 3 GiB)',
      async () => (await api.call('POST', `/v3/droplets/${d.guid}/upload`, body, { 'content-type': 'multipart/form-data; boundary=b' })).status,
    );
    console.log('\n| request to the daemon | status | ms | peak RSS growth MB |');
    console.log('|---|---|---|---|');
    for (const r of rows) console.log(r);
    cleanup(work);
  } finally {
    await stopDaemon(dir).catch(() => undefined);
    cleanup(dir);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
