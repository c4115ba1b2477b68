// Targets, sign-in and the local foundation: select target/org/space (status
// bar click), log in (password, SSO passcode, or the cf CLI's login) with
// tokens in SecretStorage, sign out, start the foundation, refresh.
import * as vscode from 'vscode';
import { defaultFoundationDir } from '../../core/paths';
import type { TargetConfig } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { TargetNode } from '../tree/nodes';
import { nodeTarget, type Cmd } from './common';

export function refresh(ctx: Ctx): Cmd {
  return () => {
    ctx.refresh();
    return true;
  };
}

export function showOutput(ctx: Ctx): Cmd {
  return () => ctx.output.show();
}

const ADD = '$(add) Add a Cloud Foundry target…';

/** Adds a target from an API URL; returns its name. */
async function addTarget(ctx: Ctx): Promise<string | undefined> {
  const api = await ctx.ui.input({
    title: 'CF: Add Target — API URL',
    placeHolder: 'https://api.example.com',
    validateInput: (v) => (/^https?:\/\/\S+$/.test(v) ? undefined : 'An http(s) URL'),
  });
  if (!api) return undefined;
  const suggested = new URL(api).hostname.replace(/^api\./, '').split('.')[0] || 'cf';
  const name = await ctx.ui.input({ title: 'CF: Add Target — name', value: suggested });
  if (!name) return undefined;
  await core().setTarget({ name, api });
  return name;
}

/** Switch target, then org and space (each asked only when there is a choice). Returns the target name. */
export function selectTarget(ctx: Ctx): Cmd {
  return async (arg?: unknown, orgArg?: unknown, spaceArg?: unknown) => {
    let chosen = typeof arg === 'string' ? arg : arg instanceof TargetNode ? arg.target.name : undefined;
    try {
      if (!chosen) {
        const targets = await core().listTargets();
        const current = ctx.config.target;
        const pick = await ctx.ui.pick(
          [
            ...(await Promise.all(
              targets.map(async (t) => ({
                label: t.name,
                description: `${t.local ? 'embedded local foundation' : t.api}${t.name === current ? ' · current' : ''}`,
                detail: t.local ? undefined : (await ctx.signedIn(t)) ? 'signed in' : 'signed out',
              })),
            )),
            { label: ADD, description: '' },
          ],
          { title: 'CF: Select Target', placeHolder: `Current: ${current}` },
        );
        if (!pick) return undefined;
        chosen = pick.label === ADD ? await addTarget(ctx) : pick.label;
      }
      if (!chosen) return undefined;
      await ctx.config.update('target', chosen);
      ctx.refresh();
      // Org and space: only when the target answers and there is a choice.
      const session = await ctx.session({ target: chosen }).catch(() => undefined);
      if (session) {
        const orgs = await session.cc.organizations.list();
        const org =
          typeof orgArg === 'string'
            ? orgs.find((o) => o.name === orgArg)
            : orgs.length > 1
              ? await pickNamed(ctx, orgs, 'Organization', session.org.name)
              : orgs[0];
        if (org) {
          const spaces = await session.cc.spaces.inOrg(org.guid);
          const space =
            typeof spaceArg === 'string'
              ? spaces.find((s) => s.name === spaceArg)
              : spaces.length > 1
                ? await pickNamed(ctx, spaces, 'Space', session.space.name)
                : spaces[0];
          if (space && (org.name !== session.org.name || space.name !== session.space.name)) {
            await core().setTarget({ name: chosen, org: org.name, space: space.name });
            ctx.refresh();
          }
        }
      }
      return chosen;
    } catch (err) {
      reportError(ctx, 'Selecting a target failed', err, { target: chosen });
      return undefined;
    }
  };
}

async function pickNamed<T extends { name: string }>(ctx: Ctx, items: T[], what: string, current: string): Promise<T | undefined> {
  const pick = await ctx.ui.pick(
    items.map((i) => ({ label: i.name, description: i.name === current ? 'current' : undefined, item: i })),
    { title: `CF: Select ${what}` },
  );
  return pick?.item;
}

interface Credentials {
  username?: string;
  password?: string;
  passcode?: string;
}

/**
 * Log in to a target: ('name', {username, password} | {passcode}) from code,
 * or interactively: password, SSO passcode (the browser opens the passcode
 * page), or the cf CLI's existing login. Tokens go to SecretStorage only.
 */
