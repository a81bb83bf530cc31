import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { markComponent } from '../core/component';
import { Json, sortedByKey } from '../core/json';
import { checkDnsLabel } from '../core/naming';
import { SystemChart } from '../core/system-chart';
import { addCheck, checkUniqueId, freeId, ValidationReport } from '../core/validation';
import { Connections, INetworkPeer, workloadNetworkPolicy } from '../security/network';
import { ApiAccess, ApiPermission } from '../security/api-access';
import { waive } from '../core/policy-waiver';
import { declareCheckExceptions } from '../core/check-exceptions';
import { addFinalizer } from '../core/finalize';
import { imageVersion } from './image';
import { ContainerModel, ContainerProps, DEFAULT_SCRATCH_SIZE, PortSpec, SIDECAR_RESOURCES, VolumeMount } from './container';
import { checkPodModel } from './pod-spec-check';
import { IBudgeted, PodBudget } from '../scaling/namespace-budget';
import { arrayOrEmpty } from '../core/prop-check';
import { clientPeerOf } from './connectable';
import type { ConnectOptions, IConnectable, StoreConnection } from './connectable';
import { mountStoreCa, storeCaVolume } from './store-ca';
import type { MetricsOptions } from './metrics-endpoint';
import { TracingOptions, WorkloadTracing } from './workload-tracing';

import { PodContents } from './pod-contents';
import { contentHash, volumeNameFor } from './pod-values';
import type { ManagedPods } from './pod-values';

export { contentHash, RUN_TO_COMPLETION_POD } from './pod-values';
export type { ManagedPods } from './pod-values';
import {
  checkConfig,
  checkConnectArgs,
  checkImageUser,
  checkSecurityExceptionNamespace,
  ConfigSource,
  declarePodCheckExceptions,
} from './workload-checks';
import { describeValue } from '../core/describe-value';

export type { ConfigSource } from './workload-checks';
export type { ConnectOptions, StoreConnection } from './connectable';

/**
 * The pod model shared by every workload (services, workers, jobs, data stores).
 *
 * Why not cdk8s-plus-27's Deployment: its security context cannot express
 * `seccompProfile` or `capabilities.drop`, both required by Pod Security `restricted`;
 * it selects pods by a hashed `cdk8s.io/metadata.addr` label and names network policies
 * by hash. We render the pod spec ourselves with the `k8s` L1 types' field names and
 * select pods by the recommended `app.kubernetes.io/{name,instance}` labels.
 */
export interface WorkloadProps extends ContainerProps {
  /** Ports the main container listens on. @default - none */
  readonly ports?: readonly PortSpec[];
  /** Non-secret configuration, as a ConfigMap this workload owns and reads with `envFrom`; a change rolls the pods. @default - none */
  readonly config?: Readonly<Record<string, string>>;
  /** Names of Secrets holding registry credentials. @default - none */
  readonly imagePullSecrets?: readonly string[];
  /**
   * For an image built for another user than `runAs` (e.g. one that runs as root from
   * `/root`): what it expects and what it must do to run as the chart's user, rendered
   * into the system's README. @default - none: the image runs as `runAs` unchanged
   */
  readonly imageUser?: ImageUserNote;
}

/** What an image built for another user needs to run as the chart's user (see `WorkloadProps.imageUser`). */
export interface ImageUserNote {
  /** What the image does as built, e.g. `runs as root with its binary and .env in WORKDIR /root`. */
  readonly expects: string;
  /** What it must do to run as `runAs`, e.g. `put the binary in /app, readable by uid 10001`. */
  readonly mustDo: string;
}

