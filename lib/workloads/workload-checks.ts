/**
 * The checks of a Workload that read its whole model (configuration sources, the security
 * exception against its namespace, the image-user note) and the linters' waivers it declares,
 * kept apart from the construct so that the Workload holds only its model and verbs.
 */
import type { ApiObject } from 'cdk8s';
import { declareCheckExceptions } from '../core/check-exceptions';
import { describeValue } from '../core/describe-value';
import { waive } from '../core/policy-waiver';
import type { ValidationReport } from '../core/validation';
import { SystemNamespace } from '../security/system-namespace';
import type { SystemChart } from '../core/system-chart';
import type { IConnectable } from './connectable';
import type { ContainerModel } from './container';
import { isSecretKeyValue } from './env';
import { isPinned, parseImage } from './image';
import { describeSecurityException, requiredPodSecurityLevel, restrictedViolations, SecurityException } from './security-exception';

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

/**
 * Declares on `object` why generic best-practice checks do not apply to the pod of
 * `containers` (main first), with the reasons (the pipeline turns them into the linters'
 * waivers; the lint report lists them).
 */
export function declarePodCheckExceptions(object: ApiObject, containers: readonly ContainerModel[]): void {
  const main = containers[0];
  const lowUid = containers.find((c) => c.user < 10000);
  const pinned =
    'images are pinned to immutable version tags or digests, so IfNotPresent pulls each version once ' +
    'and pods still start when the registry is unreachable';
  const readsSecretsFromEnv = containers.some(
    (c) => c.envFrom.some((e) => e.kind === 'secret') || [...c.env.values()].some((v) => typeof v === 'object' && isSecretKeyValue(v)),
  );
  const exception = main.securityException;
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

/** An exception `restricted` does not admit needs the namespace lowered by the same decision, and only then. */
export function checkSecurityExceptionNamespace(report: ValidationReport, main: ContainerModel, chart: SystemChart, namespaceName: string): void {
  const exception = main.securityException;
  if (!exception) return;
  const required = requiredPodSecurityLevel(exception);
  const namespace = SystemNamespace.of(chart);
  const level = namespace?.podSecurity ?? 'restricted';
  if (exception.lowerNamespaceTo === 'baseline' && required === 'restricted') {
    report.error(
      'workload-checks.security-exception.lower-namespace-to.needed-pod',
      'securityException.lowerNamespaceTo',
      `is not needed: Pod Security restricted admits ${describeSecurityException(exception)}; remove lowerNamespaceTo so namespace '${namespaceName}' stays restricted`,
    );
  } else if (required === 'baseline' && level === 'restricted' && exception.lowerNamespaceTo === 'baseline') {
    report.error(
      'workload-checks.security-exception.lower-namespace-to.cannot-lower',
      'securityException.lowerNamespaceTo',
      `cannot lower namespace '${namespaceName}': the chart made its own SystemNamespace (${namespace?.node.path}) enforcing restricted; ` +
        "give it podSecurity: 'baseline' with podSecurityReason, or remove it so the synth pass makes the namespace",
    );
  } else if (required === 'baseline' && level === 'restricted') {
    report.error(
      'workload-checks.security-exception',
      'securityException',
      `needs Pod Security baseline for ${restrictedViolations(exception).join(' and ')}, but namespace '${namespaceName}' enforces restricted, ` +
        "which refuses the pods: set lowerNamespaceTo: 'baseline' in this exception (the namespace's enforce, audit and warn labels are " +
        'lowered, with this reason in the README), or remove what restricted does not admit',
    );
  }
}

/** The ConfigMap is read with envFrom: keys are variable names, values strings, and nothing else may set the same variable. */
export function checkConfig(
  report: ValidationReport,
  main: ContainerModel,
  props: { readonly config?: unknown; readonly env?: unknown },
  sources: readonly ConfigSource[],
): void {
  checkConfigSources(report, main, props, sources);
  const config: unknown = props.config;
  if (config === undefined) return;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    report.error(
      'workload-checks.config.object-variable',
      'config',
      `must be an object of variable name to string value (is ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config})`,
    );
    return;
  }
  const env = main.env;
  const secretKeys = new Map<string, string>();
  for (const from of main.envFrom) {
    for (const key of from.source?.keys ?? []) secretKeys.set(key, from.source?.describe ?? from.name);
  }
  for (const [key, value] of Object.entries(config)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      report.error(
        'workload-checks.config.read-environment',
        `config.${key}`,
        `'${key}' is read as an environment variable and must be a valid name (letters, digits and '_')`,
      );
    if (typeof value !== 'string') {
      report.error(
        'workload-checks.config.string-configmap',
        `config.${key}`,
        `must be a string (is ${value === null ? 'null' : typeof value}); ConfigMap data holds strings only, e.g. '${String(value)}'`,
      );
    }
    // env entries (and connections) win over envFrom: the ConfigMap value would never be read.
    if (env.has(key))
      report.error(
        'workload-checks.config.also-set',
        `config.${key}`,
        `is also set by ${setBy(props, key)}, which overrides the ConfigMap value; set '${key}' in one place`,
      );
    if (secretKeys.has(key))
      report.error(
        'workload-checks.config.also-key',
        `config.${key}`,
        `is also a key of ${secretKeys.get(key)} (envFromSecrets); set '${key}' in one place`,
      );
  }
}

