// A push as a plan and a sequence of steps (the cf CLI's v7pushaction:
// push plans, then ShouldCreateBitsPackage / ShouldStagePackage / ... decide
// the sequence). Pure: what to do follows from the manifest's app, the push
// options and what the target had before; deploy.ts runs the steps.
import type { AppManifest } from '../manifest/types';
import type { PushOptions } from './index';

/** Where the new droplet comes from. */
export type Source = 'bits' | 'droplet' | 'local-staging' | 'docker-image' | 'dockerfile';

/** How the new droplet goes live. */
export type Rollout = 'restart' | 'rolling' | 'canary' | 'blue-green';

export interface AppPlan {
  name: string;
  source: Source;
  noStart: boolean;
  /** `--task`: staged and made current, never started (an app that only runs tasks). */
  task: boolean;
  rollout: Rollout;
  /** The app existed before this push, and ran. */
  existed: boolean;
  wasStarted: boolean;
  /** Why the rollout asked for is not the one planned ("blue-green needs a live version"). */
  note?: string;
}

export type PushStep =
  | 'build-image' // docker build from the app's Dockerfile (and push to a registry for a remote target)
  | 'docker-package' // a docker package for the image
  | 'upload-bits' // resource matching, a bits package, upload of what the target lacks
  | 'stage-locally' // stage on this machine into a droplet file
  | 'upload-droplet' // a droplet record and its bits
  | 'stage' // a build of the package, waited for, its droplet checked
  | 'set-droplet' // the new droplet becomes current
  | 'stop' // a running app stops (--no-start)
  | 'restart' // set droplet and restart
  | 'wait-running' // until the web instances run
  | 'deploy'; // a rolling or canary deployment, waited for

/** The state of the app on the target before this push (undefined: a new app). */
export interface Before {
  state: 'STARTED' | 'STOPPED';
}

export function sourceOf(app: AppManifest & { dockerfile?: unknown }, opts: Pick<PushOptions, 'droplet' | 'stageLocally' | 'stageInContainer'>): Source {
  if (app.docker?.image) return app.dockerfile ? 'dockerfile' : 'docker-image';
  if (opts.droplet) return 'droplet';
  if (opts.stageLocally || opts.stageInContainer) return 'local-staging';
  return 'bits';
}

export function planApp(
  app: AppManifest & { dockerfile?: unknown },
  opts: Pick<PushOptions, 'droplet' | 'stageLocally' | 'stageInContainer' | 'noStart' | 'task' | 'strategy'>,
  before?: Before,
): AppPlan {
  const existed = !!before;
  const wasStarted = before?.state === 'STARTED';
  let rollout: Rollout = opts.strategy ?? 'restart';
  let note: string | undefined;
  // A deployment or a blue-green swap replaces running instances; with none running, a restart is the same thing.
  if (rollout !== 'restart' && !wasStarted) {
    note = `${app.name} is not running yet: pushing it normally (${rollout} needs a live version to replace)`;
    rollout = 'restart';
  }
  if (opts.noStart || opts.task) rollout = 'restart';
  return { name: app.name, source: sourceOf(app, opts), noStart: !!opts.noStart, task: !!opts.task, rollout, existed, wasStarted, ...(note ? { note } : {}) };
}

/**
 * The steps for one app, after apply_manifest made it exist. A blue-green
 * rollout runs these for NAME-next (as a new app started in full) and then
 * swaps routes (bluegreen.ts).
 */
export function pushSteps(plan: AppPlan): PushStep[] {
  const steps: PushStep[] = [];
  const stagedHere = plan.source === 'droplet' || plan.source === 'local-staging';
  switch (plan.source) {
    case 'dockerfile':
      steps.push('build-image', 'docker-package');
      break;
    case 'docker-image':
      steps.push('docker-package');
      break;
    case 'local-staging':
      steps.push('stage-locally', 'upload-droplet');
      break;
    case 'droplet':
      steps.push('upload-droplet');
      break;
    case 'bits':
      steps.push('upload-bits');
      break;
  }
  if (plan.noStart) {
    // As `cf push --no-start`: a droplet brought along becomes current; a package is not staged.
    if (stagedHere) steps.push('set-droplet');
    if (plan.wasStarted) steps.push('stop');
    return steps;
  }
  if (!stagedHere) steps.push('stage');
  if (plan.task) {
    // As `cf push --task`: staged, the droplet current, nothing started.
    steps.push('set-droplet');
    if (plan.wasStarted) steps.push('stop');
    return steps;
  }
  if (plan.rollout === 'rolling' || plan.rollout === 'canary') steps.push('deploy');
  else steps.push('restart', 'wait-running');
  return steps;
}
