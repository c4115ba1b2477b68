// Where `cf ssh APP -i N` connects, found as the cf CLI's v7action ssh.go
// does: the app's ssh_enabled (with CC's reason when not), the app STARTED,
// the process and the instance existing, then the endpoint and host key
// fingerprint of `GET /` (app_ssh) and a one-time code from UAA for its
// OAuth client. The user is `cf:PROCESS_GUID/INDEX`, as Diego's proxy expects.
import { sshCode } from '../auth/uaa';
import { CfPushError } from '../errors';
import { findApp } from '../push/steps';
import type { Session } from '../session';

export interface SshEndpoint {
  host: string;
  port: number;
  /** The proxy's host key fingerprint as CC advertises it (SHA-256 base64, or SHA-1 / MD5 hex). */
  fingerprint: string;
  username: string;
  /** The one-time code: the password, good for one connection. */
  password: string;
  app: string;
  process: string;
  index: number;
}

export async function sshEndpoint(session: Session, appName: string, o: { process?: string; index?: number } = {}): Promise<SshEndpoint> {
  const type = o.process ?? 'web';
  const index = o.index ?? 0;
  const app = await findApp(session, appName);
  const allowed = await session.cc.apps.sshEnabled(app.guid);
  if (!allowed.enabled)
    throw new CfPushError(`SSH is not available for app '${appName}': ${allowed.reason || 'disabled'}.`, {
      code: 'SshDisabled',
      hint: `An admin or space developer can allow it: \`cf enable-ssh ${appName}\` (and \`cf allow-space-ssh ${session.space.name}\` for the space).`,
    });
  if (app.state !== 'STARTED')
    throw new CfPushError(`Application '${appName}' is not in the STARTED state.`, {
      code: 'SshUnavailable',
      hint: `Start it first: \`cfpush start ${appName}\`.`,
    });
  const proc = (await session.cc.apps.processes(app.guid)).find((p) => p.type === type);
  if (!proc)
    throw new CfPushError(`Process ${type} not found in app '${appName}'.`, {
      code: 'SshUnavailable',
      hint: `Name one of the app's process types with --process (see \`cfpush apps\`).`,
    });
  const stats = await session.cc.processes.stats(proc.guid);
  if (!stats.some((s) => s.index === index))
    throw new CfPushError(`Instance ${index} of process ${type} not found.`, {
      code: 'SshUnavailable',
      hint: `The process has ${stats.length} instance(s): pick one with -i 0..${Math.max(0, stats.length - 1)}.`,
    });
  const root = await session.cc.root();
  const ssh = root.links.app_ssh as { href: string; meta?: { host_key_fingerprint?: string; oauth_client?: string } } | null | undefined;
  const uaa = root.links.uaa?.href ?? root.links.login?.href;
  if (!ssh?.href || !uaa)
    throw new CfPushError(`The target ${session.target.api} offers no ssh endpoint (app_ssh in GET /).`, {
      code: 'SshUnavailable',
      hint: 'SSH needs the platform operator to enable the ssh proxy.',
    });
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(ssh.href);
  const host = m?.[1] ?? ssh.href;
  const port = m ? Number(m[2]) : 22;
  const password = await sshCode(uaa, await session.cc.token(), ssh.meta?.oauth_client ?? 'ssh-proxy', session.target.skipSslValidation);
  return { host, port, fingerprint: ssh.meta?.host_key_fingerprint ?? '', username: `cf:${proc.guid}/${index}`, password, app: appName, process: type, index };
}
