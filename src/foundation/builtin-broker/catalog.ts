// The built-in broker's catalog: one offering per engine, each with one free
// plan, tagged as the client libraries look for them (design §5.5). An
// engine whose server is not installed stays listed, its description saying
// which package to install, so `cf marketplace` tells the user what is
// possible instead of hiding it.
import type { EngineKind, Probe } from './engines/engine';

interface OfferingText {
  title: string;
  description: string;
  tags: string[];
  pkg: string;
}

export const OFFERINGS: Record<EngineKind, OfferingText> = {
  postgresql: { title: 'PostgreSQL', description: 'A PostgreSQL database on this machine', tags: ['postgresql', 'relational', 'sql'], pkg: 'postgresql' },
  mysql: { title: 'MySQL', description: 'A MySQL (MariaDB) database on this machine', tags: ['mysql', 'relational', 'sql'], pkg: 'mariadb-server' },
  redis: { title: 'Redis', description: 'A Redis database on this machine', tags: ['redis', 'key-value'], pkg: 'redis-server' },
  rabbitmq: { title: 'RabbitMQ', description: 'A RabbitMQ virtual host on this machine', tags: ['rabbitmq', 'amqp', 'messaging'], pkg: 'rabbitmq-server' },
};

export const KINDS = Object.keys(OFFERINGS) as EngineKind[];

/** Catalog ids are fixed so a re-sync after a restart finds the same offerings and plans. */
export const offeringId = (kind: EngineKind) => `cfpush-${kind}`;
export const planId = (kind: EngineKind) => `cfpush-${kind}-default`;

export function kindOf(serviceId: unknown): EngineKind | undefined {
  return KINDS.find((k) => offeringId(k) === serviceId);
}

export function catalog(probes: Record<EngineKind, Probe>): Record<string, unknown> {
  return {
    services: KINDS.map((kind) => {
      const o = OFFERINGS[kind];
      const probe = probes[kind];
      return {
        id: offeringId(kind),
        name: kind,
        description: probe.installed ? o.description : `${o.description} (not installed: apt-get install ${o.pkg})`,
        bindable: true,
        plan_updateable: false,
        instances_retrievable: false,
        bindings_retrievable: false,
        tags: o.tags,
        metadata: { displayName: o.title, providerDisplayName: 'cf-push', shareable: false },
        plans: [
          {
            id: planId(kind),
            name: 'default',
            description: probe.installed
              ? `${o.title} ${probe.version}: one ${kind === 'rabbitmq' ? 'virtual host' : 'database'} on the local server`
              : probe.reason,
            free: true,
            ...(probe.installed ? { maintenance_info: { version: semver(probe.version), description: `${o.title} ${probe.version}` } } : {}),
          },
        ],
      };
    }),
  };
}

/** maintenance_info.version must be semver (OSB); servers print 15.18 or 10.11.19-MariaDB. */
function semver(version: string): string {
  const parts = (version.match(/\d+(\.\d+){0,2}/)?.[0] ?? '0').split('.');
  while (parts.length < 3) parts.push('0');
  return parts.join('.');
}