/**
 * A variable of a shared config set again by env, a connection, the workload's own config,
 * a secret or another shared config would be dead in one place.
 */
function checkConfigSources(
  report: ValidationReport,
  main: ContainerModel,
  props: { readonly config?: unknown; readonly env?: unknown },
  sources: readonly ConfigSource[],
): void {
  const c = props.config;
  const own = typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
  const env = main.env;
  const seen = new Map<string, string>();
  for (const from of main.envFrom)
    if (from.kind === 'secret') for (const key of from.source?.keys ?? []) seen.set(key, `${from.source?.describe ?? from.name} (envFromSecrets)`);
  for (const key of Object.keys(own)) seen.set(key, 'config');
  for (const source of sources) {
    for (const key of source.envKeys) {
      const field = `useConfig(${source.configMapName}).${key}`;
      if (env.has(key)) {
        report.error(
          'workload-checks.value.set-overrides',
          field,
          `is set by ${source.describe} and by ${setBy(props, key)}, which overrides the shared value; set '${key}' in one place`,
        );
      } else if (seen.has(key)) {
        report.error(
          'workload-checks.value.set-value',
          field,
          `is set by ${source.describe} and by ${seen.get(key)}; only one value is read, set '${key}' in one place`,
        );
      }
      seen.set(key, source.describe);
    }
  }
}

/** Who set a variable the container has: its `env` prop, or a connection. */
function setBy(props: { readonly env?: unknown }, key: string): string {
  const env = props.env;
  return typeof env === 'object' && env !== null && Object.prototype.hasOwnProperty.call(env, key) ? 'env' : 'a connection';
}

/** The image-user note is two sentences for the README. */
export function checkImageUser(report: ValidationReport, note: unknown): void {
  if (note === undefined) return;
  const n = (typeof note === 'object' && note !== null ? note : {}) as Record<string, unknown>;
  for (const key of ['expects', 'mustDo'])
    if (typeof n[key] !== 'string' || (n[key] as string).trim() === '')
      report.error(
        'workload-checks.image-user',
        `imageUser.${key}`,
        `is required: a sentence for the README (${key === 'expects' ? 'what the image does as built' : 'what it must do to run as runAs'})`,
      );
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
 * Why `connect(store, options)` cannot use what it was given (from JavaScript the types are not
 * enforced), or undefined: the store must be a data store construct (connection settings, a
 * readiness check) and the options must name the variables the application reads.
 */
export function checkConnectArgs(store: unknown, options: unknown): string | undefined {
  const s = store as (Partial<IConnectable> & { node?: { path?: unknown } }) | null | undefined;
  const path = s?.node?.path;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.connectionInfo !== 'function' ||
    typeof path !== 'string' ||
    typeof s.readinessCheck !== 'object' ||
    s.readinessCheck === null
  )
    return `needs a data store (a construct with connectionInfo() and readinessCheck, e.g. Postgres) (got ${describeValue(store)})`;
  const o = options as { env?: unknown; waitUntilReady?: unknown; readOnly?: unknown } | null | undefined;
  if (typeof o !== 'object' || o === null || typeof o.env !== 'function')
    return `needs options { env: <EnvConvention>, e.g. ConnectionEnv.url('DATABASE_URL') } for ${path} (got ${describeValue(options)})`;
  for (const key of ['waitUntilReady', 'readOnly'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean') return `${key} must be true or false (got ${describeValue(o[key])})`;
  return undefined;
}
