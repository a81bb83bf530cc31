import { ResourceProfile } from '../core/environment';
import { arrayOrEmpty, objectOrUndefined } from '../core/prop-check';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { checkEnvValue, ENV_NAME, EnvValue, isSecretKeyValue, renderEnvVar } from './env';
import { checkImageReference, dockerHubPath, hasRegistry, isPinned } from './image';
import { Probe } from './probe';
import { BASELINE_CAPABILITIES, checkSecurityException, SecurityException } from './security-exception';
import { describeValue } from '../core/describe-value';
import { checkResources, DEFAULT_EPHEMERAL_STORAGE } from './resources-check';

export { checkResources, DEFAULT_EPHEMERAL_STORAGE } from './resources-check';

/** A port the container listens on. */
export interface PortSpec {
  /** IANA service name: at most 15 lower-case letters, digits and '-', e.g. `http`, `metrics`. */
  readonly name: string;
  /** The port the container listens on (NetworkPolicies match this port: they see pod traffic after the Service). */
  readonly port: number;
  /**
   * The port clients use on the workload's Service, e.g. 80 for a container listening on
   * 8080 (a non-root container cannot bind a port below 1024). @default - the container port
   */
  readonly servicePort?: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** The uid/gid a container runs as. Images differ: some Node images use 1001. */
export interface RunAs {
  /** @default 10001 (above 10000, so it cannot collide with a host user) */
  readonly user?: number;
  /** @default - the user id */
  readonly group?: number;
  /** Group owning mounted volumes. @default - the group id */
  readonly fsGroup?: number;
}

/** What runs in a container. Shared by services, workers, jobs and data stores. */
export interface ContainerProps {
  /** Image reference, pinned to a version tag or digest (required in staging and prod). */
  readonly image: string;
  /** Entrypoint override. @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** Arguments. @default - the image's default arguments */
  readonly args?: readonly string[];
  /** Environment variables: plain values, secret keys (`fromSecret`) or pod fields (`fromField`). @default - none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Every key of these Secrets as an environment variable (`envFrom`). @default - none */
  readonly envFromSecrets?: readonly ISecretSource[];
  /** Requests and limits. @default - the environment's default profile (prod requires them explicitly) */
  readonly resources?: ResourceProfile;
  /** User and group ids. @default - uid/gid 10001 */
  readonly runAs?: RunAs;
  /** Paths the container writes to, each backed by an emptyDir (the root filesystem is read-only). `/tmp` is always writable. @default - only /tmp */
  readonly writablePaths?: readonly string[];
  /** Liveness probe: restart when it fails. @default - none */
  readonly liveness?: Probe;
  /** Readiness probe: receive traffic only when it passes. @default - none (required for services) */
  readonly readiness?: Probe;
  /** Startup probe for slow starters. @default - a TCP probe on the first port when there is a liveness probe */
  readonly startup?: Probe;
  /**
   * A reasoned departure from the hardened container defaults (an added capability such as
   * NET_BIND_SERVICE, a writable root filesystem, a start as root that drops privileges),
   * printed by synth and listed in the README. @default - none: restricted, all capabilities dropped
   */
  readonly securityException?: SecurityException;
}

export const DEFAULT_USER = 10001;
/** Requests and limits of a small helper container: an exporter sidecar, a wait-for init container. */
export const SIDECAR_RESOURCES: ResourceProfile = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
/** Size of each writable emptyDir (the read-only root filesystem's /tmp and declared paths). */
export const DEFAULT_SCRATCH_SIZE = '256Mi';
const PROTOCOLS: readonly unknown[] = ['TCP', 'UDP'];
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

/** A source of variables read with `envFrom`: a Secret (with what it is) or a ConfigMap. */
export interface EnvFromSource {
  readonly kind: 'secret' | 'configMap';
  readonly name: string;
  /** The Secret's source, for messages and waivers. @default - a ConfigMap, or a Secret known by name only */
  readonly source?: ISecretSource;
}

/** How a volume is mounted (`ContainerModel.mount`). */
export interface MountOptions {
  /** @default false */
  readonly readOnly?: boolean;
  /** Mount one key or folder of the volume. @default - the whole volume */
  readonly subPath?: string;
}

/**
 * Everything needed to render one container. Its collections are closed: they are read as
 * copies, and connections, volumes and configuration change them through the verbs
 * (`addEnv`, `addEnvFrom`, `mount`, `addPort`), which check what they are given at run time
 * (props and callers are not trusted to respect the types) and report bad input with the
 * container's other problems.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ContainerModel {
  private readonly envVars = new Map<string, EnvValue>();
  private readonly envSources: EnvFromSource[] = [];
  private readonly volumeMounts: VolumeMount[] = [];
  private readonly portList: PortSpec[];
  /** Bad input given to the verbs, reported by `validate()`: [field, message]. */
  private readonly verbProblems: Array<[string, string]> = [];

