// An app's environment variables from the tree, as `cf set-env` / `unset-env`:
// add (on the app or its Environment folder), edit and remove (on a
// variable). A running app sees a change only after a restart, which the
// notification offers (as cf's tip does).
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { appOf, AppNode, EnvVarNode } from '../tree/nodes';
import type { Cmd } from './common';
import { offerRestart } from './offer';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names whose values are typed and shown masked. */
const SECRET = /secret|password|passwd|token|key|credential/i;

async function change(ctx: Ctx, app: AppNode, what: string, op: () => Promise<unknown>): Promise<boolean> {
  try {
    await op();
  } catch (err) {
    reportError(ctx, `${what} failed`, err, { target: app.session.target.name });
    return false;
  }
  ctx.output.line(`✔ ${what}`);
  ctx.tree.refresh();
  void offerRestart(ctx, app, `${what}.`);
  return true;
}

/** `(node, {name, value})` from code; from the tree both are asked for. */
export function addEnv(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: { name: string; value: string }) => {
    const app = appOf(clicked);
    if (!app) return false;
    const name =
      given?.name ??
      (await ctx.ui.input({
        title: `CF: Add Environment Variable to ${app.name}`,
        placeHolder: 'NAME',
        validateInput: (v) => (NAME.test(v) ? undefined : 'Letters, digits and _, not starting with a digit'),
      }));
    if (!name) return false;
    const value = given?.value ?? (await ctx.ui.input({ title: `CF: ${name} for ${app.name}`, prompt: 'Value', password: SECRET.test(name) }));
    if (value === undefined) return false;
    return change(ctx, app, `Set ${name} on ${app.name}`, () => core().setEnv(app.session, app.name, name, value));
  };
}

export function editEnv(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: string) => {
    if (!(clicked instanceof EnvVarNode)) return false;
    const { appNode: app, name } = clicked;
    const value =
      given ?? (await ctx.ui.input({ title: `CF: ${name} for ${app.name}`, prompt: 'New value', value: clicked.value, password: SECRET.test(name) }));
    if (value === undefined || value === clicked.value) return false;
    return change(ctx, app, `Set ${name} on ${app.name}`, () => core().setEnv(app.session, app.name, name, value));
  };
}

export function removeEnv(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    if (!(clicked instanceof EnvVarNode)) return false;
    const { appNode: app, name } = clicked;
    return change(ctx, app, `Removed ${name} from ${app.name}`, () => core().unsetEnv(app.session, app.name, name));
  };
}
