import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { describeValue } from '../core/describe-value';
import { Environment, EnvironmentName } from '../core/environment';
import type { Json } from '../core/json';
import type { PlatformProps } from '../core/platform';
import { SynthesisError, ValidationIssue } from '../core/validation';
import type { SystemChart } from '../core/system-chart';
import type { PolicyRule } from '../policy/rule';
import { buildStacksApp, SystemFactory } from './stacks-cli';
import { renderApp, SynthResult } from './synth';

/** What cdk8s's App is given as its folder; nothing is written there. */
const UNUSED_OUTDIR = path.join(os.tmpdir(), 'cdk8s-stacks-testing');

/** A system chart class, as `systems/*.ts` define them: `new ExampleSystem(scope, env)`. */
export type SystemClass = new (scope: Construct, env: Environment) => SystemChart;

export interface SynthSystemOptions {
  /**
   * Fields of the environment's cluster profile to change for this render (merged over the
   * environment's own), e.g. `{ kubernetesVersion: '1.33' }` to see the system on a newer cluster.
   * @default - the environment's profile as it is
   */
  readonly platform?: Partial<PlatformProps>;
  /** Policy rules run over the system's objects, as `runStacksCli` runs them. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
}

/**
 * Renders one system in one environment in memory, the way `npm run synth` renders it (the same
 * app building, passes, construct validation, Kubernetes API check and policy rules; the
 * environment's platform layer and Argo CD applications are rendered and checked too, as in a
 * synth of the whole environment), and writes nothing. For unit and snapshot tests:
 *
 *   const prod = synthSystem(ExampleSystem, ENVIRONMENTS.prod);
 *   expect(prod.find('Deployment', 'web').spec.replicas).toBe(3);
 *   expect(prod).toMatchSnapshot(); // with manifestSnapshotSerializer
 *
 * @param system the system's chart class or factory (`(scope, env) => new ExampleSystem(scope, env)`)
 * @param environment the environment, e.g. `ENVIRONMENTS.dev`
 * @throws SynthesisError with every problem found (construct path, field, what is allowed), as the synth reports them
 */
export function synthSystem(system: SystemClass | SystemFactory, environment: Environment, options: SynthSystemOptions = {}): SynthesizedSystem {
  const problems: string[] = [];
  if (typeof system !== 'function')
    problems.push(`system must be a SystemChart class or a factory (scope, env) => chart (is ${describeValue(system)})`);
  if (!(environment instanceof Environment))
    problems.push(`environment must be an Environment, e.g. ENVIRONMENTS.dev (is ${describeValue(environment)})`);
  const opts: unknown = options;
  if (typeof opts !== 'object' || opts === null) problems.push(`options must be an object (is ${describeValue(opts)})`);
  else if (options.platform !== undefined && (typeof options.platform !== 'object' || options.platform === null))
    problems.push(`options.platform must be fields of a cluster profile, e.g. { kubernetesVersion: '1.33' } (is ${describeValue(options.platform)})`);
  if (problems.length > 0)
    throw new SynthesisError(problems.map((message): ValidationIssue => ({ path: 'synthSystem', id: 'testing.synth-system-arguments', message })));

  const env = options.platform ? new Environment({ ...environment, platform: { ...environment.platform.props, ...options.platform } }) : environment;
  const factory: SystemFactory = isClass(system) ? (scope, e) => new system(scope, e) : (system as SystemFactory);
  // The one system is the whole app, so the environment's Argo CD applications and platform
  // layer are built and checked as well, exactly as `npm run synth -- --env <env>` would. They
  // name the system as the project registers it: its chart's name, read from a first instance.
  const name = factory(new App({ outdir: UNUSED_OUTDIR }), env).system;
  const app = buildStacksApp({
    systems: { [name]: factory },
    environments: { [env.name]: env } as Record<EnvironmentName, Environment>,
    selectEnvironments: [env.name],
    appOutdir: UNUSED_OUTDIR,
  });
  const { result } = renderApp(app, { rules: options.rules });
  return new SynthesizedSystem(result, env, `${env.name}/${name}`);
}

/** An ES class (it cannot be called without `new`), as opposed to a factory function. */
function isClass(fn: unknown): fn is SystemClass {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** One object of a rendered system. */
export type KubernetesObject = Json & { readonly apiVersion: string; readonly kind: string; readonly metadata: Json };

/**
 * What `synthSystem` rendered: the system's objects (those of `dist/<env>/<system>/`), with finders.
 * @sealed subclassing is not supported
 */
export class SynthesizedSystem {
  /** Marks instances for the snapshot serializer (no instanceof: jest may load two copies of the module). */
  public readonly isSynthesizedSystem = true;
  /** The system's objects, in the order the synth lays them out (apply order, then file name). */
  public readonly objects: readonly KubernetesObject[];
  /** The pipeline's result for the whole render: warnings, policy waivers, security exceptions, every folder's objects. */
  public readonly result: SynthResult;
  /** The environment rendered (with the `platform` overrides applied). */
  public readonly environment: Environment;
  /** The dist folder of the system: `<env>/<system>`. */
  public readonly folder: string;

  /** @internal made by synthSystem */
  constructor(result: SynthResult, environment: Environment, folder: string) {
    this.result = result;
    this.environment = environment;
    this.folder = folder;
    this.objects = result.objects.filter((o) => o.folder === this.folder).map((o) => o.object as KubernetesObject);
  }

  /** The warnings of the render: legal settings that are probably not meant. */
  public get warnings(): readonly ValidationIssue[] {
    return this.result.warnings;
  }

  /** Every object of `kind` (e.g. `Deployment`), in order. */
  public all(kind: string): KubernetesObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  /** The object of `kind` named `name` (in `namespace` when given), or undefined. */
  public tryFind(kind: string, name: string, namespace?: string): KubernetesObject | undefined {
    const found = this.matching(kind, name, namespace);
    if (found.length > 1)
      throw new Error(
        `${this.folder}: ${found.length} objects ${kind} ${name} (in ${found.map((o) => o.metadata.namespace).join(', ')}); name the namespace`,
      );
    return found[0];
  }

  /** The object of `kind` named `name` (in `namespace` when given); throws, listing the names of that kind, when there is none. */
  public find(kind: string, name: string, namespace?: string): KubernetesObject {
    const found = this.tryFind(kind, name, namespace);
    if (found) return found;
    const names = this.all(kind).map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name));
    throw new Error(
      `${this.folder}: no ${kind} ${namespace ? `${namespace}/` : ''}${name}; ${names.length > 0 ? `the ${kind} objects are ${names.join(', ')}` : `there is no ${kind}`}`,
    );
  }

  private matching(kind: string, name: string, namespace?: string): KubernetesObject[] {
    return this.objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  }
}