export abstract class Workload extends Construct implements INetworkPeer, IBudgeted {
  /** Object name of the workload, its ServiceAccount and (for services) its Service. */
  public readonly name: string;
  public readonly chart: SystemChart;
  /** The main container; connections add environment variables and mounts to it. */
  public readonly container: ContainerModel;
  /** Init containers, sidecars, volumes and annotations of the pod (its collections, closed). */
  private readonly pod: PodContents;
  /** Labels that select this workload's pods, and only them. */
  public readonly selectorLabels: Record<string, string>;
  /** True when an operator makes the pods (ManagedPods). */
  private readonly managedPods: boolean;
  /** Allowed network flows to and from this workload's pods. */
  public readonly connections: Connections;
  /** The role of the workload (`web-service`, `worker`, `migration`, `database`, `backup`, ...), its component label. */
  public readonly role: string;
  private readonly connected: StoreConnection[] = [];
  private readonly metrics: MetricsOptions[] = [];
  /** Bad input given to the verbs (connect, exposeMetrics), reported by the check: [field, message]. */
  private readonly verbProblems: Array<[string, string]> = [];
  public readonly namespaceName: string;
  /**
   * PriorityClass of the pods (created by the platform layer, `dist/<env>/platform/`).
   * @default - chosen by the synth pipeline from what the workload is: `stacks-data` for data stores,
   * `stacks-batch` for scheduled tasks, `stacks-app` for the rest
   */
  public priorityClassName?: string;
  private readonly configMapName?: string;
  private readonly configSources: ConfigSource[] = [];
  private readonly duplicateEnv: string[] = [];
  /** The CA volumes of the TLS stores connected to (one per store). */
  private readonly storeCaVolumes = new Set<string>();
  /** The Deployment, StatefulSet, Job or CronJob. */
  protected mainObject?: ApiObject;
  private apiAccess?: ApiAccess;
  /** What the image must do to run as the chart's user, when it was built for another (README). */
  public readonly imageUser?: ImageUserNote;

  /** Methods that may be called once and were called again: reported by the check, not thrown. */
  protected readonly repeatedCalls: string[] = [];

  protected constructor(
    scope: Construct,
    id: string,
    protected readonly props: WorkloadProps,
    role: string,
    managed?: ManagedPods,
  ) {
    super(scope, freeId(scope, id));
    checkUniqueId(this, id);
    this.chart = SystemChart.of(this);
    this.name = id;
    this.role = role;
    const env = this.chart.environment;
    this.namespaceName = this.chart.namespaceName;
    this.managedPods = managed !== undefined;
    this.selectorLabels = managed
      ? { ...managed.selectorLabels }
      : { 'app.kubernetes.io/name': this.name, 'app.kubernetes.io/instance': this.chart.namespaceName };
    this.connections = new Connections(this);
    const policy = workloadNetworkPolicy(this, this.name, this.connections);
    // Pods an operator makes from a custom resource are in no manifest: the linters cannot find them.
    addFinalizer(this, () => {
      const reason = this.operatorPodsReason;
      if (reason) declareCheckExceptions(policy, { selectsOperatorPods: reason });
    });
    markComponent(this, { name: this.name, component: role, version: imageVersion(props.image) });

    this.imageUser = props.imageUser;
    this.container = new ContainerModel(this.name, props, props.resources ?? env.defaultResources, props.ports);
    this.pod = new PodContents(this.container);
    this.addWritableVolume('tmp', '/tmp');
    arrayOrEmpty(props.writablePaths).forEach((path) => this.addWritableVolume(volumeNameFor(path), path));

    // An operator's pods run under the ServiceAccount the operator makes for them.
    if (!managed) {
      new k8s.KubeServiceAccount(this, 'service-account', {
        metadata: { name: this.name },
        // A token only for workloads that declared what they do with the API (allowApiAccess).
        automountServiceAccountToken: Lazy.any({ produce: () => this.apiAccess !== undefined }),
      });
    }

    if (props.config && Object.keys(props.config).length > 0) {
      this.configMapName = `${this.name}-config`;
      const data = sortedByKey(props.config);
      new k8s.KubeConfigMap(this, 'config', { metadata: { name: this.configMapName }, data });
      this.container.addEnvFrom({ kind: 'configMap', name: this.configMapName });
      this.pod.annotate('checksum/config', contentHash(data));
    }

    addCheck(this, (report) => this.validateWorkload(report));
    addFinalizer(this, () => this.declareCheckExceptions());
  }

  /**
   * The ServiceAccount its pods run as (the workload's name), their identity in the service
   * mesh; undefined for an operator's pods, which run under one the operator makes.
   */
  public get serviceAccountName(): string | undefined {
    return this.managedPods ? undefined : this.name;
  }

  /**
   * Why the workload's pods are made by an operator from a custom resource rather than
   * rendered here (its NetworkPolicy and metrics Service select pods no manifest holds);
   * undefined for pods of the workload's own StatefulSet, Deployment or Job.
   */
  public get operatorPodsReason(): string | undefined {
    return this.managedPods ? 'selects the pods the database operator creates from its custom resource, never in the manifests' : undefined;
  }

  /**
   * Declares on its object why generic best-practice checks do not apply to this workload,
   * with the reasons (the pipeline turns them into the linters' waivers; the lint report lists them).
   */
  protected declareCheckExceptions(): void {
    if (this.mainObject) declarePodCheckExceptions(this.mainObject, [this.container, ...this.pod.initContainers, ...this.pod.sidecars]);
  }

