// The CC v3 façade: one named request per endpoint, grouped by resource as
// the cf CLI's ccv3 package is (`cc.apps.stop(guid)`), over one transport.
// Callers never build a CC path; summaries across requests live in actors.
import { AppRequests } from './requests/apps';
import { BuildRequests } from './requests/builds';
import { DebugRequests } from './requests/debug';
import { DeploymentRequests } from './requests/deployments';
import { DomainRequests } from './requests/domains';
import { DropletRequests } from './requests/droplets';
import { AuditEventRequests, CatalogRequests, JobRequests, ResourceMatchRequests } from './requests/misc';
import { OrganizationRequests, SpaceRequests } from './requests/organizations';
import { PackageRequests } from './requests/packages';
import { ProcessRequests } from './requests/processes';
import { RouteRequests } from './requests/routes';
import { ServiceInstanceRequests, ServicePlanRequests } from './requests/services';
import { TaskRequests } from './requests/tasks';
import { CcTransport, type CcClientOptions } from './transport';

export { CcApiError, type CcClientOptions, type TokenProvider } from './transport';

export class CcClient extends CcTransport {
  readonly apps = new AppRequests(this);
  readonly processes = new ProcessRequests(this);
  readonly packages = new PackageRequests(this);
  readonly builds = new BuildRequests(this);
  readonly droplets = new DropletRequests(this);
  readonly routes = new RouteRequests(this);
  readonly domains = new DomainRequests(this);
  readonly deployments = new DeploymentRequests(this);
  readonly tasks = new TaskRequests(this);
  readonly organizations = new OrganizationRequests(this);
  readonly spaces = new SpaceRequests(this);
  readonly jobs = new JobRequests(this);
  readonly resourceMatches = new ResourceMatchRequests(this);
  readonly catalog = new CatalogRequests(this);
  readonly serviceInstances = new ServiceInstanceRequests(this);
  readonly servicePlans = new ServicePlanRequests(this);
  readonly auditEvents = new AuditEventRequests(this);
  readonly debug = new DebugRequests(this);

  constructor(opts: CcClientOptions) {
    super(opts);
  }
}