export function login(ctx: Ctx): Cmd {
  return async (arg?: unknown, creds?: Credentials) => {
    let name = typeof arg === 'string' ? arg : nodeTarget(arg);
    try {
      const targets = await core().listTargets();
      if (!name) {
        const remote = targets.filter((t) => !t.local);
        const configured = targets.find((t) => t.name === ctx.config.target && !t.local);
        if (configured) name = configured.name;
        else if (!remote.length) name = await addTarget(ctx);
        else
          name = (
            await ctx.ui.pick([...remote.map((t) => ({ label: t.name, description: t.api })), { label: ADD, description: '' }], {
              title: 'CF: Log In — target',
            })
          )?.label;
        if (name === ADD) name = await addTarget(ctx);
      }
      if (!name) return undefined;
      const target = (await core().listTargets()).find((t) => t.name === name);
      if (!target) throw new (core().CfPushError)(`Unknown target '${name}'.`, { hint: 'Add it with "CF: Select Target" → "Add a Cloud Foundry target".' });
      if (target.local) {
        void vscode.window.showInformationMessage('The local foundation needs no login: its credentials are read from its data folder.');
        return true;
      }
      const ok = await signIn(ctx, target, creds);
      if (!ok) return undefined;
      ctx.refresh();
      ctx.output.line(`✔ Signed in to ${target.name} (${target.api}); tokens are in VS Code secret storage`);
      void vscode.window.showInformationMessage(`Signed in to ${target.name}.`);
      return true;
    } catch (err) {
      reportError(ctx, `Log in to ${name ?? 'target'} failed`, err, { target: name, retry: () => vscode.commands.executeCommand('cfpush.login', name) });
      return undefined;
    }
  };
}

async function signIn(ctx: Ctx, target: TargetConfig, creds?: Credentials): Promise<boolean> {
  const c = core();
  const t = { name: target.name, api: target.api, skipSslValidation: target.skipSslValidation };
  if (creds?.passcode)
    return withTask(ctx, { title: `Logging in to ${target.name}`, run: async () => (await c.loginWithPasscode(t, creds.passcode!, ctx.tokens), true) });
  if (creds?.username && creds.password !== undefined) {
    return withTask(ctx, {
      title: `Logging in to ${target.name}`,
      run: async () => (await c.loginWithPassword(t, creds.username!, creds.password!, ctx.tokens), true),
    });
  }
  const cli = await c.reuseCfCliLogin().catch(() => undefined);
  const sameApi = cli && cli.accessToken && cli.api.replace(/\/+$/, '') === target.api.replace(/\/+$/, '');
  const methods = [
    ...(sameApi ? [{ label: '$(terminal) Use the cf CLI login', description: cli!.file, id: 'cli' }] : []),
    { label: '$(key) Username and password', id: 'password' },
    { label: '$(globe) Single sign-on (one-time passcode)', description: 'opens the passcode page in your browser', id: 'sso' },
  ];
  const method = await ctx.ui.pick(methods, { title: `CF: Log In to ${target.name}` });
  if (!method) return false;
  if (method.id === 'cli') {
    await ctx.tokens.set(target.name, { accessToken: cli!.accessToken!, refreshToken: cli!.refreshToken });
    return true;
  }
  if (method.id === 'sso') {
    const { passcodeUrl } = await c.loginPrompts(t);
    void vscode.env.openExternal(vscode.Uri.parse(passcodeUrl));
    const passcode = await ctx.ui.input({
      title: `CF: Log In to ${target.name} — passcode`,
      prompt: `Paste the passcode from ${passcodeUrl}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!passcode) return false;
    return signIn(ctx, target, { passcode });
  }
  const username = await ctx.ui.input({ title: `CF: Log In to ${target.name} — username`, ignoreFocusOut: true });
  if (!username) return false;
  const password = await ctx.ui.input({ title: `CF: Log In to ${target.name} — password`, password: true, ignoreFocusOut: true });
  if (password === undefined) return false;
  return signIn(ctx, target, { username, password });
}

export function logout(ctx: Ctx): Cmd {
  return async (arg?: unknown) => {
    const name = typeof arg === 'string' ? arg : (nodeTarget(arg) ?? ctx.config.target);
    await core().logout({ name }, ctx.tokens);
    ctx.refresh();
    ctx.output.line(`Signed out of ${name}`);
    void vscode.window.showInformationMessage(`Signed out of ${name}.`);
    return true;
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
      reportError(ctx, 'Starting the local foundation failed', err, { target: 'local' });
      return undefined;
    }
  };
}

/** CF: Stop Local Foundation — it and its apps (the CLI's `foundation stop`), confirmed: every app on it goes down. */
export function stopFoundation(ctx: Ctx): Cmd {
  return async () => {
    const answer = await ctx.ui.confirm('Stop the local foundation?', 'Every app running on it stops; they start again with it.', 'Stop');
    if (answer !== 'Stop') return false;
    try {
      const targets = await core().listTargets();
      const local = targets.find((t) => t.local);
      await withTask(ctx, {
        title: 'Stopping the local Cloud Foundry',
        run: async (reporter) => {
          reporter.step('Stopping the local foundation and its apps');
          await core().stopLocalFoundation(local?.dataDir ?? defaultFoundationDir());
        },
      });
      ctx.refresh();
      return true;
    } catch (err) {
      reportError(ctx, 'Stopping the local foundation failed', err, { target: 'local' });
      return false;
    }
  };
}