  /** Init containers, in order (a copy; add with `addInitContainer`). */
  public get initContainers(): readonly ContainerModel[] {
    return this.pod.initContainers;
  }

  /** Containers running beside the main one, e.g. metrics exporters (a copy; add with `addSidecar`). */
  public get sidecars(): readonly ContainerModel[] {
    return this.pod.sidecars;
  }

  /** The stores this workload connected to (`connect()`), with the scheme and port it uses (a copy). */
  public get storeConnections(): readonly StoreConnection[] {
    return [...this.connected];
  }

  /** Metrics Prometheus scrapes from this workload's pods (`exposeMetrics()`, exporter sidecars; a copy). */
  public get metricsEndpoints(): readonly MetricsOptions[] {
    return this.metrics.map((m) => ({ ...m }));
  }

  /** Sets a pod annotation, e.g. a checksum of configuration that rolls the pods when it changes. */
  protected annotatePods(key: string, value: string): void {
    this.pod.annotate(key, value);
  }

  /** The ports of the main container. */
  public get ports(): readonly PortSpec[] {
    return this.container.ports;
  }

  /** A port by name, or the first one. */
  public port(name?: string): PortSpec | undefined {
    return name === undefined ? this.ports[0] : this.ports.find((p) => p.name === name);
  }

  /** Adds an emptyDir volume mounted read-write at `path` in the main container. */
  public addWritableVolume(volumeName: string, path: string, emptyDir: Json = { sizeLimit: DEFAULT_SCRATCH_SIZE }): void {
    this.pod.addVolume({ name: volumeName, emptyDir });
    this.container.mount(path, volumeName);
  }

  /** The main container's mounts of writable scratch volumes (emptyDir), e.g. `/tmp` and `writablePaths`. */
  public writableMounts(): VolumeMount[] {
    return this.container.mounts.filter((m) => this.pod.volume(m.name)?.emptyDir !== undefined).map((m) => ({ ...m }));
  }

  /**
   * Reads a shared ConfigMap's variables with envFrom and rolls the pods when it changes
   * (called by `AppConfig.useIn`). A variable also set elsewhere is a synth error.
   */
  public addConfigSource(source: ConfigSource): void {
    this.configSources.push(source);
    if (source.envKeys.length > 0) this.container.addEnvFrom({ kind: 'configMap', name: source.configMapName });
    this.pod.annotate(`checksum/config-${source.configMapName}`.slice(0, 63), source.checksum);
  }

  /** Adds a volume to the pod (mounts are added to containers separately). */
  public addVolume(volume: Json): void {
    this.pod.addVolume(volume);
  }

  /**
   * Connects this workload to a data store: injects the connection settings with the
   * application's naming convention (secrets through secretKeyRef only), allows exactly
   * this workload to reach exactly that store on its port (NetworkPolicy both ways) and,
   * by default, waits in an init container until the store accepts connections.
   */
  public connect(store: IConnectable, options: ConnectOptions): void {
    const problem = checkConnectArgs(store, options);
    if (problem) {
      this.verbProblems.push(['connect()', problem]);
      return;
    }
    const readOnly = options.readOnly === true ? store.readOnlyConnectionInfo?.() : undefined;
    if (options.readOnly === true && readOnly === undefined) {
      addCheck(this, (report) =>
        report.error(
          'workload.connect.read-only',
          'connect().readOnly',
          `${store.node.path} has no read-only endpoint (PostgreSQL on CloudNativePG with 2 or more instances has one)`,
        ),
      );
    }
    const info = readOnly ?? store.connectionInfo();
    const entries = [...options.env(info), ...Object.entries(info.tls?.env ?? {})];
    for (const [name, value] of entries) {
      if (this.container.env.has(name)) this.duplicateEnv.push(`${name} (connecting ${store.node.path})`);
      this.container.addEnv(name, value);
    }
    if (info.tls) mountStoreCa(this, this.storeCaVolumes, store.node.path, storeCaVolume(store.node.id, info.tls), info.tls, entries);
    this.connections.allowTo(clientPeerOf(store), { port: info.port });
    this.connected.push({ store, scheme: info.scheme, port: info.port });
    if (options.waitUntilReady ?? true) {
      const check = store.readinessCheck;
      const wait = new ContainerModel(
        `wait-for-${store.node.id}`,
        {
          image: check.image,
          command: ['sh', '-c', `until ${check.command}; do echo 'waiting for ${store.node.id}'; sleep 2; done`],
          runAs: this.container.props.runAs,
        },
        SIDECAR_RESOURCES,
      );
      wait.addEnv('STORE_HOST', info.host);
      wait.addEnv('STORE_PORT', String(info.port));
      if (info.user !== undefined) wait.addEnv('STORE_USER', info.user);
      if (info.password) wait.addEnv('STORE_PASSWORD', info.password);
      this.addInitContainer(wait);
    }
  }

