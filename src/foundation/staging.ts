// Builds: materialize the package from the blob store, run the real CF
// buildpack lifecycle (core/staging/builder) into an exploded tree, store it
// under its tgz's sha256 (the tgz follows: droplet-bits.ts), and stream the
// output as STG log envelopes.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stage } from '../core/staging/builder';
import { prepareDroplet } from '../core/staging/droplet';
import type { StagingErrorId } from '../core/staging/types';
import { installedBuildpacks } from './admin-buildpacks';
import type { Foundation } from './context';
import { dockerOf } from './docker';
import { stagingEnv } from './env';
import { expireDroplets, expirePackages } from './model';
import { now, type BuildRec, type DropletRec, type PackageRec } from './store';

const STAGING_TIMEOUT_MS = 15 * 60_000;
/** The second collection after a burst of stagings (settle()). */
const SETTLE_AGAIN_MS = 10_000;
const IDS: StagingErrorId[] = [
  'NoAppDetectedError',
  'BuildpackCompileFailed',
  'BuildpackReleaseFailed',
  'StagingError',
  'StagingTimeExpired',
  'InsufficientResources',
];

export class Stager {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly f: Foundation) {}

  isStaging(appGuid: string): boolean {
    return this.f.store.list('builds').some((b) => b.app_guid === appGuid && b.state === 'STAGING');
  }

  /** Starts staging in the background; the build record tracks the outcome. */
  start(build: BuildRec): void {
    const ac = new AbortController();
    this.running.set(build.guid, ac);
    void this.run(build, ac).finally(() => {
      this.running.delete(build.guid);
      if (this.running.size === 0) this.settle();
    });
  }

  private async run(build: BuildRec, ac: AbortController): Promise<void> {
    const { store, logs } = this.f;
    const app = store.get('apps', build.app_guid);
    const pkg = store.get('packages', build.package_guid);
    const log = (line: string, stream: 'stdout' | 'stderr' = 'stdout') => logs.emit(build.app_guid, 'STG', '0', line, stream === 'stderr' ? 'ERR' : 'OUT');
    const dropletGuid = randomUUID();
    const work = store.tmpDir('stage');
    const timer = setTimeout(() => ac.abort(new Error('timeout')), STAGING_TIMEOUT_MS);
    try {
      if (!app || !pkg) throw Object.assign(new Error('the app or package was deleted while staging'), { code: 'StagingError' });
      if (pkg.type === 'docker') {
        await this.stageDocker(build, pkg, dropletGuid, log, ac.signal);
        return;
      }
      log('Downloading app package...');
      await store.materialize(pkg.files, join(work, 'app'));
      log(`Downloaded app package (${pkg.files.length} files)`);
      const result = await stage(
        {
          appDir: join(work, 'app'),
          moveAppDir: true,
          buildpacks: build.buildpacks,
          cacheDir: store.cacheDir(app.guid),
          explodedDir: join(work, 'droplet'),
          env: stagingEnv(this.f, app, build.staging_memory_in_mb, build.stack),
          stack: build.stack,
          log,
          signal: ac.signal,
        },
        // Names and detection go to the installed buildpacks first, in position order, as CC's admin buildpacks.
        { installed: installedBuildpacks(this.f) },
      );
      log('Uploading droplet...');
      // Packed with the foundation's segment cache: a re-stage only packs the small files, and apps with the
      // same runtime share its compressed member. The checksum is known now; the blob is written after the
      // app starts (droplet-bits.ts).
      const prepared = await prepareDroplet(result.explodedDir!, { segmentCacheDir: store.dropletBits.segmentDir });
      const checksum = prepared.checksum;
      await store.dropletBits.adoptPrepared(prepared, result.explodedDir!, () => {
        store.put(
          'droplets',
          stagedDroplet(dropletGuid, pkg, {
            process_types: result.processTypes,
            buildpacks: result.buildpacks,
            stack: result.stack,
            checksum,
            execution_metadata: '',
          }),
        );
      });
      Object.assign(build, { state: 'STAGED', droplet_guid: dropletGuid });
      log('Uploaded droplet');
      await expireDroplets(this.f, app.guid).catch((err) => log(`Could not delete old droplets: ${(err as Error).message}`, 'stderr'));
      expirePackages(this.f, app.guid);
    } catch (err) {
      const id = errorId(err, ac);
      const text = (err as Error)?.message ?? String(err);
      log(`Staging failed: ${id} - ${text}`, 'stderr');
      Object.assign(build, { state: 'FAILED', error: `${id} - ${text}` });
    } finally {
      clearTimeout(timer);
      store.touch(build);
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * The docker lifecycle (cf-reference.md §5): staging only reads the image's
   * config from the local engine (pulling it when the engine lacks it) into a
   * droplet with `image`, `execution_metadata` and the start command.
   */
  private async stageDocker(
    build: BuildRec,
    pkg: PackageRec,
    dropletGuid: string,
    log: (line: string, stream?: 'stdout' | 'stderr') => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { store } = this.f;
    const image = pkg.docker?.image ?? '';
    log('Starting docker app staging...');
    const docker = dockerOf(this.f);
    let droplet;
    try {
      droplet = await docker.stage(pkg, log, signal);
    } catch (err) {
      docker.forget(err);
      throw err;
    }
    log(`Docker image ${image}${droplet.imageId ? ` (${droplet.imageId.replace(/^sha256:/, '').slice(0, 12)})` : ''}`);
    log(`Start command: ${droplet.process_types.web || '(none in the image)'}`);
    log(`Execution metadata: ${droplet.execution_metadata}`);
    store.put(
      'droplets',
      stagedDroplet(dropletGuid, pkg, {
        process_types: droplet.process_types,
        buildpacks: [],
        stack: '',
        checksum: null,
        execution_metadata: droplet.execution_metadata,
        image,
      }),
    );
    Object.assign(build, { state: 'STAGED', droplet_guid: dropletGuid });
    log('Staging Complete');
  }

  private settleTimer: NodeJS.Timeout | undefined;

  /**
   * Once stagings stop for a while, a full GC (the daemon runs with
   * --expose-gc): packing a droplet goes through tens of MB of buffers, which
   * an idle daemon would otherwise keep until some later collection
   * (docs/benchmarks.md, idle). And one more 10 s later, when the staged apps
   * have started and their pushes stopped polling: V8 gives the pages the
   * first one emptied back only then (~6 MB of RSS with 50 apps; issue 21).
   * A few ms each, once per burst of pushes.
   */
  private settle(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return;
    clearTimeout(this.settleTimer);
    const after = (ms: number, then?: () => void) => {
      this.settleTimer = setTimeout(() => {
        if (this.running.size > 0) return;
        gc();
        then?.();
      }, ms);
      this.settleTimer.unref();
    };
    after(2000, () => after(SETTLE_AGAIN_MS));
  }

  /**
   * A staging whose build record is gone (its app was deleted, or a failed
   * write took memory back: store.ts revert) is cancelled, and a build the
   * record shows STAGING that no longer runs gets its end (in memory; the
   * next write saves it).
   */
  reconcile(): void {
    for (const [guid, ac] of this.running) if (!this.f.store.get('builds', guid)) ac.abort(new Error('its build was not saved'));
    for (const b of this.f.store.list('builds')) {
      if (b.state === 'STAGING' && !this.running.has(b.guid)) {
        Object.assign(b, { state: 'FAILED', error: 'StagingError - the foundation could not save the staging result (see the data dir error in the logs)' });
      }
    }
  }

  /** Cancels stagings in flight (the foundation is stopping). */
  async close(): Promise<void> {
    for (const ac of this.running.values()) ac.abort(new Error('the foundation is stopping'));
    for (let i = 0; i < 100 && this.running.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
  }
}

function errorId(err: unknown, ac: AbortController): StagingErrorId {
  if (ac.signal.aborted && (ac.signal.reason as Error)?.message === 'timeout') return 'StagingTimeExpired';
  const e = err as { errorId?: string; code?: string };
  const id = e?.errorId ?? e?.code;
  return IDS.includes(id as StagingErrorId) ? (id as StagingErrorId) : 'StagingError';
}

/** A STAGED droplet record of `pkg`'s app; the lifecycle supplies the rest. */
function stagedDroplet(
  guid: string,
  pkg: PackageRec,
  rest: Pick<DropletRec, 'process_types' | 'buildpacks' | 'stack' | 'checksum' | 'execution_metadata'> & { image?: string },
): DropletRec {
  const t = now();
  return { guid, created_at: t, updated_at: t, app_guid: pkg.app_guid, package_guid: pkg.guid, state: 'STAGED', error: null, ...rest };
}
