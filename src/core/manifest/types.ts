// The manifest as the push engine and the foundation see it (cf-reference.md §3).
import type { ErrorCode } from '../errors';
export interface ManifestRoute {
  route: string;
  protocol?: 'http1' | 'http2' | 'tcp';
}

export interface ManifestProcess {
  type: string;
  command?: string;
  instances?: number;
  memoryMb?: number;
  diskMb?: number;
  healthCheckType?: 'port' | 'process' | 'http';
  healthCheckHttpEndpoint?: string;
  healthCheckInvocationTimeout?: number;
  timeout?: number;
}

export interface AppManifest {
  name: string;
  /** Absolute path of the app's files (manifest `path` resolved against the manifest's dir, or the dir). */
  path: string;
  buildpacks?: string[];
  stack?: string;
  command?: string;
  instances?: number;
  memoryMb?: number;
  diskMb?: number;
  env?: Record<string, string>;
  routes?: ManifestRoute[];
  randomRoute?: boolean;
  defaultRoute?: boolean;
  noRoute?: boolean;
  healthCheckType?: 'port' | 'process' | 'http';
  healthCheckHttpEndpoint?: string;
  timeout?: number;
  docker?: { image: string; username?: string };
  services?: string[];
  processes?: ManifestProcess[];
  /** The application node after ((vars)), as plain JSON, for apply_manifest. */
  raw: Record<string, unknown>;
}

export interface Manifest {
  /** Absolute manifest file path; undefined when none was found (folder name = app name). */
  file?: string;
  apps: AppManifest[];
  /** Warnings (deprecated or ignored keys) found while parsing; errors are thrown instead. */
  diagnostics?: ManifestDiagnostic[];
}

/** A problem in a manifest; line/col are 1-based; end is exclusive. */
export interface ManifestDiagnostic {
  message: string;
  severity: 'error' | 'warning';
  start: { line: number; col: number };
  end: { line: number; col: number };
  /** The application the problem belongs to, for CC's "For application 'x': " prefix. */
  app?: { index: number; name?: string };
  /** What to do about it, when the message alone does not say. */
  hint?: string;
  /** A stable id for problems callers treat apart (the limits in limits.ts). */
  code?: ErrorCode;
  /** The one obvious edit that resolves it, when there is one (editors offer it as a quick fix). */
  fix?: ManifestFix;
}

/** A mechanical fix: every edit applied together (ranges 1-based, end exclusive, not overlapping). */
export interface ManifestFix {
  /** What the fix does, e.g. "Change to 'instances'". */
  title: string;
  edits: ManifestEdit[];
}

/** Replace the text from start to end with `text` (start = end inserts). */
export interface ManifestEdit {
  start: { line: number; col: number };
  end: { line: number; col: number };
  text: string;
}

export interface LoadManifestOptions {
  /** The app folder (where manifest.yml / manifest.yaml are looked up). */
  dir: string;
  /** `-f`: an explicit manifest file. */
  file?: string;
  /** `--var k=v` (wins over files). */
  vars?: Record<string, string>;
  /** `--vars-file` (later wins). */
  varsFiles?: string[];
  /** `push APP`: select this app from the manifest, or name the app when there is no manifest. */
  appName?: string;
}