  /**
   * Gives this workload's pods a ServiceAccount token and a Role with exactly these
   * permissions in its namespace (named objects, no wildcards), and lets them reach the
   * API server on 443/6443. Workloads that never call this get no token at all.
   * @param apiServerCidr where the API server is reached from pods @default '0.0.0.0/0' (any address, on 443 and 6443 only)
   */
  public allowApiAccess(permissions: readonly ApiPermission[], apiServerCidr = '0.0.0.0/0'): void {
    if (this.apiAccess) {
      this.repeatedCalls.push('allowApiAccess');
      return;
    }
    this.apiAccess = new ApiAccess(this, 'api-access', this.name, permissions);
    this.connections.allowToCidr(apiServerCidr, [{ port: 443 }, { port: 6443 }]);
  }

  /**
   * Sends the workload's traces to the environment's OpenTelemetry Collector: sets the
   * standard `OTEL_*` variables (service name = the workload, resource attributes = system
   * and environment) on the main container and lets exactly its pods reach the collector.
   * See WorkloadTracing.
   * @example api.tracing({ protocol: 'grpc' })
   */
  public tracing(options?: TracingOptions): WorkloadTracing {
    const existing = this.node.tryFindChild('tracing');
    if (existing instanceof WorkloadTracing) {
      this.repeatedCalls.push('tracing');
      return existing;
    }
    return new WorkloadTracing(this, 'tracing', options);
  }

  /** Adds a container that runs beside the main one for the pod's whole life. */
  public addSidecar(container: ContainerModel): void {
    this.pod.addSidecar(container);
    // The data-store convention: an exporter sidecar serves its metrics on a port named `metrics`.
    if (container instanceof ContainerModel && container.ports.some((p) => p.name === 'metrics')) this.exposeMetrics({ port: 'metrics' });
  }

  /**
   * Declares that the pods serve Prometheus metrics on a named port (the main container's
   * or a sidecar's): a ServiceMonitor scrapes them, Prometheus may reach that port, and
   * SystemAlerts / SystemDashboard cover them. A port that does not exist is a synth error.
   * @example api.exposeMetrics({ port: 'http', path: '/metrics', interval: Duration.seconds(30) })
   */
  public exposeMetrics(options: MetricsOptions): void {
    // One Service + ServiceMonitor per workload is made from every declaration by a synth pass (lib/pipeline/metrics-monitors.ts).
    const o = options as Partial<MetricsOptions> | undefined;
    if (typeof o !== 'object' || o === null || typeof o.port !== 'string' || o.port === '') {
      this.verbProblems.push(['exposeMetrics()', `exposeMetrics() needs { port: '<port name>' } (got ${describeValue(options)})`]);
      return;
    }
    this.metrics.push({ ...options });
  }

  /** Adds an init container that runs before the main container starts. */
  public addInitContainer(container: ContainerModel): void {
    this.pod.addInitContainer(container);
  }