  constructor(
    public readonly name: string,
    public readonly props: ContainerProps,
    public readonly resources: ResourceProfile,
    ports: readonly PortSpec[] = [],
  ) {
    // Wrong-typed props (from JavaScript) are reported by checkProps; construction goes on without them.
    this.portList = [...arrayOrEmpty(ports)];
    for (const [key, value] of Object.entries(objectOrUndefined(props.env) ?? {})) this.envVars.set(key, value);
    for (const source of arrayOrEmpty(props.envFromSecrets)) this.envSources.push({ kind: 'secret', name: source?.secretName, source });
  }

  /** The environment variables, in declaration order (a copy). */
  public get env(): ReadonlyMap<string, EnvValue> {
    return new Map(this.envVars);
  }

  /** The sources read with `envFrom` (a copy). */
  public get envFrom(): readonly EnvFromSource[] {
    return [...this.envSources];
  }

  /** The volume mounts (a copy). */
  public get mounts(): readonly VolumeMount[] {
    return this.volumeMounts.map((m) => ({ ...m }));
  }

  /** The ports the container listens on (a copy). */
  public get ports(): readonly PortSpec[] {
    return [...this.portList];
  }

  /**
   * Sets an environment variable (a later value replaces an earlier one; callers that must
   * not override check `env.has` first). The name is checked with the container's variables.
   */
  public addEnv(name: string, value: EnvValue): void {
    if (typeof name !== 'string' || name === '') {
      this.verbProblems.push(['env', `addEnv() needs a variable name (got ${describeValue(name)})`]);
      return;
    }
    if (value === undefined || value === null) {
      this.verbProblems.push([`env.${name}`, `addEnv() needs a value (got ${describeValue(value)})`]);
      return;
    }
    this.envVars.set(name, value);
  }

  /** Reads every key of a Secret or ConfigMap as a variable. */
  public addEnvFrom(source: EnvFromSource): void {
    const s = source as Partial<EnvFromSource> | undefined;
    if (typeof s !== 'object' || s === null || (s.kind !== 'secret' && s.kind !== 'configMap') || typeof s.name !== 'string' || s.name === '') {
      this.verbProblems.push(['envFrom', `addEnvFrom() needs { kind: 'secret' | 'configMap', name } (got ${describeValue(source)})`]);
      return;
    }
    this.envSources.push({ ...source });
  }

