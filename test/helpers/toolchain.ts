// Toolchains the built-in buildpacks use from this machine (nginx, later java,
// ruby, php): a test that needs one skips on a laptop without it and says how
// to install it; in CI (CI or CFPUSH_REQUIRE_HOSTS=1) it fails instead.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

/** The path of `cmd` on PATH or in the sbin folders Debian uses, else undefined. */
export function findTool(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

/** True when `cmd` is there; otherwise skips `t` (fails it in CI) naming the Debian package. */
export function needTool(t: TestContext, cmd: string, debianPackage: string): boolean {
  return need(t, !!findTool(cmd), cmd, debianPackage);
}

/** True when one of `files` exists (a library, not a command: Tomcat's jars); otherwise as needTool. */
export function needFile(t: TestContext, files: string[], what: string, debianPackage: string): boolean {
  return need(
    t,
    files.some((f) => existsSync(f)),
    what,
    debianPackage,
  );
}

/** True when `present` (a check of the caller's: a Python module, say); otherwise as needTool. */
export function needThat(t: TestContext, present: boolean, what: string, debianPackage: string): boolean {
  return need(t, present, what, debianPackage);
}

function need(t: TestContext, present: boolean, what: string, debianPackage: string): boolean {
  if (present) return true;
  const why = `${what} is not installed on this machine: sudo apt-get install ${debianPackage} (.ci/run installs it)`;
  if (required) assert.fail(why);
  t.skip(why);
  return false;
}