  protected validateWorkload(report: ValidationReport): void {
    const env = this.chart.environment;
    const reason = checkDnsLabel(this.name, 52);
    if (reason) report.error('workload.id', 'id', `'${this.name}' ${reason} (it becomes the object name)`);
    if (env.requireExplicitResources && !this.props.resources) {
      report.error('workload.resources', 'resources', `required in ${env.name}: set requests and limits for cpu and memory`);
    }
    this.apiAccess?.validate(report);
    for (const method of this.repeatedCalls)
      report.error(
        'workload.value.was-called',
        `${method}()`,
        'was called more than once; call it once with everything it needs (later calls are ignored)',
      );
    for (const name of this.duplicateEnv)
      report.error('workload.env', `env.${name.split(' ')[0]}`, `is set twice: ${name} overrides an earlier value`);
    this.pod.validate(report);
    for (const [field, problem] of this.verbProblems) report.error('workload.value.invalid', field, problem);
    this.container.validate(report, env.requirePinnedImages);
    this.pod.initContainers.forEach((c, i) => c.validate(report, env.requirePinnedImages, `initContainers[${i}].`));
    this.pod.sidecars.forEach((c, i) => c.validate(report, env.requirePinnedImages, `sidecars[${i}].`));
    const registry = env.platform.registry.host;
    this.container.validateRegistry(report, env.name, registry);
    this.pod.initContainers.forEach((c, i) => c.validateRegistry(report, env.name, registry, `initContainers[${i}].`));
    this.pod.sidecars.forEach((c, i) => c.validateRegistry(report, env.name, registry, `sidecars[${i}].`));
    checkPodModel(report, {
      main: this.container,
      initContainers: this.pod.initContainers,
      sidecars: this.pod.sidecars,
      writablePaths: this.props.writablePaths,
      volumeClashes: this.pod.volumeClashes,
    });
    checkConfig(report, this.container, this.props, this.configSources);
    checkSecurityExceptionNamespace(report, this.container, this.chart, this.namespaceName);
    checkImageUser(report, this.props.imageUser);
  }

  /** Pod-level extras each kind adds (spread, anti-affinity, grace period). */
  protected podExtras(): Json {
    return {};
  }

  /** Extra container fields of the main container (e.g. lifecycle hooks). */
  protected containerExtras(): Json {
    return {};
  }

  /** The pod template, rendered at synth time so later additions (connections) are included. */
  protected podTemplate(): Json {
    const c = this.container;
    const fsGroup = this.props.runAs?.fsGroup ?? c.group;
    const annotations = this.pod.annotations;
    return {
      metadata: { labels: { ...this.selectorLabels }, annotations },
      spec: {
        serviceAccountName: this.name,
        priorityClassName: this.priorityClassName,
        automountServiceAccountToken: this.apiAccess !== undefined,
        enableServiceLinks: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: c.user,
          runAsGroup: c.group,
          fsGroup,
          fsGroupChangePolicy: 'OnRootMismatch',
          seccompProfile: { type: 'RuntimeDefault' },
        },
        imagePullSecrets: this.props.imagePullSecrets?.map((name) => ({ name })),
        initContainers: this.pod.initContainers.length ? this.pod.initContainers.map((i) => i.render()) : undefined,
        containers: [{ ...c.render(), ...this.containerExtras() }, ...this.pod.sidecars.map((sidecar) => sidecar.render())],
        volumes: [...this.pod.volumes],
        ...this.podExtras(),
      },
    };
  }

  /** Pods of this workload that can exist at once at maximum scale. @default 1 */
  protected maxPods(): number {
    return 1;
  }

  /** Persistent storage each pod claims: [bytes, claims]. @default none */
  protected storagePerPod(): [number, number] {
    return [0, 0];
  }

  /** Effective per-pod requests and limits (as the scheduler and quota compute them) and the pod count at maximum scale. */
  public podBudget(): PodBudget {
    return this.pod.budget(this.maxPods(), this.storagePerPod());
  }

  /**
   * Waives a policy rule for this workload's main object, with the reason (printed by
   * every synth). E.g. a Secret created outside Git: `waive('references-resolve', 'created by the DBA team')`.
   */
  public waive(ruleId: string, reason: string): void {
    if (!this.mainObject) throw new Error(`${this.node.path}: no object to waive a rule on`);
    waive(this.mainObject, ruleId, reason);
  }

  /**
   * A Job Argo CD runs as a Sync hook on every sync, replacing the previous run
   * (BeforeHookCreation). `jobName` carries a hash of what the Job does, so a changed Job
   * is a new object (a Job's pod template is immutable).
   */
  protected syncHookJob(
    jobName: string,
    limits: { readonly backoffLimit: number; readonly activeDeadlineSeconds: number; readonly ttlSecondsAfterFinished: number },
  ): ApiObject {
    return this.lazyObject('job', 'batch/v1', 'Job', () => ({ ...limits, template: this.podTemplate() }), {
      name: jobName,
      annotations: {
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      },
    });
  }

  /** Creates the object with a spec produced at synth time. */
  protected lazyObject(id: string, apiVersion: string, kind: string, spec: () => Json, metadata: Json = {}): ApiObject {
    const object = new ApiObject(this, id, {
      apiVersion,
      kind,
      metadata: { name: this.name, ...metadata },
      spec: Lazy.any({ produce: spec }),
    });
    this.mainObject = object;
    return object;
  }
}
