import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, ApplicationSpec } from '../../imports/applications-argoproj.io';
import { AppProject, AppProjectSpec } from '../../imports/appprojects-argoproj.io';
import { Environment } from '../core/environment';
import { SystemChart } from '../core/system-chart';
import { arrayOrEmpty, checkProps } from '../core/prop-check';
import { addCheck } from '../core/validation';
import { setApplyOrder } from './apply-order';
import { SYNC_RETRY } from './sync-policy';
import type { PlatformLayer } from './platform-layer';

/** Argo CD's namespace when the cluster profile does not name another (`platform.argocd.namespace`). */
export const ARGOCD_NAMESPACE = 'argocd';

/** Sync waves of the Applications in `dist/<env>/argocd/`: the root, then the platform, then the systems (95, their kind's place). */
const ROOT_WAVE = 92;
const PLATFORM_WAVE = 93;

/** Folders of `dist/<env>/` that are not systems. */
const RESERVED_FOLDERS = ['argocd', 'platform'];

export interface ArgoCdApplicationsProps {
  readonly environment: Environment;
  /** The systems of the environment, each deployed from `dist/<env>/<system>/` into `<system>-<env>`. */
  readonly systems: readonly string[];
  /**
   * An Argo CD project managed elsewhere for every Application. When set, no AppProject is generated.
   * @default - the generated AppProject `stacks-<env>`, restricted to the environment's repositories and namespaces
   */
  readonly project?: string;
}

/**
 * `dist/<env>/argocd/`, the entry point of one environment: its AppProject (sources: the
 * profile's Git repository and the platform's chart repositories; destinations: the
 * namespaces the environment owns; cluster-scoped kinds: only those the environment
 * creates), the root Application that syncs this folder itself (app-of-apps), the
 * Application of the platform layer (`dist/<env>/platform/`) and one per system. Sync
 * waves put the platform before the systems. Syncs are automated with pruning and
 * self-heal; server-side apply matches how the verification harness applies the folders.
 */
const ARGOCD_CHART = Symbol.for('cdk8s-stacks.ArgoCdApplications');

/** @sealed subclassing is not supported; its protected members are not API */
export class ArgoCdApplications extends Chart {
  /** True when `x` is an ArgoCdApplications chart (`instanceof` does not work for charts). */
  public static isArgoCdApplications(x: unknown): x is ArgoCdApplications {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[ARGOCD_CHART] === true;
  }

  public readonly environment: Environment;
  /** The systems, sorted. */
  public readonly systems: readonly string[];
  /** The Argo CD project every Application of the environment belongs to. */
  public readonly project: string;
  private platformLayer?: PlatformLayer;
  private systemClusterKinds: readonly string[] = [];
  private readonly bootstrap: ApiObject[] = [];
  private readonly rolloutSystems = new Set<string>();

  /** Takes `(scope, props)`: the id is derived (`argocd-<env>`, the dist folder), like SystemChart's. */
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
    this.systems = env?.platform ? [...arrayOrEmpty(props.systems)].sort() : [];
    this.project = props.project ?? `stacks-${env?.name}`;
    addCheck(this, (report) => {
      for (const system of this.systems.filter((s) => RESERVED_FOLDERS.includes(s))) {
        report.error(
          'argocd-applications.systems',
          'systems',
          `'${system}' is the name of an environment's own dist folder (${RESERVED_FOLDERS.join(', ')}); rename the system`,
        );
      }
    });
    if (!env?.platform) return;
    const git = env.platform.gitops;
    const folder = (name: string) => ({ repoUrl: git.repoURL, targetRevision: git.targetRevision, path: `${git.distPath}/${env.name}/${name}` });
    const server = env.platform.argocd.destinationServer;

