// JSON schema (draft-07) for VS Code's yamlValidation contribution. It is a
// loose editing aid; parseManifest stays the authority (units, ranges, CC rules).
import { MANIFEST_KEYS } from './keys';

const d = (key: string): string => {
  const k = MANIFEST_KEYS[key];
  if (!k) return key;
  return [k.description, k.values && `Values: ${k.values}.`, k.deprecated && `Deprecated: ${k.deprecated}`].filter(Boolean).join(' ');
};
// ((vars)) are allowed anywhere a value is: they are filled in at push time.
const BYTES = '^(-?\\d+(\\.\\d+)?([KkMmGgTt][Ii]?[Bb]?|[Bb])|.*\\(\\([^)]+\\)\\).*)$';
const bytes = (key: string) => ({ type: 'string', pattern: BYTES, description: d(key) });
const hc = (key: string) => ({ enum: ['port', 'process', 'http', 'none'], description: d(key) });
const posInt = (key: string) => ({ type: ['integer', 'string'], minimum: 1, description: d(key) });

const processProps = {
  type: { type: 'string', description: d('type') },
  command: { type: ['string', 'null'], description: d('command') },
  instances: { type: ['integer', 'string'], minimum: 0, maximum: 2000000, description: d('instances') },
  memory: bytes('memory'),
  disk_quota: bytes('disk_quota'),
  'disk-quota': bytes('disk-quota'),
  'log-rate-limit-per-second': { type: 'string', description: d('log-rate-limit-per-second') },
  'health-check-type': hc('health-check-type'),
  'health-check-http-endpoint': { type: 'string', pattern: '^/', description: d('health-check-http-endpoint') },
  'health-check-invocation-timeout': posInt('health-check-invocation-timeout'),
  'health-check-interval': posInt('health-check-interval'),
  'readiness-health-check-type': hc('readiness-health-check-type'),
  'readiness-health-check-http-endpoint': { type: 'string', pattern: '^/', description: d('readiness-health-check-http-endpoint') },
  timeout: posInt('timeout'),
};
const deprecated = (key: string) => ({ description: d(key), deprecationMessage: MANIFEST_KEYS[key]!.deprecated });

export const manifestJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://cf-push.dev/schemas/manifest.json',
  title: 'Cloud Foundry application manifest',
  type: 'object',
  required: ['applications'],
  properties: {
    version: { enum: [1], description: d('version') },
    applications: {
      type: 'array',
      minItems: 1,
      description: d('applications'),
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, description: d('name') },
          path: { type: 'string', description: d('path') },
          buildpacks: { type: ['array', 'null'], items: { type: 'string' }, description: d('buildpacks') },
          buildpack: { type: ['string', 'null'], ...deprecated('buildpack') },
          stack: { type: 'string', description: d('stack') },
          lifecycle: { enum: ['buildpack', 'cnb', 'docker'], description: d('lifecycle') },
          ...processProps,
          env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] }, description: d('env') },
          routes: {
            type: 'array',
            description: d('routes'),
            items: {
              type: 'object',
              required: ['route'],
              additionalProperties: false,
              properties: {
                route: { type: 'string', minLength: 1, description: d('route') },
                protocol: { enum: ['http1', 'http2', 'tcp'], description: d('protocol') },
                options: {
                  type: 'object',
                  additionalProperties: false,
                  description: d('options'),
                  properties: {
                    loadbalancing: { enum: ['round-robin', 'least-connection', 'hash'] },
                    hash_header: { type: 'string' },
                    hash_balance: { type: ['number', 'string'] },
                  },
                },
              },
            },
          },
          'random-route': { type: 'boolean', description: d('random-route') },
          'default-route': { type: 'boolean', description: d('default-route') },
          'no-route': { type: 'boolean', description: d('no-route') },
          docker: {
            type: 'object',
            required: ['image'],
            description: d('docker'),
            properties: { image: { type: 'string', description: d('image') }, username: { type: 'string', description: d('username') } },
          },
          services: {
            type: 'array',
            description: d('services'),
            items: {
              oneOf: [
                { type: 'string' },
                {
                  type: 'object',
                  required: ['name'],
                  properties: { name: { type: 'string' }, binding_name: { type: 'string' }, parameters: { type: 'object' } },
                },
              ],
            },
          },
          processes: {
            type: 'array',
            description: d('processes'),
            items: { type: 'object', required: ['type'], properties: { ...processProps, user: { type: 'string' } } },
          },
          sidecars: {
            type: 'array',
            description: d('sidecars'),
            items: {
              type: 'object',
              required: ['name', 'command'],
              properties: {
                name: { type: 'string' },
                process_types: { type: 'array', items: { type: 'string' } },
                command: { type: 'string' },
                memory: bytes('memory'),
              },
            },
          },
          metadata: {
            type: 'object',
            description: d('metadata'),
            properties: { labels: { type: 'object' }, annotations: { type: 'object' } },
          },
          features: { type: 'object', additionalProperties: { type: 'boolean' }, description: d('features') },
          host: deprecated('host'),
          hosts: deprecated('hosts'),
          domain: deprecated('domain'),
          domains: deprecated('domains'),
          'no-hostname': deprecated('no-hostname'),
        },
      },
    },
    inherit: deprecated('inherit'),
  },
} as const;
