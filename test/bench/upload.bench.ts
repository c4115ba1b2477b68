// Bytes sent by a re-push with one changed file (issue 4): every request body
// and header the client sends during the push, measured by a recording proxy
// in front of the local foundation. Goal: changed bytes + ≤ 5 KB.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginWithPassword } from '../../src/core/auth/login';
import { FileTokenStore } from '../../src/core/auth/store';
import { push } from '../../src/core/push';
import { openSession, setTarget } from '../../src/core/targets';
import { cliEnv, repoRoot } from '../helpers/cli';
import { recordingProxy } from '../helpers/recorder';

const quiet = { step() {}, log() {}, warn() {} };

async function main() {
  const c = await cliEnv();
  Object.assign(process.env, c.env);
  try {
    await c.ok(['foundation', 'start']);
    const fdir = join(c.home, 'foundation');
    const proxy = await recordingProxy(JSON.parse(readFileSync(join(fdir, 'foundation.json'), 'utf8')).apiUrl);
    await setTarget({ name: 'rec', api: proxy.url });
    const creds = JSON.parse(readFileSync(join(fdir, 'credentials.json'), 'utf8'));
    await loginWithPassword({ name: 'rec', api: proxy.url }, creds.username, creds.password, new FileTokenStore());
    const s = await openSession({ target: 'rec' });
    const rows = [];
    for (const [label, files] of [
      ['hello-node (3 files)', 0],
      ['hello-node + 200 files of 2 KB', 200],
    ] as const) {
      const dir = join(mkdtempSync(join(tmpdir(), 'cfpush-up-')), 'app');
      cpSync(join(repoRoot, 'examples', 'hello-node'), dir, { recursive: true });
      mkdirSync(join(dir, 'lib'));
      for (let i = 0; i < files; i++) writeFileSync(join(dir, 'lib', `f${i}.js`), randomBytes(1024).toString('hex'));
      const name = `up${files}`;
      await push(s, { dir, appName: name }, quiet);
      const changed = randomBytes(10_000); // incompressible, so the zip cannot hide overhead
      writeFileSync(join(dir, 'changed.bin'), changed);
      proxy.log.length = 0;
      await push(s, { dir, appName: name }, quiet);
      const sent = proxy.log.reduce((n, r) => n + r.bytes + r.headerBytes, 0);
      const upload = proxy.log.find((r) => r.path.endsWith('/upload'))!;
      rows.push({
        app: label,
        changedBytes: changed.length,
        sentBytes: sent,
        overheadBytes: sent - changed.length,
        uploadBodyBytes: upload.bytes,
        requests: proxy.log.length,
      });
    }
    console.log(JSON.stringify(rows, null, 2));
    for (const r of rows) console.log(`| ${r.app} | ${r.changedBytes} B | ${r.sentBytes} B | ${r.overheadBytes} B | ${r.uploadBodyBytes} B | ${r.requests} |`);
    await proxy.close();
  } finally {
    await c.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
