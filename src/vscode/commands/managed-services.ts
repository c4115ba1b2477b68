// Managed service instances from the tree or the palette, as `cf
// create-service` / `delete-service`: an offering and a plan picked from the
// space's marketplace (or the Marketplace node clicked), a name, optional
// parameters; then a progress notification until the broker has finished
// (unlike cf's default, so a bind or push right after finds it ready).
import * as vscode from 'vscode';
import type { MarketplaceOffering, MarketplacePlan } from '../../core/actors/managed-services';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import { core } from '../lazy';
import { withTask } from '../progress';
import { MarketplaceNode, OfferingNode, PlanNode, ServiceNode, ServicesFolderNode, SpaceNode } from '../tree/nodes';
import type { Cmd } from './common';

/** A JSON object, or nothing (as `cf create-service -c` takes it inline). */
export function jsonObjectError(v: string): string | undefined {
  if (!v.trim()) return undefined;
  try {
    const o: unknown = JSON.parse(v);
    return o && typeof o === 'object' && !Array.isArray(o) ? undefined : 'A JSON object, e.g. {"key": "value"}';
  } catch (err) {
    return `Not JSON: ${(err as Error).message}`;
  }
}

function sessionOf(node: unknown): Session | undefined {
  if (node instanceof ServicesFolderNode || node instanceof SpaceNode || node instanceof MarketplaceNode || node instanceof OfferingNode) return node.session;
  if (node instanceof PlanNode) return node.session;
  return undefined;
}

/** A name CC would take and the space does not have yet. */
function nameError(v: string, taken: string[]): string | undefined {
  const name = v.trim();
  if (!name) return 'A name for the service instance, e.g. my-db';
  if (name.length > 255) return 'At most 255 characters';
  if (taken.includes(name)) return `${name} exists in this space: choose another name`;
  return undefined;
}

const STATE_TEXT: Record<string, string> = {
  PROCESSING: 'Asking the broker to create it',
  POLLING: 'The broker is creating it',
  COMPLETE: 'Ready',
  FAILED: 'Failed',
};

export interface CreateServiceArgs {
  offering: string;
  plan: string;
  name: string;
  broker?: string;
  parameters?: Record<string, unknown>;
}

/** CF: Create Service… — `(node)` from the tree or nothing from the palette; `(node, args)` from code skips the prompts. */
export function createManagedService(ctx: Ctx): Cmd {
  return async (clicked?: unknown, given?: CreateServiceArgs) => {
    let session = sessionOf(clicked);
    try {
      session ??= await ctx.session({ target: ctx.config.target, startLocal: ctx.config.startLocalOnDemand });
    } catch (err) {
      reportError(ctx, 'Creating a service failed', err, { target: ctx.config.target });
      return undefined;
    }
    const s = session;
    const where = `${s.org.name}/${s.space.name}`;
    let args = given;
    if (!args) {
      const pre = clicked instanceof OfferingNode ? clicked.offering : clicked instanceof PlanNode ? clicked.offeringNode.offering : undefined;
      let known: [MarketplaceOffering[], string[]];
      try {
        known = await Promise.all([
          pre ? Promise.resolve([pre]) : core().marketplace(s),
          core()
            .listServices(s)
            .then((l) => l.map((x) => x.name)),
        ]);
      } catch (err) {
        reportError(ctx, `Reading the marketplace of ${where} failed`, err, { target: s.target.name });
        return undefined;
      }
      args = await ask(ctx, s, known[0], known[1], clicked instanceof PlanNode ? clicked.plan : undefined);
    }
    if (!args) return undefined;
    const a = args;
    try {
      const created = await withTask(ctx, {
        title: `Creating service ${a.name} (${a.offering} ${a.plan})`,
        cancellable: true,
        run: (reporter, signal) =>
          core().createService(s, a, { wait: true, signal, onState: (state) => reporter.step(`${STATE_TEXT[state] ?? state} (job ${state})`) }),
      });
      ctx.output.line(`✔ Created service ${a.name} (${a.offering} ${a.plan}) in ${where}`);
      ctx.tree.refresh();
      void vscode.window.showInformationMessage(`Created ${a.name}. Drag it onto an app to bind it.`);
      return { name: a.name, state: created.state, guid: created.instance.guid };
    } catch (err) {
      ctx.tree.refresh();
      if (core().isCancelled(err)) {
        void vscode.window.showInformationMessage(`Stopped waiting for ${a.name}: the broker goes on creating it (see the Services folder).`);
        return undefined;
      }
      reportError(ctx, `Creating service ${a.name} failed`, err, { target: s.target.name });
      return undefined;
    }
  };
}