    if (props.project === undefined) {
      this.bootstrap.push(
        new AppProject(this, 'stacks-project', { metadata: { name: this.project }, spec: Lazy.any({ produce: () => this.projectSpec() }) }),
      );
    }
    const root = new Application(this, 'stacks-root', {
      metadata: { name: `stacks-${env.name}` },
      spec: {
        project: this.project,
        // The folder as plain manifests, not its kustomization: that one is the bootstrap
        // (`kubectl apply -k`: the project and this Application only); the root then creates the
        // other Applications in their waves.
        source: { ...folder('argocd'), directory: { exclude: 'kustomization.yaml' } },
        destination: { server, namespace: this.namespace },
        // Never prunes: removing a system from the list must not be a one-commit deletion of its data.
        syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ['ServerSideApply=true'], retry: RETRY },
      },
    });
    setApplyOrder(root, ROOT_WAVE);
    this.bootstrap.push(root);

    for (const system of this.systems) {
      new Application(this, system, {
        metadata: { name: `${system}-${env.name}` },
        // Lazy: whether Argo Rollouts runs the system is known once its requirements are collected.
        spec: Lazy.any({
          produce: (): ApplicationSpec => ({
            project: this.project,
            // The system's own revision where its chart names one (e.g. dev following an integration branch).
            source: { ...folder(system), targetRevision: this.revisionOf(system) },
            destination: { server, namespace: `${system}-${env.name}` },
            ignoreDifferences: this.rolloutSystems.has(system) ? [ROLLOUT_SELECTOR_FIELD] : undefined,
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              // The namespace is part of the folder (with its Pod Security labels), so Argo CD
              // must not create a bare one first.
              syncOptions: [
                'ServerSideApply=true',
                'PruneLast=true',
                'CreateNamespace=false',
                ...(this.rolloutSystems.has(system) ? ['RespectIgnoreDifferences=true'] : []),
              ],
              retry: RETRY,
            },
          }),
        }),
      });
    }
  }

  /** The revision the system's chart in this app and environment names, else the profile's. */
  private revisionOf(system: string): string {
    const chart = this.node.root.node.children.find(
      (c): c is SystemChart => SystemChart.isSystemChart(c) && c.system === system && c.environment.name === this.environment.name,
    );
    return chart?.targetRevision ?? this.environment.platform.gitops.targetRevision;
  }

  /**
   * Lets Argo Rollouts own the revision key of the system's Service selectors: the controller
   * adds `rollouts-pod-template-hash` to the active, preview and stable Services to point them
   * at one revision. A Service selector is an atomic map, so a server-side apply of the one in
   * Git would take the key away again (and send the active Service's traffic to both versions):
   * the key is ignored in the comparison and kept from the live object when Argo CD applies
   * (`RespectIgnoreDifferences`). Called by the synth pipeline for systems that declared Argo Rollouts.
   * @internal
   */
  public leaveRolloutSelectorsToController(system: string): void {
    this.rolloutSystems.add(system);
  }

  /**
   * What `kubectl apply -k dist/<env>/argocd` creates: the generated AppProject and the root
   * Application. Every other Application of the folder is created by the root's sync, in its wave.
   */
  public bootstrapObjects(): readonly ApiObject[] {
    return this.bootstrap;
  }

  /**
   * Adds the Application of the environment's platform layer and lets the AppProject
   * admit what it installs. Called by the synth pipeline, which makes the layer.
   * @param layer the environment's platform layer
   * @param systemClusterKinds cluster-scoped kinds the systems create (`group/Kind`)
   * @internal
   */
  public attachPlatform(layer: PlatformLayer, systemClusterKinds: readonly string[]): void {
    if (this.platformLayer) return;
    this.platformLayer = layer;
    this.systemClusterKinds = systemClusterKinds;
    const env = this.environment;
    const git = env.platform.gitops;
    const app = new Application(this, 'stacks-platform', {
      metadata: { name: `platform-${env.name}` },
      spec: {
        project: this.project,
        source: { repoUrl: git.repoURL, targetRevision: git.targetRevision, path: `${git.distPath}/${env.name}/platform` },
        destination: { server: env.platform.argocd.destinationServer, namespace: this.namespace },
        // Not pruned: removing a component from the layer must be done on purpose.
        syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ['ServerSideApply=true'], retry: RETRY },
      },
    });
    setApplyOrder(app, PLATFORM_WAVE);
  }

  /**
   * Adds the Application of the platform's Prometheus (`dist/<env>/platform/prometheus/`),
   * synced after the platform layer has installed the operator and its CRDs.
   * @internal
   */
  public attachPlatformPrometheus(): void {
    if (this.node.tryFindChild('stacks-platform-prometheus')) return;
    const env = this.environment;
    const git = env.platform.gitops;
    const app = new Application(this, 'stacks-platform-prometheus', {
      metadata: { name: `prometheus-${env.name}` },
      spec: {
        project: this.project,
        source: { repoUrl: git.repoURL, targetRevision: git.targetRevision, path: `${git.distPath}/${env.name}/platform/prometheus` },
        destination: { server: env.platform.argocd.destinationServer, namespace: env.platform.prometheus.pods.namespace },
        syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ['ServerSideApply=true'], retry: RETRY },
      },
    });
    setApplyOrder(app, PLATFORM_WAVE + 1);
  }

  /** Namespaces the environment owns: Argo CD's (its Applications), the systems' and the platform components'. */
  public ownedNamespaces(): string[] {
    const namespaces = new Set<string>([this.namespace!, ...this.systems.map((s) => `${s}-${this.environment.name}`)]);
    for (const c of this.platformLayer?.plan.components ?? []) {
      namespaces.add(c.namespace);
      // The namespaces the chart writes objects into, read from the chart (chart-facts-table.json).
      for (const written of c.facts?.namespaces ?? []) namespaces.add(written);
    }
    return [...namespaces].sort();
  }

  /** Repositories Applications of the environment may read: the profile's Git repository and the chart repositories used. */
  public sourceRepositories(): string[] {
    const charts = (this.platformLayer?.plan.components ?? []).map((c) => c.chart.repoURL);
    return [...new Set([this.environment.platform.gitops.repoURL, ...charts])].sort();
  }

  /** Cluster-scoped kinds (`group/Kind`) the environment creates: namespaces, PriorityClasses, the systems' and the charts'. */
  public clusterKinds(): string[] {
    const kinds = new Set<string>(['/Namespace', ...this.systemClusterKinds]);
    if (this.platformLayer) kinds.add('scheduling.k8s.io/PriorityClass');
    // What each chart creates, read from the chart with the values the layer sets (chart-facts-table.json).
    for (const c of this.platformLayer?.plan.components ?? []) for (const k of c.facts?.clusterKinds ?? []) kinds.add(k);
    return [...kinds].sort();
  }

  private projectSpec(): AppProjectSpec {
    return {
      description: `cdk8s-stacks ${this.environment.name}: the platform layer and the systems, from ${this.environment.platform.gitops.repoURL}`,
      sourceRepos: this.sourceRepositories(),
      destinations: this.ownedNamespaces().map((namespace) => ({ server: this.environment.platform.argocd.destinationServer, namespace })),
      clusterResourceWhitelist: this.clusterKinds().map((k) => {
        const [group, kind] = k.split('/');
        return { group, kind };
      }),
    };
  }
}

/** The Service selector key Argo Rollouts writes (lib/workloads/rollout.ts ROLLOUT_REVISION_LABEL). */
const ROLLOUT_SELECTOR_FIELD = { group: '', kind: 'Service', jqPathExpressions: ['.spec.selector["rollouts-pod-template-hash"]'] };

/** Every generated Application retries the same way (lib/gitops/sync-policy.ts). */
const RETRY = SYNC_RETRY;
