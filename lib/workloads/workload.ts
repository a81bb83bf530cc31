import { createHash } from 'crypto';
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
import { isSecretKeyValue } from './env';
import { imageVersion, isPinned, parseImage } from './image';
import {
  ContainerModel,
  ContainerProps,
  DEFAULT_EPHEMERAL_STORAGE,
  DEFAULT_SCRATCH_SIZE,
  PortSpec,
  SIDECAR_RESOURCES,
  VolumeMount,
} from './container';
import { checkPodModel } from './pod-spec-check';
import { describeSecurityException, requiredPodSecurityLevel, restrictedViolations, SecurityException } from './security-exception';
import { SystemNamespace } from '../security/system-namespace';
import { IBudgeted, PodBudget, ResourceTotals } from '../scaling/namespace-budget';
import { parseQuantity } from '../core/quantity';
import { arrayOrEmpty } from '../core/prop-check';
import type { EnvConvention, IConnectable } from './connectable';
import type { MetricsOptions } from './metrics-endpoint';

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

export interface ConnectOptions {
  /** Which variables the application reads, e.g. `ConnectionEnv.discrete({ host: 'DB_HOST', ... })`. */
  readonly env: EnvConvention;
  /** Wait in an init container until the store accepts connections. @default true */
  readonly waitUntilReady?: boolean;
  /**
   * Connect through the store's read-only endpoint (PostgreSQL on CloudNativePG: `<name>-ro`,
   * the standbys); a store without one is a synth error. @default false (the read-write endpoint)
   */
  readonly readOnly?: boolean;
}

