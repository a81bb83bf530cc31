import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../../imports/applications-argoproj.io';
import { Environment } from '../core/environment';
import { arrayOrEmpty, checkProps } from '../core/prop-check';

/** Argo CD's namespace when the cluster profile does not name another (`platform.argocd.namespace`). */
export const ARGOCD_NAMESPACE = 'argocd';

export interface ArgoCdApplicationsProps {
  readonly environment: Environment;
  /** The systems of the environment, each deployed from `dist/<env>/<system>/` into `<system>-<env>`. */
  readonly systems: readonly string[];
  /** Argo CD project the applications belong to. @default 'default' */
  readonly project?: string;
}

/**
 * App-of-apps for one environment: one Argo CD Application per system, each watching
 * its dist folder. Syncs are automated with pruning and self-heal; server-side apply
 * matches how the verification harness applies the same folders.
 */
const ARGOCD_CHART = Symbol.for('cdk8s-stacks.ArgoCdApplications');

export class ArgoCdApplications extends Chart {
  /** True when `x` is an ArgoCdApplications chart (`instanceof` does not work for charts). */
  public static isArgoCdApplications(x: unknown): x is ArgoCdApplications {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ARGOCD_CHART] === true;
  }

  public readonly environment: Environment;

  constructor(scope: Construct, props: ArgoCdApplicationsProps) {
    super(scope, `argocd-${props.environment?.name}`, {
      namespace: props.environment?.platform?.argocd.namespace ?? ARGOCD_NAMESPACE,
      disableResourceNameHashes: true,
    });
    checkProps(this, 'ArgoCdApplicationsProps', props);
    Object.defineProperty(this, ARGOCD_CHART, { value: true });
    this.environment = props.environment;
    const env = props.environment;
    // Without an environment there is nothing to point at; checkProps reports it.
    const systems = env?.platform ? arrayOrEmpty(props.systems) : [];
    const gitops = env?.platform?.gitops;
    for (const system of [...systems].sort()) {
      new Application(this, system, {
        metadata: { name: `${system}-${env.name}` },
        spec: {
          project: props.project ?? 'default',
          source: {
            repoUrl: gitops.repoURL,
            targetRevision: gitops.targetRevision,
            path: `${gitops.distPath}/${env.name}/${system}`,
          },
          destination: { server: 'https://kubernetes.default.svc', namespace: `${system}-${env.name}` },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            // The namespace is part of the folder (with its Pod Security labels), so Argo CD
            // must not create a bare one first.
            syncOptions: ['ServerSideApply=true', 'PruneLast=true', 'CreateNamespace=false'],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
          },
        },
      });
    }
  }
}
