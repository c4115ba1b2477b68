// Names inside the servers, derived from CC guids: only [a-z0-9_] ever reaches
// SQL, ACL rules or rabbitmqctl, so nothing a client sends is interpolated.
import { CfPushError } from '../../../core/errors';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The guid's 32 hex digits, lower case; anything but a guid is refused. */
export function hexId(id: string): string {
  if (!GUID.test(id)) throw new CfPushError(`"${id.slice(0, 80)}" is not a guid; service instance and binding ids are guids.`);
  return id.replace(/-/g, '').toLowerCase();
}

/** The tenant's database / vhost name ("d_<hex>"). */
export const dbName = (tenant: string): string => `d_${hexId(tenant)}`;
/** The login's user or role name ("u_<hex>"), for a tenant's owner and for each binding's login. */
export const userName = (id: string): string => `u_${hexId(id)}`;
/** The tenant's RabbitMQ vhost ("v_<hex>"). */
export const vhostName = (tenant: string): string => `v_${hexId(tenant)}`;

const NAME = /^[duv]_[0-9a-f]{32}$/;

/** A name we made (or read back from the server), checked before it is written into a statement. */
export function checkedName(name: string): string {
  if (!NAME.test(name)) throw new Error(`internal: "${name}" is not a name this broker makes`);
  return name;
}
