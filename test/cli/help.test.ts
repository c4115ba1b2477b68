// `--help` on every command comes from the same declaration its flags are
// parsed with (src/cli/args.ts): each lists every flag the command parses,
// the usage line in errors names them, and an undeclared flag is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS } from '../../src/cli/main';
import { cliEnv, type CliEnv } from '../helpers/cli';

// Three CLI starts per command (about 45 of them): on a loaded 2-core machine that is minutes, not a speed goal.
describe('cfpush help', { timeout: 420_000 }, () => {
  let c: CliEnv;
  before(async () => {
    c = await cliEnv();
  });
  after(async () => {
    await c.cleanup();
  });

  it('the top-level help lists every command with its summary', async () => {
    const r = await c.ok(['--help']);
    for (const [name, [, s]] of Object.entries(COMMANDS)) assert.match(r.stdout, new RegExp(`^  ${name} +${escape(s.summary)}$`, 'm'), name);
  });

  for (const [name, [, s]] of Object.entries(COMMANDS)) {
    it(`cfpush ${name} --help lists every flag it parses; -h too; an undeclared flag is refused with the usage`, async () => {
      const r = await c.ok([name, '--help']);
      assert.match(r.stdout, new RegExp(`^NAME:\\n   ${name} - ${escape(s.summary)}\\n`), r.stdout);
      assert.match(r.stdout, new RegExp(`^USAGE:\\n   cfpush ${name}`, 'm'));
      for (const [long, f] of Object.entries(s.flags)) {
        const names = f.short ? `--${long}, -${f.short}` : `--${long}`;
        assert.match(r.stdout, new RegExp(`^   ${escape(names)}\\b.*${escape(f.help)}`, 'm'), `${name}: --${long}\n${r.stdout}`);
      }
      if (!Object.values(s.flags).some((f) => f.short === 'h')) assert.equal((await c.ok([name, '-h'])).stdout, r.stdout);
      const bad = await c.run([name, '--no-such-flag']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Incorrect usage: Unknown option '--no-such-flag'/);
      const usage = bad.stderr.split('\n').find((l) => l.startsWith('Usage: '))!;
      for (const [long, f] of Object.entries(s.flags))
        assert.ok(usage.includes(f.short ? `-${f.short}` : `--${long}`), `${name} usage names --${long}: ${usage}`);
    });
  }

  it('a subcommand takes --help too (foundation start --help)', async () => {
    const r = await c.ok(['foundation', 'start', '--help']);
    assert.match(r.stdout, /--api-port N/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
