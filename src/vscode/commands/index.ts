// Command id → factory. package.json's `contributes.commands` lists the same ids.
import type { Ctx } from '../ctx';
import type { Cmd } from './common';
import { push } from './push';
import { restage } from './restage';
import { selectTarget } from './selectTarget';
import { swapRoutes } from './swapRoutes';
import { openRoute, refresh, showOutput, start, startFoundation, stop } from './simple';

export const commands: Record<string, (ctx: Ctx) => Cmd> = {
  'cfpush.push': push,
  'cfpush.restage': restage,
  'cfpush.swapRoutes': swapRoutes,
  'cfpush.refresh': refresh,
  'cfpush.openRoute': openRoute,
  'cfpush.startFoundation': startFoundation,
  'cfpush.startApp': start,
  'cfpush.stopApp': stop,
  'cfpush.showOutput': showOutput,
  'cfpush.selectTarget': selectTarget,
};
