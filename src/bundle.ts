// Entry of dist/core.js, the one bundle of the core: what the extension uses,
// required on first use (src/vscode/lazy.ts) so activation stays a few
// milliseconds, and the `cfpush` commands that dist/cli.js runs (the local
// foundation runs as `cfpush foundation start`). Nothing here may import 'vscode'.
import type { Session } from './core/session';
import { openSession as openSessionWith, type OpenSessionOptions } from './core/targets';
import { localFoundation } from './foundation/access';

export {
  push,
  restage,
  swapRoutes,
  mapRoute,
  unmapRoute,
  startApp,
  stopApp,
  deleteApp,
  scaleApp,
  restartApp,
  previewPush,
  pushBlueGreen,
  swapBack,
  continueDeployment,
  cancelDeployment,
  runTask,
  terminateTask,
  waitForTask,
} from './core/push';
export { appEvents, setEnv, unsetEnv } from './core/actors/app-settings';
export { appRunEnv, gitIgnores, writeDotenv } from './core/actors/local-run-env';
export { bindService, createUserProvidedService, listServices, unbindService } from './core/actors/services';
export { createService, deleteService, marketplace } from './core/actors/managed-services';
export { sshEndpoint } from './core/ssh/endpoint';
export { openSsh } from './core/ssh/client';
export { openTunnel, parseForwardSpec } from './core/ssh/forward';
export { applyRoutePlan, inverse, isEmpty, planRouteMoves, planSwap } from './core/actors/route-plan';
export { appSummaries, builtWith, deploymentText, instanceTotals, processSummaries } from './core/actors/app-summary';
export { previousName, nextName } from './core/push/bluegreen';
export { TrafficReader } from './core/traffic';
export { appUrls, findApp } from './core/push/steps';
export { followLogs, formatLogLine, readLogs } from './core/push/logs';
export { listTargets, localInstalledBuildpacks, setTarget, LOCAL } from './core/targets';
// The extension opens sessions with the local foundation reachable (core is told how, never imports it).
export const openSession = (o: OpenSessionOptions = {}): Promise<Session> => openSessionWith({ local: localFoundation, ...o });
export const stopLocalFoundation = (dataDir: string): Promise<void> => localFoundation.stop(dataDir);
export { CfPushError, formatError, isCancelled } from './core/errors';
export { setUserAgentHost } from './core/user-agent';
export { FileTokenStore } from './core/auth/store';
export { loginPrompts, loginWithPassword, loginWithPasscode, logout, reuseCfCliLogin } from './core/auth/login';
export { parseManifest, loadManifest, MANIFEST_KEYS, ManifestError, manifestJsonSchema, manifestWarnings } from './core/manifest';
export { detect, formatDetectReport } from './core/staging/detect';
export { builtinBuildpacks, describeBuildpack } from './core/staging/buildpacks';
// Issue 8: droplet → image. dockerode comes with these, still only on first use.
export { exportApp, exportDroplet } from './core/docker/export';

export { runCli } from './cli/main';
export { startDebug } from './core/actors/debug';
export { DEBUG_EXTENSION } from './core/debug/runtimes';
