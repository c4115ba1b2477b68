// A small tmpfs for tests that need a full, read-only or separate filesystem.
// Mounting needs root (CI runs as root): elsewhere the test skips and says
// so; in CI (CI or CFPUSH_REQUIRE_HOSTS=1) it fails instead.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import type { TestContext } from 'node:test';

const required = !!process.env.CI || process.env.CFPUSH_REQUIRE_HOSTS === '1';

/** Mounts a tmpfs of `sizeMb` at `dir`; false (after skipping or failing `t`) where this machine cannot. */
export function mountTmpfs(t: TestContext, dir: string, sizeMb: number): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch (err) {
    const why = `cannot mount a tmpfs at ${dir} (${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}); this test needs root (sudo) to mount one`;
    if (required) assert.fail(why);
    t.skip(why);
    return false;
  }
}

/**
 * Makes `dir` read-only for everything that opens a path under it from now
 * on: a read-only bind mount over it (a plain `remount,ro` is refused while
 * a file there is open for writing, as the foundation's log is). Files
 * already open stay writable. Returns the undo.
 */
export function readOnly(dir: string): () => void {
  execFileSync('mount', ['--bind', dir, dir], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,bind,ro', dir], { stdio: 'pipe' });
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    // Lazy: an instance started meanwhile has its cwd in the read-only view, which it keeps.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  };
}

/** Unmounts everything stacked on `dir` (the tmpfs and any bind over it). */
export function unmount(dir: string): void {
  for (let i = 0; i < 4; i++) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      return; // nothing (more) mounted there
    }
  }
}

/** Bytes free for this user on the filesystem at `dir`. */
export function freeBytes(dir: string): number {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}

let fills = 0;

/**
 * Fills the filesystem at `dir` (leaving `leaveBytes`) with a new file;
 * returns its path. Called again, it fills what was freed since.
 */
export function fill(dir: string, leaveBytes = 0): string {
  const file = `${dir}/.fill-${++fills}`;
  const bytes = freeBytes(dir) - leaveBytes;
  if (bytes > 0) execFileSync('fallocate', ['-l', String(bytes), file], { stdio: 'pipe' });
  return file;
}
