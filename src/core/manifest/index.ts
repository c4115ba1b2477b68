// Manifest parsing, validation and rendering (cf-reference.md §3).
export type { AppManifest, LoadManifestOptions, Manifest, ManifestDiagnostic, ManifestEdit, ManifestFix, ManifestProcess, ManifestRoute } from './types';
export { parseManifest, type ParseManifestOptions, type ParseManifestResult } from './parse';
export { loadManifest, loadVars, locateManifest } from './load';
export { renderManifestForApi } from './render';
export { ManifestError, appPrefix, formatDiagnostic, manifestWarnings } from './errors';
export { MANIFEST_KEYS, type KeyScope, type ManifestKeyInfo } from './keys';
export { manifestJsonSchema } from './schema';
export { byteFormatError, megabytes, parseBytes, toMb } from './units';
export { interpolate, missingVarsMessage } from './vars';
export { isWellFormedRoute } from './routes';
