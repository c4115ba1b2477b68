// What the target must have for the apps pushed, checked before anything is
// uploaded or changed (in the preview, and again at the start of the push):
// the buildpacks named with -b or `buildpacks:`, the stack named with -s or
// `stack:`, the domains of the manifest's routes and the service instances of
// its `services:`. Without it, a missing buildpack surfaced only after the
// upload, and a route on an unknown domain only when the manifest was applied.
import type { CcDomain } from '../cc/types';
import { CfPushError } from '../errors';
import type { AppManifest } from '../manifest/types';
import type { Session } from '../session';

/** A buildpack key that names an installed buildpack (not a URL, .zip or folder; not CC's "default"). */
function isName(key: string): boolean {
  return !/[/\\:]/.test(key) && !/\.zip$/i.test(key) && key !== 'null' && key !== 'default';
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/-/g, '_')
    .replace(/_buildpack$/, '');

export async function checkAgainstTarget(session: Session, apps: AppManifest[]): Promise<void> {
  const wanted = [...new Set(apps.flatMap((a) => (a.docker ? [] : (a.buildpacks ?? []))).filter(isName))];
  const routed = apps.filter((a) => !a.noRoute && a.routes?.length);
  const bound = apps.filter((a) => a.services?.length);
  const stacked = apps.filter((a) => !a.docker && a.stack);
  const [buildpacks, domains, instances, stacks] = await Promise.all([
    wanted.length ? session.cc.catalog.buildpacks() : Promise.resolve([]),
    routed.length ? session.cc.domains.list() : Promise.resolve([] as CcDomain[]),
    bound.length ? session.cc.serviceInstances.inSpace(session.space.guid) : Promise.resolve([]),
    stacked.length ? session.cc.catalog.stacks() : Promise.resolve([]),
  ]);
  for (const a of stacked) {
    if (stacks.some((st) => st.name === a.stack)) continue;
    // CC's own words for it ("Stack must be an existing stack", a 422 on the app), here before any upload.
    throw new CfPushError(`Stack must be an existing stack: '${a.stack}' (app ${a.name}) is not one of ${session.target.name}'s stacks.`, {
      code: 'StackNotFound',
      hint: `Its stacks: ${stacks.map((st) => st.name).join(', ') || '(none)'}. Name one of them with -s or \`stack:\`, or leave the stack out for the target's default.`,
    });
  }
  for (const a of bound) {
    for (const name of a.services!) {
      if (instances.some((si) => si.name === name)) continue;
      throw new CfPushError(
        `Service instance '${name}' (services: of app ${a.name}) does not exist in space '${session.space.name}' on ${session.target.name}.`,
        {
          code: 'ServiceInstanceNotFound',
          hint: `Its service instances: ${instances.map((si) => si.name).join(', ') || '(none)'}. Create it first (\`cfpush create-service OFFERING PLAN ${name}\`, offerings in \`cfpush marketplace\`), or fix the name.`,
        },
      );
    }
  }
  const names = buildpacks.map((b) => b.name);
  for (const k of wanted) {
    // Exact, as CC matches; the local foundation also takes `nodejs` for nodejs_buildpack, so that form passes too.
    if (names.some((n) => n === k || norm(n) === norm(k))) continue;
    throw new CfPushError(`Buildpack '${k}' does not exist on ${session.target.name}.`, {
      code: 'BuildpackNotFound',
      hint: `Its buildpacks: ${names.join(', ') || '(none)'}. Name one of them, or give a buildpack's URL, .zip or folder.`,
    });
  }
  for (const a of routed) {
    for (const { route } of a.routes!) {
      const host = route.split('/')[0]!.replace(/:\d+$/, '').toLowerCase();
      if (domains.some((d) => host === d.name || host.endsWith(`.${d.name}`))) continue;
      const shared = domains.find((d) => !d.internal)?.name ?? domains[0]?.name;
      throw new CfPushError(`No domains exist for route ${route} (app ${a.name}) on ${session.target.name}.`, {
        code: 'DomainNotFound',
        hint: `Its domains: ${domains.map((d) => d.name).join(', ') || '(none)'}. Use one of them${shared ? ` (route: ${a.name}.${shared})` : ''}, or create the domain first.`,
      });
    }
  }
}
