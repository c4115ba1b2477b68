// Service instances from the tree, as `cf cups` / `bind-service` /
// `unbind-service`: create a user-provided service on the space's Services
// folder, bind one to an app (drag it onto the app, or Bind to App… on it),
// unbind an app under the service (or the service under the app). Managed
// instances: commands/managed-services.ts.
import * as vscode from 'vscode';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppBindingNode, AppNode, BindingNode, ServiceNode, ServicesFolderNode, SpaceNode } from '../tree/nodes';
import { pickApp, type Cmd } from './common';
import { offerRestart } from './offer';

/** Credentials as `cf cups -p` takes them inline: a JSON object. */
function credentialsError(v: string): string | undefined {
  if (!v.trim()) return undefined;
  try {
    const o: unknown = JSON.parse(v);
    return o && typeof o === 'object' && !Array.isArray(o) ? undefined : 'A JSON object, e.g. {"uri": "postgres://…"}';
  } catch (err) {
    return `Not JSON: ${(err as Error).message}`;
  }
}

/** `(folder, {name, credentials})` from code; from the tree both are asked for. */
export function createService(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: { name: string; credentials?: Record<string, unknown>; tags?: string[] }) => {
    const session: Session | undefined = clicked instanceof ServicesFolderNode || clicked instanceof SpaceNode ? clicked.session : undefined;
    if (!session) return undefined;
    const name =
      given?.name ??
      (await ctx.ui.input({
        title: `CF: Create User-Provided Service in ${session.space.name}`,
        placeHolder: 'service instance name, e.g. my-db',
        validateInput: (v) => (v.trim() ? undefined : 'A name'),
      }));
    if (!name) return undefined;
    let credentials = given?.credentials;
    if (!given) {
      const text = await ctx.ui.input({
        title: `CF: Credentials of ${name}`,
        prompt: 'A JSON object the bound apps find in VCAP_SERVICES (empty: none)',
        placeHolder: '{"uri": "postgres://user:pass@host:5432/db"}',
        password: true,
        validateInput: credentialsError,
      });
      if (text === undefined) return undefined;
      credentials = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    }
    try {
      const si = await core().createUserProvidedService(session, name, { credentials, tags: given?.tags });
      ctx.output.line(`✔ Created user-provided service ${name} in ${session.org.name}/${session.space.name}`);
      ctx.tree.refresh();
      void vscode.window.showInformationMessage(`Created ${name}. Drag it onto an app to bind it.`);
      return si;
    } catch (err) {
      reportError(ctx, `Creating service ${name} failed`, err, { target: session.target.name });
      return undefined;
    }
  };
}

/** Binds `service` to `app` (both in one space) and offers the restart that makes the app see it. */
export async function bind(ctx: Ctx, service: ServiceNode, app: AppNode): Promise<boolean | undefined> {
  if (service.session.target.name !== app.session.target.name || service.session.space.guid !== app.session.space.guid) {
    void vscode.window.showWarningMessage(`${service.name} can only be bound to apps of ${service.session.org.name}/${service.session.space.name}.`);
    return undefined;
  }
  // A remote target's apps are someone's running service: say what will happen first, as route drops do.
  if (!app.session.target.local) {
    const where = `${app.session.target.name} (${app.session.org.name}/${app.session.space.name})`;
    const ok = await ctx.ui.confirm(
      `Bind ${service.name} to ${app.name} on ${where}?`,
      `${app.name} gets its credentials in VCAP_SERVICES when it restarts.`,
      'Bind',
    );
    if (ok !== 'Bind') return undefined;
  }
  try {
    const run = () => core().bindService(app.session, app.name, service.name);
    // A managed instance binds through its broker (a job): show it working.
    const bound = service.service.type === 'managed' ? await withTask(ctx, { title: `Binding ${service.name} to ${app.name}`, run }) : await run();
    ctx.output.line(bound ? `✔ Bound ${service.name} to ${app.name}` : `${app.name} is already bound to ${service.name}`);
    ctx.tree.refresh();
    if (bound) void offerRestart(ctx, app, `Bound ${service.name} to ${app.name}.`, true);
    else void vscode.window.showInformationMessage(`${app.name} is already bound to ${service.name}.`);
    return bound;
  } catch (err) {
    reportError(ctx, `Binding ${service.name} to ${app.name} failed`, err, { target: app.session.target.name });
    return undefined;
  }
}

/** Bind to App… on a service (the keyboard's way to do what a drag does). */
export function bindService(ctx: Ctx): Cmd {
  return async (clicked?: unknown, appArg?: unknown) => {
    if (!(clicked instanceof ServiceNode)) return undefined;
    if (appArg instanceof AppNode) return bind(ctx, clicked, appArg);
    const name = await pickApp(ctx, clicked.session, `CF: Bind ${clicked.name} to App`, clicked.service.boundApps);
    // The app's own tree node: the restart offered afterwards acts on it.
    const space = clicked.parent?.parent;
    const app = name && space ? (await space.children()).find((n): n is AppNode => n instanceof AppNode && n.name === name) : undefined;
    return app ? bind(ctx, clicked, app) : undefined;
  };
}

export function unbindService(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    if (!(clicked instanceof BindingNode || clicked instanceof AppBindingNode)) return undefined;
    const { session, appName } = clicked;
    const service = clicked.service.name;
    try {
      const unbound = await core().unbindService(session, appName, service);
      ctx.output.line(`✔ Unbound ${service} from ${appName}`);
      ctx.tree.refresh();
      return unbound;
    } catch (err) {
      reportError(ctx, `Unbinding ${service} from ${appName} failed`, err, { target: session.target.name });
      return undefined;
    }
  };
}
