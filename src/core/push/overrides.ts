// cf push's flags over the manifest (-m -k -i -c -u --endpoint -t -s
// --no-route --random-route): they apply to the one app pushed, in the typed
// fields and in the manifest node sent to apply_manifest, as the cf CLI
// merges them before applying the manifest.
import type { AppManifest } from '../manifest';

export interface AppOverrides {
  memoryMb?: number;
  diskMb?: number;
  instances?: number;
  /** `-c null` (or `default`) goes back to the buildpack's start command. */
  command?: string;
  healthCheckType?: 'port' | 'process' | 'http';
  healthCheckHttpEndpoint?: string;
  timeout?: number;
  stack?: string;
  noRoute?: boolean;
  randomRoute?: boolean;
}

export function hasOverrides(o: AppOverrides | undefined): o is AppOverrides {
  return !!o && Object.values(o).some((v) => v !== undefined && v !== false);
}

export function applyOverrides(app: AppManifest, o: AppOverrides): AppManifest {
  const raw: Record<string, unknown> = { ...app.raw };
  const a: AppManifest = { ...app, raw };
  if (o.memoryMb !== undefined) [a.memoryMb, raw.memory] = [o.memoryMb, `${o.memoryMb}M`];
  if (o.diskMb !== undefined) {
    [a.diskMb, raw.disk_quota] = [o.diskMb, `${o.diskMb}M`];
    delete raw['disk-quota'];
  }
  if (o.instances !== undefined) [a.instances, raw.instances] = [o.instances, o.instances];
  if (o.command !== undefined) {
    const reset = o.command === 'null' || o.command === 'default';
    a.command = reset ? undefined : o.command;
    raw.command = reset ? null : o.command;
  }
  if (o.healthCheckType !== undefined) [a.healthCheckType, raw['health-check-type']] = [o.healthCheckType, o.healthCheckType];
  if (o.healthCheckHttpEndpoint !== undefined) {
    [a.healthCheckHttpEndpoint, raw['health-check-http-endpoint']] = [o.healthCheckHttpEndpoint, o.healthCheckHttpEndpoint];
  }
  if (o.timeout !== undefined) [a.timeout, raw.timeout] = [o.timeout, o.timeout];
  if (o.stack !== undefined) [a.stack, raw.stack] = [o.stack, o.stack];
  if (o.noRoute) {
    [a.noRoute, raw['no-route']] = [true, true];
    a.routes = undefined;
    a.randomRoute = undefined;
    delete raw.routes;
    delete raw['random-route'];
    delete raw['default-route'];
  } else if (o.randomRoute && !a.routes?.length) {
    [a.randomRoute, raw['random-route']] = [true, true];
  }
  return a;
}
