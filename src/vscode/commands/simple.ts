// The small commands: refresh, open a route, show the log, start the local
// foundation, start/stop an app.
import * as vscode from 'vscode';
import { startApp, stopApp } from '../../core/push';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { withTask } from '../progress';
import { AppNode, RouteNode } from '../tree/nodes';
import { selectedApps, type Cmd } from './common';

export function refresh(ctx: Ctx): Cmd {
  return () => {
    ctx.refresh();
    return true;
  };
}

export function showOutput(ctx: Ctx): Cmd {
  return () => ctx.output.show();
}

/** Opens a route (node, app node → its first route, or a URL string); returns the URL opened. */
export function openRoute(ctx: Ctx): Cmd {
  return async (arg?: unknown) => {
    let url: string | undefined;
    if (arg instanceof RouteNode) url = arg.browserUrl;
    else if (arg instanceof AppNode) {
      const routes = await arg.session.cc.listRoutes({ appGuids: [arg.app.guid] });
      url = routes[0] && arg.session.routeUrl(routes[0].url);
    } else if (typeof arg === 'string') url = arg;
    if (!url) {
      void vscode.window.showWarningMessage('Choose a route in the Cloud Foundry view to open.');
      return undefined;
    }
    ctx.output.line(`Opening ${url}`);
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return url;
  };
}

/** Starts the local foundation (or confirms it runs); returns its API URL. */
export function startFoundation(ctx: Ctx): Cmd {
  return async () => {
    try {
      const session = await withTask(ctx, {
        title: 'Starting the local Cloud Foundry',
        run: (reporter) => {
          reporter.step('Starting the local foundation');
          return ctx.session({ target: 'local', startLocal: true, fresh: true });
        },
      });
      ctx.output.line(`✔ Local foundation at ${session.target.api}`);
      ctx.tree.refresh();
      return session.target.api;
    } catch (err) {
      reportError(ctx, 'Starting the local foundation failed', err);
      return undefined;
    }
  };
}

function lifecycle(ctx: Ctx, verb: 'Start' | 'Stop', op: typeof startApp): Cmd {
  return async (clicked?: unknown, selected?: unknown) => {
    const apps = selectedApps(clicked, selected);
    if (!apps.length) {
      void vscode.window.showWarningMessage(`Choose an app in the Cloud Foundry view to ${verb.toLowerCase()}.`);
      return undefined;
    }
    const names = apps.map((a) => a.name).join(', ');
    try {
      const out = await withTask(ctx, {
        title: `${verb === 'Start' ? 'Starting' : 'Stopping'} ${names}`,
        run: async (reporter) => {
          const results = [];
          for (const a of apps) results.push(await op(a.session, a.name, reporter));
          return results;
        },
      });
      ctx.refresh();
      return out;
    } catch (err) {
      ctx.refresh();
      reportError(ctx, `${verb} ${names} failed`, err);
      return undefined;
    }
  };
}

export const start = (ctx: Ctx): Cmd => lifecycle(ctx, 'Start', startApp);
export const stop = (ctx: Ctx): Cmd => lifecycle(ctx, 'Stop', stopApp);
