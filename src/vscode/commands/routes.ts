// Routes from the tree: open one in the browser, map a new one to an app
// (hostname + a domain of the target), unmap one from its app.
import * as vscode from 'vscode';
import type { RouteSpec } from '../../core/push/routes';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { AppNode, RouteNode, SpaceRouteNode } from '../tree/nodes';
import type { Cmd } from './common';

/** Opens a route (node, app node → its first route, or a URL string); returns the URL opened. */
export function openRoute(ctx: Ctx): Cmd {
  return async (arg?: unknown) => {
    let url: string | undefined;
    if (arg instanceof RouteNode || arg instanceof SpaceRouteNode) url = arg.browserUrl;
    else if (arg instanceof AppNode) {
      const routes = await arg.session.cc.routes.list({ appGuids: [arg.app.guid] });
      url = routes[0] && arg.session.routeUrl(routes[0].url);
    } else if (typeof arg === 'string') url = arg;
    if (!url) {
      void vscode.window.showWarningMessage('Choose a route (or an app with one) in the Cloud Foundry view to open.');
      return undefined;
    }
    ctx.output.line(`Opening ${url}`);
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return url;
  };
}

/** "host.domain/path" → spec, using the target's domains to split host from domain. */
export async function parseRoute(session: Session, text: string): Promise<RouteSpec> {
  const domains = (await session.cc.domains.list()).map((d) => d.name).sort((a, b) => b.length - a.length);
  const slash = text.indexOf('/');
  const hostPart = slash < 0 ? text : text.slice(0, slash);
  const path = slash < 0 ? undefined : text.slice(slash);
  const domain = domains.find((d) => hostPart === d || hostPart.endsWith(`.${d}`));
  if (!domain) {
    const { CfPushError } = core();
    throw new CfPushError(`No domain of target '${session.target.name}' matches ${hostPart}.`, {
      code: 'DomainNotFound',
      hint: `Domains: ${domains.join(', ') || 'none'}.`,
    });
  }
  const hostname = hostPart === domain ? undefined : hostPart.slice(0, -(domain.length + 1));
  return { domain, hostname, path };
}

export function mapRoute(ctx: Ctx): Cmd {
  return async (clicked?: unknown, routeText?: unknown) => {
    if (!(clicked instanceof AppNode)) {
      void vscode.window.showWarningMessage('Use "Map Route" on an app in the Cloud Foundry view.');
      return undefined;
    }
    const app = clicked;
    let text = typeof routeText === 'string' ? routeText : undefined;
    try {
      if (!text) {
        const domains = await app.session.cc.domains.list();
        const first = domains.find((d) => !d.internal)?.name ?? 'example.com';
        text = await ctx.ui.input({ title: `CF: Map Route to ${app.name}`, prompt: 'host.domain[/path]', value: `${app.name}-2.${first}` });
        if (!text) return undefined;
      }
      const spec = await parseRoute(app.session, text);
      const url = `${spec.hostname ? `${spec.hostname}.` : ''}${spec.domain}${spec.path ?? ''}`;
      // Mapping a route the app has already changes nothing: its undo must not take that route away.
      const had = (await app.session.cc.routes.list({ appGuids: [app.app.guid] })).some((r) => r.url === url);
      const out = await withTask(ctx, { title: `Mapping ${text} to ${app.name}`, run: (r) => core().mapRoute(app.session, app.name, spec, r) });
      ctx.refresh();
      if (!had) recordInverse(ctx, app.session, `Map ${text} to ${app.name}`, () => core().unmapRoute(app.session, app.name, spec, ctx.output.reporter()));
      return out;
    } catch (err) {
      reportError(ctx, `Mapping ${text ?? 'a route'} to ${app.name} failed`, err, { target: app.session.target.name });
      return undefined;
    }
  };
}

export function unmapRoute(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    if (!(clicked instanceof RouteNode)) {
      void vscode.window.showWarningMessage('Use "Unmap Route" on a route under an app in the Cloud Foundry view.');
      return undefined;
    }
    const { route, session } = clicked;
    const app = clicked.app.name;
    try {
      const domain = await session.cc.domains.get(route.relationships.domain.data?.guid ?? '');
      const spec: RouteSpec = { domain: domain.name, hostname: route.host || undefined, path: route.path || undefined };
      const out = await withTask(ctx, { title: `Unmapping ${route.url} from ${app}`, run: (r) => core().unmapRoute(session, app, spec, r) });
      ctx.refresh();
      recordInverse(ctx, session, `Unmap ${route.url} from ${app}`, () => core().mapRoute(session, app, spec, ctx.output.reporter()));
      return out;
    } catch (err) {
      reportError(ctx, `Unmapping ${route.url} from ${app} failed`, err, { target: session.target.name });
      return undefined;
    }
  };
}

/** A map or unmap goes into the route history with its opposite as the way back. */
function recordInverse(ctx: Ctx, session: Session, title: string, back: () => Promise<unknown>): void {
  ctx.routeHistory.record({
    title,
    session,
    undo: async () => {
      try {
        await back();
        ctx.refresh();
        return true;
      } catch (err) {
        reportError(ctx, `Undo of "${title}" failed`, err, { target: session.target.name });
        return false;
      }
    },
  });
}
