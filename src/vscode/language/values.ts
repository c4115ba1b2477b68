// Completion values for manifest keys: fixed enums from the CF spec, plus
// live values from the current target (buildpacks, the local foundation's
// installed ones included, stacks, domains, services), read once a minute at
// most and only from an open or openable session (completion never starts a
// foundation).
import * as vscode from 'vscode';
import type { Session } from '../../core/session';
import type { Ctx } from '../ctx';
import { core } from '../lazy';

export interface Value {
  label: string;
  detail?: string;
  insert?: string;
  kind?: vscode.CompletionItemKind;
}

const ENUMS: Record<string, string[]> = {
  lifecycle: ['buildpack', 'docker', 'cnb'],
  'health-check-type': ['port', 'process', 'http'],
  'readiness-health-check-type': ['port', 'process', 'http'],
  protocol: ['http1', 'http2', 'tcp'],
  'random-route': ['true', 'false'],
  'default-route': ['true', 'false'],
  'no-route': ['true', 'false'],
  memory: ['256M', '512M', '1G', '2G'],
  disk_quota: ['512M', '1G', '2G'],
  'disk-quota': ['512M', '1G', '2G'],
  instances: ['1', '2', '3'],
  version: ['1'],
  'health-check-http-endpoint': ['/', '/health'],
};

interface Live {
  at: number;
  buildpacks: Value[];
  stacks: Value[];
  domains: string[];
  services: Value[];
  /** The space's instance names, when they could be read (undefined: no target reachable, so nothing is claimed). */
  serviceNames?: string[];
  /** "org/space on target", for messages. */
  where?: string;
}

export class TargetValues {
  private live?: Promise<Live>;

  constructor(private readonly ctx: Ctx) {}

  async forKey(key: string, doc: vscode.TextDocument): Promise<Value[]> {
    const fixed = ENUMS[key];
    if (fixed) return fixed.map((label) => ({ label, kind: vscode.CompletionItemKind.EnumMember }));
    if (key === 'buildpacks' || key === 'buildpack') return (await this.read()).buildpacks;
    if (key === 'stack') return (await this.read()).stacks;
    if (key === 'services') return (await this.read()).services;
    if (key === 'route') {
      const name = /^\s*-?\s*name:\s*(\S+)/m.exec(doc.getText())?.[1] ?? 'my-app';
      return (await this.read()).domains.map((d) => ({ label: `${name}.${d}`, detail: `route on domain ${d}`, kind: vscode.CompletionItemKind.Reference }));
    }
    return [];
  }

  /** The targeted space's service instance names, or undefined when they cannot be read now. */
  async serviceNames(): Promise<string[] | undefined> {
    return (await this.read()).serviceNames;
  }

  /** Forget what was read (a service was created or deleted here). */
  invalidate(): void {
    this.live = undefined;
  }

  private read(): Promise<Live> {
    if (this.live) {
      const cached = this.live;
      void cached.then((l) => {
        if (Date.now() - l.at > 60_000 && this.live === cached) this.live = undefined;
      });
      return cached;
    }
    return (this.live = this.load());
  }

  private async load(): Promise<Live> {
    const c = core();
    const builtins: Value[] = c.builtinBuildpacks().map((b) => ({
      label: b.key,
      detail: `built-in ${b.name} ${b.version}${b.language ? ` (${b.language})` : ''}`,
      kind: vscode.CompletionItemKind.Module,
    }));
    const live: Live = { at: Date.now(), buildpacks: builtins, stacks: [{ label: 'cflinuxfs4' }], domains: [], services: [] };
    let s: Session;
    try {
      s = await (this.ctx.openedSession() ?? this.ctx.session({ startLocal: false }));
    } catch {
      return live;
    }
    const where = `on ${s.target.name}`;
    const [bps, stacks, domains, services] = await Promise.all([
      s.cc.catalog.buildpacks().catch(() => []),
      s.cc.catalog.stacks().catch(() => []),
      s.cc.domains.list().catch(() => []),
      s.cc.serviceInstances.inSpace(s.space.guid).catch(() => undefined),
    ]);
    for (const b of bps) {
      // The local foundation lists its built-ins too: they are offered above, with their versions.
      if (s.target.local && builtins.some((v) => v.label === b.name)) continue;
      live.buildpacks.push({ label: b.name, detail: `${where}${b.stack ? ` (${b.stack})` : ''}`, kind: vscode.CompletionItemKind.Module });
    }
    if (stacks.length) live.stacks = stacks.map((x) => ({ label: x.name, detail: x.description ?? where }));
    live.domains = domains.filter((d) => !d.internal).map((d) => d.name);
    live.services = (services ?? []).map((x) => ({ label: x.name, detail: `service instance ${where}`, kind: vscode.CompletionItemKind.Reference }));
    live.serviceNames = services?.map((x) => x.name);
    return live;
  }
}
