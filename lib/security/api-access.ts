import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ValidationReport } from '../core/validation';

/** One permission on the Kubernetes API, always within the workload's own namespace. */
export interface ApiPermission {
  /** API group: '' for the core group, e.g. 'apps', 'batch'. */
  readonly apiGroup: string;
  /** Resource, e.g. `configmaps`, `leases`. Wildcards are refused. */
  readonly resource: string;
  /** Verbs, e.g. ['get', 'watch']. Wildcards are refused. */
  readonly verbs: readonly string[];
  /**
   * The objects by name. @default - every object of that resource in the namespace, which
   * is only accepted for `create` (a name is not known before the object exists) and `list`/`watch`
   */
  readonly resourceNames?: readonly string[];
}

const KNOWN_VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);
const NAMELESS_VERBS = new Set(['create', 'list', 'watch', 'deletecollection']);

/**
 * A Role and RoleBinding that give a workload's ServiceAccount exactly the permissions it
 * declared, in its own namespace. Created by `workload.allowApiAccess(...)`; workloads that
 * declare nothing get no token at all.
 */
export class ApiAccess extends Construct {
  constructor(
    scope: Construct,
    id: string,
    serviceAccount: string,
    private readonly permissions: readonly ApiPermission[],
  ) {
    super(scope, id);
    new k8s.KubeRole(this, 'role', {
      metadata: { name: serviceAccount },
      rules: permissions.map((p) => ({
        apiGroups: [p.apiGroup],
        resources: [p.resource],
        verbs: [...p.verbs],
        resourceNames: p.resourceNames ? [...p.resourceNames] : undefined,
      })),
    });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata: { name: serviceAccount },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount }],
    });
  }

  public validate(report: ValidationReport): void {
    this.permissions.forEach((p, i) => {
      const field = `apiAccess[${i}]`;
      if (p.resource === '' || p.resource.includes('*'))
        report.error('api-access.resource', `${field}.resource`, `'${p.resource}' must name one resource (no wildcards)`);
      if (p.apiGroup.includes('*'))
        report.error('api-access.api-group', `${field}.apiGroup`, `'${p.apiGroup}' must name one API group (no wildcards)`);
      if (p.verbs.length === 0) report.error('api-access.verbs.list-least', `${field}.verbs`, 'must list at least one verb');
      for (const verb of p.verbs) {
        if (!KNOWN_VERBS.has(verb))
          report.error('api-access.verbs.allowed', `${field}.verbs`, `'${verb}' is not allowed (one of: ${[...KNOWN_VERBS].join(', ')})`);
        else if (!p.resourceNames?.length && !NAMELESS_VERBS.has(verb)) {
          report.error(
            'api-access.resource-names',
            `${field}.resourceNames`,
            `'${verb}' on ${p.resource} needs the objects' names (least privilege); only create, list, watch and deletecollection may go without`,
          );
        }
      }
      if (['secrets'].includes(p.resource) && p.verbs.some((v) => v === 'list' || v === 'watch')) {
        report.error(
          'api-access.verbs.listing-watching',
          `${field}.verbs`,
          'listing or watching secrets reads every Secret of the namespace; get named Secrets instead',
        );
      }
    });
  }
}