  /** Mounts the pod volume `volumeName` at `mountPath`. */
  public mount(mountPath: string, volumeName: string, options: MountOptions = {}): void {
    if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) {
      this.verbProblems.push([
        'volumeMounts',
        `mount() needs an absolute path (got ${describeValue(mountPath)} for volume ${describeValue(volumeName)})`,
      ]);
      return;
    }
    if (typeof volumeName !== 'string' || volumeName === '') {
      this.verbProblems.push([`volumeMounts.${mountPath}`, `mount() needs the name of a pod volume (got ${describeValue(volumeName)})`]);
      return;
    }
    const o = (typeof options === 'object' && options !== null ? options : {}) as MountOptions;
    if (o.subPath !== undefined && (typeof o.subPath !== 'string' || o.subPath.startsWith('/') || o.subPath.split('/').includes('..')))
      this.verbProblems.push([`volumeMounts.${mountPath}.subPath`, `${describeValue(o.subPath)} must be a relative path inside the volume`]);
    this.volumeMounts.push({
      name: volumeName,
      mountPath,
      ...(o.readOnly === true ? { readOnly: true } : {}),
      ...(typeof o.subPath === 'string' ? { subPath: o.subPath } : {}),
    });
  }

  /** Adds a port (checked with the declared ones: name, number, uniqueness). */
  public addPort(port: PortSpec): void {
    // A non-object would break every later lookup by name; name, number and uniqueness are checked by validate().
    if (typeof port !== 'object' || port === null || Array.isArray(port)) {
      this.verbProblems.push(['ports', `addPort() needs { name, port, protocol? } (got ${describeValue(port)})`]);
      return;
    }
    this.portList.push({ ...port });
  }

  public get user(): number {
    return this.props.runAs?.user ?? DEFAULT_USER;
  }

  public get group(): number {
    return this.props.runAs?.group ?? this.user;
  }

  /** Checks that only depend on the container's own props. */
  public validate(report: ValidationReport, requirePinnedImage: boolean, prefix = ''): void {
    const p = this.props;
    for (const [field, message] of this.verbProblems) report.error('container.value.invalid', `${prefix}${field}`, message);
    const imageProblem = checkImageReference(p.image);
    if (imageProblem) report.error('container.image.invalid', `${prefix}image`, `'${p.image}' ${imageProblem}`);
    else if (requirePinnedImage && !isPinned(p.image)) {
      report.error(
        'container.image.pinned-use',
        `${prefix}image`,
        `'${p.image}' is not pinned; use an explicit version tag (not 'latest') or a sha256 digest`,
      );
    }
    checkResources(report, this.resources, `${prefix}resources`);
    checkSecurityException(report, p.securityException, `${prefix}securityException`);
    for (const [key, value] of ['user', 'group', 'fsGroup'].map((k) => [k, p.runAs?.[k as keyof RunAs]] as const)) {
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 0)
        report.error('container.run-as.non-negative', `${prefix}runAs.${key}`, `${value} must be a non-negative integer`);
      else if (value === 0 && key !== 'fsGroup')
        report.error(
          'container.run-as.root-allowed',
          `${prefix}runAs.${key}`,
          '0 (root) is not allowed; pods run as non-root under Pod Security restricted. For an image that must start as root and drop ' +
            "privileges itself, keep runAs the user it drops to and declare securityException: { startAsRoot: true, addCapabilities: ['SETUID', 'SETGID'], reason }",
        );
    }
    for (const [name, value] of this.envVars) {
      if (!ENV_NAME.test(name))
        report.error(
          'container.env.valid-environment',
          `${prefix}env.${name}`,
          `'${name}' is not a valid environment variable name (letters, digits and '_', not starting with a digit)`,
        );
      const problem = checkEnvValue(value);
      if (problem) report.error('container.env.invalid', `${prefix}env.${name}`, problem);
    }
    const defined = new Set<string>();
    for (const [name, value] of this.envVars) {
      if (typeof value === 'string') {
        for (const ref of value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!defined.has(ref[1]))
            report.error(
              'container.env.refers-defined',
              `${prefix}env.${name}`,
              `refers to $(${ref[1]}), which must be defined before it (Kubernetes expands only earlier variables)`,
            );
        }
      }
      defined.add(name);
      if (typeof value === 'object' && isSecretKeyValue(value) && value.secret.keys && !value.secret.keys.includes(value.key)) {
        report.error(
          'container.env.key-produced',
          `${prefix}env.${name}`,
          `key '${value.key}' is not produced by ${value.secret.describe} (it has: ${value.secret.keys.join(', ')})`,
        );
      }
    }
    for (const path of p.writablePaths ?? []) {
      if (!path.startsWith('/') || path === '/')
        report.error('container.writable-paths', `${prefix}writablePaths`, `'${path}' must be an absolute path other than /`);
    }
    const names = new Set<string>();
    const numbers = new Set<number>();
    this.portList.forEach((port, i) => {
      const field = `${prefix}ports[${i}]`;
      if (typeof port !== 'object' || port === null) {
        report.error(
          'container.value.object-name',
          field,
          `must be an object { name, port, protocol? } (is ${port === null ? 'null' : typeof port})`,
        );
        return;
      }
      if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
        report.error('container.protocol', `${field}.protocol`, `'${port.protocol}' must be one of ${PROTOCOLS.join(', ')} (upper case)`);
      }
      if (typeof port.name !== 'string' || !PORT_NAME.test(port.name) || port.name.length > 15)
        report.error(
          'container.name.iana-service',
          `${field}.name`,
          `'${port.name}' must be an IANA service name: at most 15 lower-case letters, digits and '-', with at least one letter`,
        );
      if (!Number.isInteger(port.port) || port.port < 1 || port.port > 65535)
        report.error('container.port.integer', `${field}.port`, `${port.port} must be an integer from 1 to 65535`);
      if (port.servicePort !== undefined && (!Number.isInteger(port.servicePort) || port.servicePort < 1 || port.servicePort > 65535))
        report.error('container.service-port', `${field}.servicePort`, `${port.servicePort} must be an integer from 1 to 65535`);
      const bindProblem = checkUnprivilegedBind(port.port, this.addedCapabilities());
      if (bindProblem) report.error('container.port.invalid', `${field}.port`, bindProblem);
      if (names.has(port.name))
        report.error('container.name.used-another', `${field}.name`, `'${port.name}' is used by another port; port names must be unique`);
      if (numbers.has(port.port))
        report.error('container.port.used-another', `${field}.port`, `${port.port} is used by another port; port numbers must be unique`);
      names.add(port.name);
      numbers.add(port.port);
    });
    for (const [kind, probe] of [
      ['liveness', p.liveness],
      ['readiness', p.readiness],
      ['startup', p.startup],
    ] as const) {
      const port = probe?.port;
      if (probe === undefined || probe === null) continue; // null: the prop check reports it
      if (!(probe instanceof Probe)) {
        report.error(
          'container.probe.not-a-probe',
          `${prefix}${kind}`,
          `must be Probe.http(...), Probe.tcp(...) or Probe.exec(...) (is ${describeValue(probe)})`,
        );
        continue;
      }
      probe.validate(report, `${prefix}${kind}`);
      if (port === undefined && probe.action.type !== 'exec' && this.ports.length === 0) {
        report.error('container.value.probe-port', `${prefix}${kind}`, 'the probe has no port and the container declares none');
      }
      if (typeof port === 'string' && !names.has(port))
        report.error(
          'container.port.declared-port',
          `${prefix}${kind}.port`,
          `'${port}' is not a declared port (declared: ${[...names].join(', ') || 'none'})`,
        );
      if (typeof port === 'number' && !numbers.has(port))
        report.error(
          'container.port.declared-port-declared',
          `${prefix}${kind}.port`,
          `${port} is not a declared port (declared: ${[...numbers].join(', ') || 'none'})`,
        );
    }
  }

  /** Capabilities the container adds to its (otherwise fully dropped) set. */
  public addedCapabilities(): readonly string[] {
    const context = this.securityContext() as { capabilities?: { add?: string[] } };
    return context.capabilities?.add ?? [];
  }

  /**
   * Reports an image without a registry host: a runtime pulls `gitea/gitea:1.22.3` from Docker
   * Hub, while the author may have meant their own registry; neither is guessed. An error in
   * staging and prod, a warning in dev, naming both ways out.
   * @param registry the cluster profile's registry, suggested in the message
   */
  public validateRegistry(report: ValidationReport, environment: string, registry: string | undefined, prefix = ''): void {
    const image: unknown = this.props.image;
    if (typeof image !== 'string' || hasRegistry(image) || checkImageReference(image) !== undefined) return;
    const own = registry ? `${registry.replace(/\/+$/, '')}/${image}` : `<your-registry>/${image}`;
    const how = `write docker.io/${dockerHubPath(image)} for the public image, or your registry's path (${own}${registry ? `, env.image('${image}')` : ''})`;
    const problem = `'${image}' names no registry host, so it would be pulled from Docker Hub`;
    if (environment === 'dev') report.warn('container.image.error-staging', `${prefix}image`, `${problem}; ${how} (an error in staging and prod)`);
    else report.error('container.image.someone-else', `${prefix}image`, `${problem}, someone else's image or none; ${how}`);
  }

  /** The declared exception, when it is an object (a wrong type is reported by the check). */
  public get securityException(): SecurityException | undefined {
    const e = this.props.securityException;
    return typeof e === 'object' && e !== null && !Array.isArray(e) ? e : undefined;
  }

  /** The restricted security context, with what the declared exception grants. */
  public securityContext(): Record<string, unknown> {
    const context = restrictedContainerSecurityContext(this.user, this.group);
    const e = this.securityException;
    if (!e) return context;
    const add = (Array.isArray(e.addCapabilities) ? e.addCapabilities : []).filter((c) => (BASELINE_CAPABILITIES as readonly unknown[]).includes(c));
    return {
      ...context,
      capabilities: add.length ? { add: [...new Set(add)].sort(), drop: ['ALL'] } : context.capabilities,
      readOnlyRootFilesystem: e.writableRootFilesystem !== true,
      runAsNonRoot: e.startAsRoot !== true,
      runAsUser: e.startAsRoot === true ? 0 : context.runAsUser,
    };
  }

  /** The container, its image as written (never qualified behind the author's back). */
  public render(): Record<string, unknown> {
    const p = this.props;
    const firstPort = this.ports[0]?.name;
    // A prop that is no Probe is reported by validate(); it renders as none.
    const probe = (value: unknown) => (value instanceof Probe ? value : undefined);
    const [liveness, readiness] = [probe(p.liveness), probe(p.readiness)];
    const startup = p.startup !== undefined ? probe(p.startup) : liveness && firstPort ? Probe.tcp() : undefined;
    // Declaration order, not sorted: Kubernetes expands $(VAR) only from variables defined earlier.
    const env = [...this.envVars.entries()].map(([name, value]) => renderEnvVar(name, value));
    return {
      name: this.name,
      image: p.image,
      imagePullPolicy: isPinned(p.image) ? 'IfNotPresent' : 'Always',
      command: p.command ? [...p.command] : undefined,
      args: p.args ? [...p.args] : undefined,
      env: env.length ? env : undefined,
      envFrom: this.envSources.length
        ? this.envSources.map((e) => (e.kind === 'secret' ? { secretRef: { name: e.name } } : { configMapRef: { name: e.name } }))
        : undefined,
      ports: this.ports.length
        ? this.ports.map((port) => ({ name: port.name, containerPort: port.port, protocol: port.protocol ?? 'TCP' }))
        : undefined,
      resources: {
        requests: {
          cpu: this.resources?.requests?.cpu,
          memory: this.resources?.requests?.memory,
          'ephemeral-storage': this.resources?.requests?.ephemeralStorage ?? DEFAULT_EPHEMERAL_STORAGE.request,
        },
        limits: {
          cpu: this.resources?.limits?.cpu,
          memory: this.resources?.limits?.memory,
          'ephemeral-storage': this.resources?.limits?.ephemeralStorage ?? DEFAULT_EPHEMERAL_STORAGE.limit,
        },
      },
      livenessProbe: liveness?.render('liveness', firstPort),
      readinessProbe: readiness?.render('readiness', firstPort),
      startupProbe: startup?.render('startup', firstPort),
      securityContext: this.securityContext(),
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: this.volumeMounts.length ? this.volumeMounts.map((m) => ({ ...m })) : undefined,
    };
  }
}

/**
 * A non-root process may bind a port below 1024 only with NET_BIND_SERVICE, which the
 * restricted container drops; the bind would fail at start, so it is refused at synth.
 */
export function checkUnprivilegedBind(port: number, addedCapabilities: readonly string[]): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port >= 1024 || addedCapabilities.includes('NET_BIND_SERVICE')) return undefined;
  return (
    `${port} is a privileged port (below 1024), which a non-root container cannot bind without the NET_BIND_SERVICE capability; ` +
    `let the application listen on a port of 1024 or above (e.g. ${port + 8000}) and set servicePort: ${port} ` +
    "so clients keep using it, or, when it must bind the port itself, declare securityException: { addCapabilities: ['NET_BIND_SERVICE'], reason } " +
    '(admitted by Pod Security restricted)'
  );
}

/** Every field Pod Security `restricted` asks of a container, set explicitly. */
export function restrictedContainerSecurityContext(user: number, group: number): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsGroup: group,
    runAsNonRoot: true,
    runAsUser: user,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
