// The stack image for the parity and export tests: the real engine
// (test/docker/engine.ts) plus cfpush/stack:bookworm. Missing → the test
// skips locally with how to build it, and fails on CI.
import type Docker from 'dockerode';
import * as assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { DEFAULT_STACK_IMAGE } from '../../src/core/docker/stack';
import { required, requireEngine } from '../docker/engine';

export const STACK_HINT = 'Build it with `bash test/hosts/stack-image.sh` (root; debootstrap from the Debian mirror, about 30-80 s, cached).';

/** The engine with the stack image, or undefined after skipping (locally) / failing (CI). */
export async function requireStack(t: TestContext): Promise<Docker | undefined> {
  const docker = await requireEngine(t);
  if (!docker) return undefined;
  try {
    await docker.getImage(DEFAULT_STACK_IMAGE).inspect();
    return docker;
  } catch {
    const msg = `stack image ${DEFAULT_STACK_IMAGE} missing in the engine. ${STACK_HINT}`;
    if (required) assert.fail(msg);
    t.skip(msg);
    return undefined;
  }
}
