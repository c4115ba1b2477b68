// Command id → factory (one small factory per command). package.json's
// `contributes.commands` (written by test/hosts/contributes.py) lists the same ids.
import type { Ctx } from '../ctx';
import { del, restart, scale, showLogs, start, stop, stopLogs } from './apps';
import type { Cmd } from './common';
import { cancelDeployment, continueDeployment } from './deployment';
import { exportImage } from './export';
import { detect, toggleWatch } from './misc';
import { push } from './push';
import { restage, restageOutdated } from './restage';
import { mapRoute, openRoute, unmapRoute } from './routes';
import { routeHistory, swapBackRoutes, swapBackVersion, swapRoutes, undoRouteChange } from './swapRoutes';
import { showTraffic } from './traffic';
import { addEnv, editEnv, removeEnv } from './env';
import { writeDotenv } from './dotenv';
import { bindService, createService, unbindService } from './services';
import { createManagedService, deleteService } from './managed-services';
import { openSsh } from './ssh';
import { debugApp } from './debug';
import { runTask, terminateTask } from './tasks';
import { login, logout, refresh, selectTarget, showOutput, startFoundation, stopFoundation } from './targets';

export const commands: Record<string, (ctx: Ctx) => Cmd> = {
  'cfpush.push': (ctx) => push(ctx),
  'cfpush.pushBlueGreen': (ctx) => push(ctx, { strategy: 'blue-green' }),
  'cfpush.restage': restage,
  'cfpush.restageUpdate': restage,
  'cfpush.restageOutdated': restageOutdated,
  'cfpush.swapRoutes': swapRoutes,
  'cfpush.swapBack': swapBackRoutes,
  'cfpush.undoRouteChange': undoRouteChange,
  'cfpush.routeHistory': routeHistory,
  'cfpush.swapBackVersion': swapBackVersion,
  'cfpush.continueDeployment': continueDeployment,
  'cfpush.cancelDeployment': cancelDeployment,
  'cfpush.startApp': start,
  'cfpush.stopApp': stop,
  'cfpush.restartApp': restart,
  'cfpush.scaleApp': scale,
  'cfpush.deleteApp': del,
  'cfpush.showLogs': showLogs,
  'cfpush.stopLogs': stopLogs,
  'cfpush.openRoute': openRoute,
  'cfpush.mapRoute': mapRoute,
  'cfpush.unmapRoute': unmapRoute,
  'cfpush.refresh': refresh,
  'cfpush.selectTarget': selectTarget,
  'cfpush.login': login,
  'cfpush.logout': logout,
  'cfpush.startFoundation': startFoundation,
  'cfpush.stopFoundation': stopFoundation,
  'cfpush.showOutput': showOutput,
  'cfpush.detect': detect,
  'cfpush.toggleWatch': toggleWatch,
  'cfpush.showTraffic': showTraffic,
  'cfpush.exportImage': exportImage,
  'cfpush.runTask': runTask,
  'cfpush.terminateTask': terminateTask,
  'cfpush.openSshTerminal': openSsh,
  'cfpush.debugApp': debugApp,
  'cfpush.addEnv': addEnv,
  'cfpush.editEnv': editEnv,
  'cfpush.removeEnv': removeEnv,
  'cfpush.writeDotenv': writeDotenv,
  'cfpush.createService': createService,
  'cfpush.createManagedService': createManagedService,
  'cfpush.deleteService': deleteService,
  'cfpush.bindService': bindService,
  'cfpush.unbindService': unbindService,
};