/** Offering → plan → name → parameters; undefined when one is dismissed. */
async function ask(ctx: Ctx, s: Session, offerings: MarketplaceOffering[], taken: string[], given?: MarketplacePlan): Promise<CreateServiceArgs | undefined> {
  const where = `${s.org.name}/${s.space.name}`;
  // One offering (an Offering or Plan node clicked, or a marketplace of one): no need to pick it.
  let offering: MarketplaceOffering | undefined = offerings.length === 1 ? offerings[0] : undefined;
  let plan = given;
  if (!offerings.length) {
    void vscode.window.showWarningMessage(`The marketplace of ${where} is empty: no service broker offers plans to it.`);
    return undefined;
  }
  offering ??= (
    await ctx.ui.pick(
      offerings.map((o) => ({ label: o.name, description: o.broker, detail: o.description, offering: o })),
      { title: `CF: Create Service in ${where}`, placeHolder: 'Service offering (from the marketplace)', matchOnDescription: true, matchOnDetail: true },
    )
  )?.offering;
  if (!offering) return undefined;
  const o = offering;
  if (!plan && o.plans.length === 1) plan = o.plans[0];
  plan ??= (
    await ctx.ui.pick(
      o.plans.map((p) => ({ label: p.name, description: p.free ? 'free' : 'paid', detail: p.description, plan: p })),
      { title: `CF: Plan of ${o.name}`, placeHolder: `Plan of ${o.name} (broker ${o.broker})` },
    )
  )?.plan;
  if (!plan) return undefined;
  let suggested = `my-${o.name}`;
  for (let i = 2; taken.includes(suggested); i++) suggested = `my-${o.name}-${i}`;
  const name = (
    await ctx.ui.input({
      title: `CF: Name the ${o.name} (${plan.name}) Service`,
      prompt: `The service instance's name in ${where}; apps find it in VCAP_SERVICES under "${o.name}".`,
      value: suggested,
      validateInput: (v) => nameError(v, taken),
    })
  )?.trim();
  if (!name) return undefined;
  const params = await ctx.ui.input({
    title: `CF: Parameters for ${name}`,
    prompt: `A JSON object for the broker ${o.broker}, as cf create-service -c (empty: none)`,
    placeHolder: '{}',
    validateInput: jsonObjectError,
  });
  if (params === undefined) return undefined;
  return {
    offering: o.name,
    plan: plan.name,
    name,
    broker: o.broker || undefined,
    ...(params.trim() ? { parameters: JSON.parse(params) as Record<string, unknown> } : {}),
  };
}

/** Delete Service… on an instance: its name typed (deleting loses the data), then the broker's job waited for. */
export function deleteService(ctx: Ctx): Cmd {
  return async (clicked?: unknown) => {
    if (!(clicked instanceof ServiceNode)) return undefined;
    const { session, name } = clicked;
    const s = clicked.service;
    if (s.boundApps.length) {
      void vscode.window.showWarningMessage(`${name} is bound to ${s.boundApps.join(', ')}: unbind it first (Unbind from App on each).`);
      return undefined;
    }
    const what =
      s.type === 'managed'
        ? `The ${s.offering} instance and its data are deleted by the broker${s.broker ? ` ${s.broker}` : ''}.`
        : 'The credentials are forgotten.';
    const typed = await ctx.ui.input({
      title: `CF: Delete ${name}?`,
      prompt: `${what} This cannot be undone. Type ${name} to delete.`,
      placeHolder: name,
      validateInput: (v) => (v === '' || v === name ? undefined : `Type ${name} exactly, or press Escape to keep it`),
    });
    if (typed !== name) return undefined;
    try {
      await withTask(ctx, {
        title: `Deleting service ${name}`,
        run: (reporter, signal) => core().deleteService(session, name, { wait: true, signal, onState: (st) => reporter.step(`Deleting (job ${st})`) }),
      });
      ctx.output.line(`✔ Deleted service ${name} from ${session.org.name}/${session.space.name}`);
      ctx.tree.refresh();
      return true;
    } catch (err) {
      ctx.tree.refresh();
      reportError(ctx, `Deleting service ${name} failed`, err, { target: session.target.name });
      return undefined;
    }
  };
}
