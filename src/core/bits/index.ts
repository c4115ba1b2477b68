// App bits: which files to upload, their fingerprints, the package zip, and safe unpacking.
export type { ApiResource, Resource } from './types';
export { collectResources, sha1File } from './collect';
export { openAppPath, type AppFolder } from './app-path';
export { ALWAYS_IGNORED, isIgnored, loadIgnore } from './ignore';
export { zipResources } from './zip';
export { RESOURCE_MATCH_CHUNK, resourceMatchChunks, splitByMatches, toApiResource } from './matches';
export { fileChecksum, packageChecksum } from './checksum';
export { extractTarGz, extractZip, readZip, UnsafeEntryError, type ExtractOptions, type ExtractResult, type ZipItem } from './extract';
