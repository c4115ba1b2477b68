// CF: Show Traffic — the live traffic view for an app (its instances), a
// route (whichever apps it sends to, following it when it moves), or an app
// picked from the palette.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { AppNode, RouteNode, SpaceRouteNode } from '../tree/nodes';
import { pickApp, type Cmd } from './common';

/** Resolves to what the panel watches (tests), or undefined when nothing was chosen. */
export function showTraffic(ctx: Ctx): Cmd {
  return async (arg?: unknown) => {
    if (arg instanceof AppNode) {
      ctx.traffic.open(arg.session, { apps: [{ guid: arg.app.guid, name: arg.name }] });
      return { apps: [arg.name] };
    }
    if (arg instanceof RouteNode || arg instanceof SpaceRouteNode) {
      const { route, session } = arg;
      const apps = arg instanceof RouteNode ? [{ guid: arg.app.app.guid, name: arg.app.name }] : [];
      ctx.traffic.open(session, { apps, routes: [{ guid: route.guid, url: route.url }] });
      return { route: route.url };
    }
    const session = await ctx.session({ startLocal: ctx.config.startLocalOnDemand }).catch((err: unknown) => {
      reportError(ctx, 'Cannot open the traffic view', err, { target: ctx.config.target });
      return undefined;
    });
    if (!session) return undefined;
    try {
      const name = typeof arg === 'string' ? arg : await pickApp(ctx, session, 'CF: Show Traffic of…');
      if (!name) return undefined;
      const app = await session.cc.apps.find(session.space.guid, name);
      if (!app) {
        void vscode.window.showWarningMessage(`No app ${name} in ${session.org.name}/${session.space.name}.`);
        return undefined;
      }
      ctx.traffic.open(session, { apps: [{ guid: app.guid, name: app.name }] });
      return { apps: [app.name] };
    } catch (err) {
      reportError(ctx, 'Cannot open the traffic view', err, { target: session.target.name });
      return undefined;
    }
  };
}
