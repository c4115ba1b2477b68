// The core (CC client, push engine, manifest parser, undici, yaml...) lives in
// dist/core.js and is required the first time a command, the tree or a
// manifest editor needs it, not at activation. Value imports of src/core from
// src/vscode go through core(); type imports are free.
export type Core = typeof import('../bundle');

let loaded: Core | undefined;

export function core(): Core {
  if (loaded) return loaded;
  // build.mjs keeps './core.js' external: it resolves to dist/core.js at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require('./core.js') as Core;
  // Requests name the editor too (cfpush/0.1.0 (...) vscode/1.95.0).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded.setUserAgentHost(`vscode/${(require('vscode') as typeof import('vscode')).version}`);
  return loaded;
}

/** True once core() ran (the activation benchmark asserts it did not). */
export function coreLoaded(): boolean {
  return loaded !== undefined;
}
