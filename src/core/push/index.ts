// The push engine's public face: what the CLI and the extension call.
// Implementations live beside this file, one per operation.

/** Progress and output of a long operation, for a terminal or VS Code's withProgress + output channel. */
export interface Reporter {
  /** A step of the timeline ("Uploading 1 file (1.2 KB)"). */
  step(message: string): void;
  /** A log line from the target (staging `[STG/0] ...`, app logs). */
  log(line: string): void;
  /** X-Cf-Warnings and our own warnings. */
  warn(message: string): void;
}

import type { Manifest } from '../manifest/types';
import type { AppOverrides } from './overrides';

export interface PushOptions {
  /** The folder to push (manifest.yml looked up here). */
  dir: string;
  /** `push APP`: the app to push from the manifest, or the name when there is no manifest. */
  appName?: string;
  manifestFile?: string;
  /**
   * The manifest, already loaded by the caller (it validated it up front):
   * the preview and the push then act on the same text, read once.
   */
  manifest?: Manifest;
  /** `-p PATH`: overrides the manifest's path (single app only). */
  path?: string;
  buildpacks?: string[];
  vars?: Record<string, string>;
  varsFiles?: string[];
  noStart?: boolean;
  /** `--no-wait`: a rolling push returns once the first new instance is healthy, the rollout going on. */
  noWait?: boolean;
  /** `--task`: stage and set the droplet, start nothing (with no route: the CLI adds --no-route). */
  task?: boolean;
  /** `--strategy`: blue-green (a second app, health-gated route swap), rolling or canary (CC deployments). */
  strategy?: 'blue-green' | 'rolling' | 'canary';
  /** `--instance-steps 10,50`: canary steps as percentages of the web instances. */
  instanceSteps?: number[];
  /** `-o IMAGE`: push a docker image (docker lifecycle); `--docker-username`, password from CF_DOCKER_PASSWORD. */
  dockerImage?: string;
  dockerUsername?: string;
  /** `--docker-registry HOST/REPO` (or CFPUSH_DOCKER_REGISTRY): where an image built from a Dockerfile goes for a remote target. */
  dockerRegistry?: string;
  /** `--droplet F`: push this droplet .tgz instead of bits. */
  droplet?: string;
  /** `--stage-locally`: stage on this machine, push only the droplet. */
  stageLocally?: boolean;
  /**
   * Stage on this machine with the buildpack scripts in a stack container
   * (`cfpush stage --in-container`), push only the droplet. Implies stageLocally.
   */
  stageInContainer?: { stack?: string };
  /** Blue-green gate: GET this path on the temporary route (default `/`), or run this command with APP_URL set. */
  smokeTest?: { path?: string; command?: string };
  /** cf push's flags over the manifest for the one app pushed (-m -k -i -c -u --endpoint -t -s --no-route --random-route). */
  overrides?: AppOverrides;
  /** The preview just checked buildpacks and route domains against the target: the push need not ask again. */
  targetChecked?: boolean;
  signal?: AbortSignal;
}

export interface PushedApp {
  name: string;
  guid: string;
  state: string;
  /** Browser URLs of the app's routes. */
  urls: string[];
  /** A canary push ends with its deployment paused after the first step. */
  deployment?: { guid: string; reason: 'PAUSED'; canarySteps?: { current: number; total: number } };
}

export { push } from './push';
export type { AppOverrides } from './overrides';
export { continueDeployment, cancelDeployment } from './deployments';
export { restage } from './restage';
export { swapRoutes, mapRoute, unmapRoute } from './routes';
export { startApp, stopApp, deleteApp } from './lifecycle';
export { scaleApp, restartApp } from './scale';
export { previewPush } from './preview';
export { pushBlueGreen, swapBack } from './bluegreen';
export { runTask, appTasks, terminateTask, waitForTask } from './tasks';