export abstract class Workload extends Construct implements INetworkPeer, IBudgeted {
  /** Object name of the workload, its ServiceAccount and (for services) its Service. */
  public readonly name: string;
  public readonly chart: SystemChart;
  /** The main container; connections add environment variables and mounts to it. */
  public readonly container: ContainerModel;
  public readonly initContainers: ContainerModel[] = [];
  /** Containers running beside the main one (e.g. metrics exporters). */
  public readonly sidecars: ContainerModel[] = [];
  /** Labels that select this workload's pods, and only them. */
  public readonly selectorLabels: Record<string, string>;
  /** True when an operator makes the pods (ManagedPods). */
  private readonly managedPods: boolean;
  /** Allowed network flows to and from this workload's pods. */
  public readonly connections: Connections;
  /** The role of the workload (`web-service`, `worker`, `migration`, `database`, `backup`, ...), its component label. */
  public readonly role: string;
  /** The stores this workload connected to (`connect()`), with the scheme and port it uses. */
  public readonly storeConnections: StoreConnection[] = [];
  /** Metrics Prometheus scrapes from this workload's pods (`exposeMetrics()`, exporter sidecars). */
  public readonly metricsEndpoints: MetricsOptions[] = [];
  public readonly namespaceName: string;
  /**
   * PriorityClass of the pods (created by the platform layer, `dist/<env>/platform/`).
   * @default - chosen by the synth pipeline from what the workload is: `stacks-data` for data stores,
   * `stacks-batch` for scheduled tasks, `stacks-app` for the rest
   */
  public priorityClassName?: string;
  protected readonly volumes = new Map<string, Json>();
  /** Volumes added under a name a different volume already had (reported by the pod check). */
  private readonly volumeClashes: Array<readonly [string, Json, Json]> = [];
  protected readonly podAnnotations: Record<string, string> = {};
  private readonly configMapName?: string;
  private readonly configSources: ConfigSource[] = [];
  private readonly duplicateEnv: string[] = [];
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
      this.container.envFrom.push({ kind: 'configMap', name: this.configMapName });
      this.podAnnotations['checksum/config'] = contentHash(data);
    }

    addCheck(this, (report) => this.validateWorkload(report));
    addFinalizer(this, () => this.declareCheckExceptions());
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
    const object = this.mainObject;
    if (!object) return;
    const containers = [this.container, ...this.initContainers, ...this.sidecars];
    const lowUid = containers.find((c) => c.user < 10000);
    const pinned =
      'images are pinned to immutable version tags or digests, so IfNotPresent pulls each version once ' +
      'and pods still start when the registry is unreachable';
    const readsSecretsFromEnv = containers.some(
      (c) => c.envFrom.some((e) => e.kind === 'secret') || [...c.env.values()].some((v) => typeof v === 'object' && isSecretKeyValue(v)),
    );
    const exception = this.container.securityException;
    if (exception && (exception.writableRootFilesystem === true || requiredPodSecurityLevel(exception) === 'baseline'))
      waive(object, 'pod-security-restricted', `security exception (${describeSecurityException(exception)}): ${exception.reason}`);
    const handMade = [
      ...new Set(
        containers.flatMap((c) => [
          ...c.envFrom.map((e) => e.source?.createdOutsideGit),
          ...[...c.env.values()].map((v) => (typeof v === 'object' && isSecretKeyValue(v) ? v.secret?.createdOutsideGit : undefined)),
        ]),
      ),
    ].filter((r): r is string => typeof r === 'string');
    if (handMade.length) waive(object, 'references-resolve', handMade.join('; '));
    declareCheckExceptions(object, {
      defaultPullPolicy: containers.every((c) => isPinned(c.props.image)) ? pinned : undefined,
      tagPinnedImages: containers.some((c) => isPinned(c.props.image) && !parseImage(c.props.image).digest)
        ? 'images are pinned by explicit version tag (enforced at synth); digests are not known when the manifests are generated'
        : undefined,
      settingsFromEnvironment: readsSecretsFromEnv
        ? 'the application reads its settings from environment variables; secret values come from secretKeyRef and never appear in the manifest'
        : undefined,
      imageUid: lowUid ? `uid ${lowUid.user} is the user the image is built for and that owns its files; another uid breaks the image` : undefined,
      ...(exception && !lintSafe(exception.reason) ? {} : securityCheckExceptions(exception)),
    });
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
    this.setVolume({ name: volumeName, emptyDir });
    this.container.mounts.push({ name: volumeName, mountPath: path });
  }

  /** The main container's mounts of writable scratch volumes (emptyDir), e.g. `/tmp` and `writablePaths`. */
  public writableMounts(): VolumeMount[] {
    return this.container.mounts.filter((m) => (this.volumes.get(m.name) as Json | undefined)?.emptyDir !== undefined).map((m) => ({ ...m }));
  }

  /**
   * Reads a shared ConfigMap's variables with envFrom and rolls the pods when it changes
   * (called by `AppConfig.useIn`). A variable also set elsewhere is a synth error.
   */
  public addConfigSource(source: ConfigSource): void {
    this.configSources.push(source);
    if (source.envKeys.length > 0) this.container.envFrom.push({ kind: 'configMap', name: source.configMapName });
    this.podAnnotations[`checksum/config-${source.configMapName}`.slice(0, 63)] = source.checksum;
  }

  /** Adds a volume to the pod (mounts are added to containers separately). */
  public addVolume(volume: Json): void {
    this.setVolume(volume);
  }

  private setVolume(volume: Json): void {
    const kept = this.volumes.get(volume?.name);
    if (kept !== undefined && JSON.stringify(kept) !== JSON.stringify(volume)) this.volumeClashes.push([volume.name, kept, volume]);
    else this.volumes.set(volume?.name, volume);
  }

  /**
   * Connects this workload to a data store: injects the connection settings with the
   * application's naming convention (secrets through secretKeyRef only), allows exactly
   * this workload to reach exactly that store on its port (NetworkPolicy both ways) and,
   * by default, waits in an init container until the store accepts connections.
   */
  public connect(store: IConnectable, options: ConnectOptions): void {
    const readOnly = options.readOnly === true ? store.readOnlyConnectionInfo?.() : undefined;
    if (options.readOnly === true && readOnly === undefined) {
      addCheck(this, (report) =>
        report.error(
          'connect().readOnly',
          `${store.node.path} has no read-only endpoint (PostgreSQL on CloudNativePG with 2 or more instances has one)`,
        ),
      );
    }
    const info = readOnly ?? store.connectionInfo();
    for (const [name, value] of options.env(info)) {
      if (this.container.env.has(name)) this.duplicateEnv.push(`${name} (connecting ${store.node.path})`);
      this.container.env.set(name, value);
    }
    this.connections.allowTo(store, { port: info.port });
    this.storeConnections.push({ store, scheme: info.scheme, port: info.port });
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
      wait.env.set('STORE_HOST', info.host);
      wait.env.set('STORE_PORT', String(info.port));
      if (info.user !== undefined) wait.env.set('STORE_USER', info.user);
      if (info.password) wait.env.set('STORE_PASSWORD', info.password);
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

  /** Adds a container that runs beside the main one for the pod's whole life. */
  public addSidecar(container: ContainerModel): void {
    if (!container.mounts.some((m) => m.mountPath === '/tmp')) container.mounts.push({ name: 'tmp', mountPath: '/tmp' });
    this.sidecars.push(container);
    // The data-store convention: an exporter sidecar serves its metrics on a port named `metrics`.
    if (container.ports.some((p) => p.name === 'metrics')) this.exposeMetrics({ port: 'metrics' });
  }

  /**
   * Declares that the pods serve Prometheus metrics on a named port (the main container's
   * or a sidecar's): a ServiceMonitor scrapes them, Prometheus may reach that port, and
   * SystemAlerts / SystemDashboard cover them. A port that does not exist is a synth error.
   * @example api.exposeMetrics({ port: 'http', path: '/metrics', interval: Duration.seconds(30) })
   */
  public exposeMetrics(options: MetricsOptions): void {
    // One Service + ServiceMonitor per workload is made from every declaration by a synth pass (lib/pipeline/metrics-monitors.ts).
    this.metricsEndpoints.push({ ...options });
  }

  /** Adds an init container that runs before the main container starts. */
  public addInitContainer(container: ContainerModel): void {
    if (!container.mounts.some((m) => m.mountPath === '/tmp')) container.mounts.push({ name: 'tmp', mountPath: '/tmp' });
    this.initContainers.push(container);
  }

  protected validateWorkload(report: ValidationReport): void {
    const env = this.chart.environment;
    const reason = checkDnsLabel(this.name, 52);
    if (reason) report.error('id', `'${this.name}' ${reason} (it becomes the object name)`);
    if (env.requireExplicitResources && !this.props.resources) {
      report.error('resources', `required in ${env.name}: set requests and limits for cpu and memory`);
    }
    this.apiAccess?.validate(report);
    for (const method of this.repeatedCalls)
      report.error(`${method}()`, 'was called more than once; call it once with everything it needs (later calls are ignored)');
    for (const name of this.duplicateEnv) report.error(`env.${name.split(' ')[0]}`, `is set twice: ${name} overrides an earlier value`);
    this.container.validate(report, env.requirePinnedImages);
    this.initContainers.forEach((c, i) => c.validate(report, env.requirePinnedImages, `initContainers[${i}].`));
    this.sidecars.forEach((c, i) => c.validate(report, env.requirePinnedImages, `sidecars[${i}].`));
    const registry = env.platform.registry.host;
    this.container.validateRegistry(report, env.name, registry);
    this.initContainers.forEach((c, i) => c.validateRegistry(report, env.name, registry, `initContainers[${i}].`));
    this.sidecars.forEach((c, i) => c.validateRegistry(report, env.name, registry, `sidecars[${i}].`));
    checkPodModel(report, {
      main: this.container,
      initContainers: this.initContainers,
      sidecars: this.sidecars,
      writablePaths: this.props.writablePaths,
      volumeClashes: this.volumeClashes,
    });
    this.validateConfig(report);
    this.validateSecurityException(report);
    const note: unknown = this.props.imageUser;
    if (note !== undefined) {
      const n = (typeof note === 'object' && note !== null ? note : {}) as Record<string, unknown>;
      for (const key of ['expects', 'mustDo'])
        if (typeof n[key] !== 'string' || (n[key] as string).trim() === '')
          report.error(
            `imageUser.${key}`,
            `is required: a sentence for the README (${key === 'expects' ? 'what the image does as built' : 'what it must do to run as runAs'})`,
          );
    }
  }

  /** An exception `restricted` does not admit needs the namespace lowered by the same decision, and only then. */
  private validateSecurityException(report: ValidationReport): void {
    const exception = this.container.securityException;
    if (!exception) return;
    const required = requiredPodSecurityLevel(exception);
    const namespace = SystemNamespace.of(this.chart);
    const level = namespace?.podSecurity ?? 'restricted';
    if (exception.lowerNamespaceTo === 'baseline' && required === 'restricted') {
      report.error(
        'securityException.lowerNamespaceTo',
        `is not needed: Pod Security restricted admits ${describeSecurityException(exception)}; remove lowerNamespaceTo so namespace '${this.namespaceName}' stays restricted`,
      );
    } else if (required === 'baseline' && level === 'restricted' && exception.lowerNamespaceTo === 'baseline') {
      report.error(
        'securityException.lowerNamespaceTo',
        `cannot lower namespace '${this.namespaceName}': the chart made its own SystemNamespace (${namespace?.node.path}) enforcing restricted; ` +
          "give it podSecurity: 'baseline' with podSecurityReason, or remove it so the synth pass makes the namespace",
      );
    } else if (required === 'baseline' && level === 'restricted') {
      report.error(
        'securityException',
        `needs Pod Security baseline for ${restrictedViolations(exception).join(' and ')}, but namespace '${this.namespaceName}' enforces restricted, ` +
          "which refuses the pods: set lowerNamespaceTo: 'baseline' in this exception (the namespace's enforce, audit and warn labels are " +
          'lowered, with this reason in the README), or remove what restricted does not admit',
      );
    }
  }

  /** The ConfigMap is read with envFrom: keys are variable names, values strings, and nothing else may set the same variable. */
  private validateConfig(report: ValidationReport): void {
    this.validateConfigSources(report);
    const config: unknown = this.props.config;
    if (config === undefined) return;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      report.error(
        'config',
        `must be an object of variable name to string value (is ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config})`,
      );
      return;
    }
    const secretKeys = new Map<string, string>();
    for (const from of this.container.envFrom) {
      for (const key of from.source?.keys ?? []) secretKeys.set(key, from.source?.describe ?? from.name);
    }
    for (const [key, value] of Object.entries(config)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        report.error(`config.${key}`, `'${key}' is read as an environment variable and must be a valid name (letters, digits and '_')`);
      if (typeof value !== 'string') {
        report.error(
          `config.${key}`,
          `must be a string (is ${value === null ? 'null' : typeof value}); ConfigMap data holds strings only, e.g. '${String(value)}'`,
        );
      }
      // env entries (and connections) win over envFrom: the ConfigMap value would never be read.
      if (this.container.env.has(key)) {
        const by = Object.prototype.hasOwnProperty.call(this.props.env ?? {}, key) ? 'env' : 'a connection';
        report.error(`config.${key}`, `is also set by ${by}, which overrides the ConfigMap value; set '${key}' in one place`);
      }
      if (secretKeys.has(key)) report.error(`config.${key}`, `is also a key of ${secretKeys.get(key)} (envFromSecrets); set '${key}' in one place`);
    }
  }

  /**
   * A variable of a shared config set again by env, a connection, the workload's own config,
   * a secret or another shared config would be dead in one place.
   */
  private validateConfigSources(report: ValidationReport): void {
    const own = objectOrUndefinedRecord(this.props.config);
    const seen = new Map<string, string>();
    for (const from of this.container.envFrom)
      if (from.kind === 'secret') for (const key of from.source?.keys ?? []) seen.set(key, `${from.source?.describe ?? from.name} (envFromSecrets)`);
    for (const key of Object.keys(own)) seen.set(key, 'config');
    for (const source of this.configSources) {
      for (const key of source.envKeys) {
        const field = `useConfig(${source.configMapName}).${key}`;
        if (this.container.env.has(key)) {
          const by = Object.prototype.hasOwnProperty.call(this.props.env ?? {}, key) ? 'env' : 'a connection';
          report.error(field, `is set by ${source.describe} and by ${by}, which overrides the shared value; set '${key}' in one place`);
        } else if (seen.has(key)) {
          report.error(field, `is set by ${source.describe} and by ${seen.get(key)}; only one value is read, set '${key}' in one place`);
        }
        seen.set(key, source.describe);
      }
    }
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
    const annotations = Object.keys(this.podAnnotations).length ? sortedByKey(this.podAnnotations) : undefined;
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
        initContainers: this.initContainers.length ? this.initContainers.map((i) => i.render()) : undefined,
        containers: [{ ...c.render(), ...this.containerExtras() }, ...this.sidecars.map((sidecar) => sidecar.render())],
        volumes: [...this.volumes.values()],
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
    const amounts = (c: ContainerModel, kind: 'requests' | 'limits'): ResourceTotals => ({
      // Missing or malformed amounts are reported by the container's own check; count them as zero here.
      cpu: parseQuantity(c.resources?.[kind]?.cpu) ?? 0,
      memory: parseQuantity(c.resources?.[kind]?.memory) ?? 0,
      ephemeralStorage:
        parseQuantity(
          c.resources?.[kind]?.ephemeralStorage ?? (kind === 'requests' ? DEFAULT_EPHEMERAL_STORAGE.request : DEFAULT_EPHEMERAL_STORAGE.limit),
        ) ?? 0,
    });
    const effective = (kind: 'requests' | 'limits'): ResourceTotals => {
      const running = [this.container, ...this.sidecars].map((c) => amounts(c, kind));
      const init = this.initContainers.map((c) => amounts(c, kind));
      const sum = (f: keyof ResourceTotals) => running.reduce((n, a) => n + a[f], 0);
      const initMax = (f: keyof ResourceTotals) => Math.max(0, ...init.map((a) => a[f]));
      return {
        cpu: Math.max(sum('cpu'), initMax('cpu')),
        memory: Math.max(sum('memory'), initMax('memory')),
        ephemeralStorage: Math.max(sum('ephemeralStorage'), initMax('ephemeralStorage')),
      };
    };
    const all = [this.container, ...this.sidecars, ...this.initContainers].map((c) => amounts(c, 'limits'));
    const requested = [this.container, ...this.sidecars, ...this.initContainers].map((c) => amounts(c, 'requests'));
    const [storageBytes, claims] = this.storagePerPod();
    return {
      maxPods: this.maxPods(),
      requests: effective('requests'),
      limits: effective('limits'),
      largestContainer: {
        cpu: Math.max(...all.map((a) => a.cpu)),
        memory: Math.max(...all.map((a) => a.memory)),
        ephemeralStorage: Math.max(...all.map((a) => a.ephemeralStorage)),
      },
      smallestContainer: {
        cpu: Math.min(...requested.map((a) => a.cpu)),
        memory: Math.min(...requested.map((a) => a.memory)),
        ephemeralStorage: Math.min(...requested.map((a) => a.ephemeralStorage)),
      },
      storageBytes,
      claims,
    };
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

/** A ConfigMap a workload reads (`AppConfig.useIn`), as the workload sees it. */
export interface ConfigSource {
  readonly configMapName: string;
  /** The variables it sets through envFrom. */
  readonly envKeys: readonly string[];
  /** For messages, e.g. `AppConfig system/common`. */
  readonly describe: string;
  /** Hash of its data: a change rolls the pods. */
  readonly checksum: string;
}

/** The linter checks a declared security exception answers, with its reason. */
function securityCheckExceptions(exception: SecurityException | undefined): Record<string, string | undefined> {
  if (!exception) return {};
  const reason = `security exception (${describeSecurityException(exception)}): ${exception.reason}`;
  const caps = Array.isArray(exception.addCapabilities) ? exception.addCapabilities : [];
  return {
    addedCapabilities: caps.length ? reason : undefined,
    writableRootFilesystem: exception.writableRootFilesystem === true ? reason : undefined,
    startsAsRoot: exception.startAsRoot === true ? reason : undefined,
  };
}

/** A reason the linters' annotations can carry (reported by the exception's check otherwise). */
function lintSafe(reason: unknown): boolean {
  return typeof reason === 'string' && reason.trim() !== '' && !reason.includes('=');
}

/**
 * Pods an operator creates from a custom resource the workload renders (MOCO's mysqld
 * pods): the workload's NetworkPolicy, metrics Service and connections select them by
 * the operator's labels, and the workload makes no ServiceAccount of its own.
 */
export interface ManagedPods {
  /** Labels the operator puts on the pods (and only on them). */
  readonly selectorLabels: Readonly<Record<string, string>>;
}

/** A store a workload connected to, as `Workload.connect()` recorded it. */
export interface StoreConnection {
  readonly store: IConnectable;
  /** URL scheme of the connection, e.g. `postgresql`. */
  readonly scheme: string;
  readonly port: number;
}

/** Pod fields of run-to-completion pods (Jobs, CronJobs): never restarted in place, a short grace period. */
export const RUN_TO_COMPLETION_POD: Readonly<Record<string, unknown>> = { restartPolicy: 'Never', terminationGracePeriodSeconds: 30 };

/** A short, stable hash of content, for pod-template annotations that roll pods on change. */
export function contentHash(data: unknown): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
}

function objectOrUndefinedRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function volumeNameFor(path: string): string {
  const name = path
    .replace(/^\/+/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');
  return `w-${name}`.slice(0, 63).replace(/-+$/, '');
}
