// The User-Agent of every request cfpush makes, named as the cf CLI names
// itself (`cf/8.0.0 (go1.16; amd64 linux)`): gateways in front of a
// foundation log, throttle or refuse requests by it. The extension adds the
// editor (`vscode/1.95.0`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths';

let host: string | undefined;
let cached: string | undefined;

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function userAgent(): string {
  return (cached ??= `cfpush/${version()} (node ${process.versions.node}; ${process.arch} ${process.platform})${host ? ` ${host}` : ''}`);
}

/** The program cfpush runs inside, as PRODUCT/VERSION (the extension: `vscode/1.95.0`). */
export function setUserAgentHost(h: string): void {
  host = h;
  cached = undefined;
}
