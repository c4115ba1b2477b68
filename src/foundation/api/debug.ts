// cf-push's debug endpoint (issue 20): restart one instance of a process under
// its runtime's debug agent on 127.0.0.1, and back. Our extension, not Cloud
// Controller's, so it lives under /x-cfpush/ (as the traffic endpoint) and
// `GET /` advertises it as `links.cfpush_debug`: a client that finds no link
// debugs through the app's environment and `cf ssh -L` instead, as on any CF.
//
//   GET    /x-cfpush/v1/debug                      { resources: [DebugInfo] }   every debugged instance
//   PUT    /x-cfpush/v1/debug/:process_guid/:index { "port": 9229 }  (optional)  → 200 DebugInfo
//   GET    /x-cfpush/v1/debug/:process_guid/:index → 200 DebugInfo, 404 when not debugged
//   DELETE /x-cfpush/v1/debug/:process_guid/:index → 204, the instance restarted without its agent
//
//   DebugInfo: { process_guid, app_guid, index, runtime: node|java|python|go, agent,
//                host: "127.0.0.1", port, suspend, state: STARTING|RUNNING|CRASHED|DOWN,
//                listening (the agent accepts connections), app_root, source_root, details,
//                crashes (since it runs under the agent: each ends a debugger's connection), last_crash }
//   app_root: the droplet's app folder on this machine; source_root: where the
//   running code names its sources, what a debugger maps the workspace to
//   (Go: /home/vcap/app, where the go buildpack says its binary's sources are;
//   the others run from app_root, which it then is).
//
// PUT answers once the agent listens (or after a few seconds: poll GET). A
// refusal (no such instance, a container, a runtime without an agent here,
// the port taken) is a 422 whose detail gives the reason and, on its second
// line, what to do; nothing is restarted.
import { CfPushError } from '../../core/errors';
import { holdWhile } from '../hold';
import { isObj, notFound, readJson, rejectUnknown, send, unprocessable, type Ctx, type RouteDef } from '../http';
import type { DebugInfo } from '../supervisor';

export const DEBUG_PATH = '/x-cfpush/v1/debug';

/** How long PUT waits for the agent before answering (the client polls GET after). */
const READY_WAIT_MS = 10_000;

function target(c: Ctx): { processGuid: string; index: number } {
  const proc = c.f.store.get('processes', c.params.guid);
  if (!proc) throw notFound('Process');
  const index = Number(c.params.index);
  if (!/^\d+$/.test(c.params.index ?? '') || index >= proc.instances) throw notFound('Instance');
  return { processGuid: proc.guid, index };
}

async function start(c: Ctx): Promise<void> {
  const { processGuid, index } = target(c);
  const body = await readJson(c);
  if (!isObj(body)) throw unprocessable('The request body must be a JSON object');
  rejectUnknown(body, ['port']);
  const port = body.port;
  if (port !== undefined && port !== null && (!Number.isInteger(port) || (port as number) < 1024 || (port as number) > 65535))
    throw unprocessable('Port must be a whole number from 1024 to 65535');
  let info: DebugInfo;
  try {
    info = await c.f.supervisor.debug(processGuid, index, { port: (port as number | null | undefined) ?? undefined });
  } catch (err) {
    // The reason, then what to do on a line of its own (a client shows them as cause and next step).
    if (err instanceof CfPushError) throw unprocessable(err.hint ? `${err.message}\n${err.hint}` : err.message);
    throw err;
  }
  const ready = () => {
    const now = c.f.supervisor.debugInfo(processGuid, index);
    return !!now && (now.listening || now.state === 'CRASHED');
  };
  await holdWhile(() => !ready(), READY_WAIT_MS);
  send(c.res, 200, c.f.supervisor.debugInfo(processGuid, index) ?? info);
}

function show(c: Ctx): void {
  const { processGuid, index } = target(c);
  const info = c.f.supervisor.debugInfo(processGuid, index);
  if (!info) throw notFound('Debug session');
  send(c.res, 200, info, { 'cache-control': 'no-store' });
}

async function stop(c: Ctx): Promise<void> {
  const { processGuid, index } = target(c);
  await c.f.supervisor.undebug(processGuid, index);
  c.res.writeHead(204).end();
}

function list(c: Ctx): void {
  send(c.res, 200, { resources: c.f.supervisor.debugged() }, { 'cache-control': 'no-store' });
}

/** The link `GET /` advertises (root.ts). */
export function debugLink(apiUrl: string): { href: string; meta: { version: number } } {
  return { href: `${apiUrl}${DEBUG_PATH}`, meta: { version: 1 } };
}

export const debugRoutes: RouteDef[] = [
  { method: 'GET', path: DEBUG_PATH, handler: list },
  { method: 'PUT', path: `${DEBUG_PATH}/:guid/:index`, handler: start },
  { method: 'GET', path: `${DEBUG_PATH}/:guid/:index`, handler: show },
  { method: 'DELETE', path: `${DEBUG_PATH}/:guid/:index`, handler: stop },
];
