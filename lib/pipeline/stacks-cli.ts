import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Environment, ENVIRONMENT_NAMES, EnvironmentName } from '../core/environment';
import { SystemChart } from '../core/system-chart';
import { ArgoCdApplications } from '../gitops/argocd-applications';
import { PolicyRule } from '../policy/rule';
import { runSynthCli } from './cli';
import { writeCdk8sCliOutput } from './cli-output';
import { IncrementalSynth, systemInputDigests } from './synth-cache';
import { planEnvironmentShards, renderThreads, runShard, shardAssignment, startShard } from './environment-shards';
import type { RenderedElsewhere } from './synth';

/** Makes one system's chart in one environment. */
export type SystemFactory = (scope: Construct, env: Environment) => SystemChart;

/** The systems and environments of a stacks repository. */
export interface StacksAppOptions {
  /** Every system, by the name used in dist/, on the command line and in `CDK8S_STACKS_SYSTEM`. */
  readonly systems: Readonly<Record<string, SystemFactory>>;
  /** The environments, by name (dev, staging, prod). */
  readonly environments: Readonly<Record<EnvironmentName, Environment>>;
  /** The environments to build, in this order. @default - all of them */
  readonly selectEnvironments?: readonly EnvironmentName[];
  /** The systems to build. @default - all of them (and then each environment's Argo CD applications and platform layer) */
  readonly selectSystems?: readonly string[];
  /** The folder cdk8s's App is given; the pipeline writes nothing there. @default - a folder under the OS temp folder */
  readonly appOutdir?: string;
}

/**
 * The app of a stacks repository: the selected systems in the selected environments. When
 * every system of an environment is selected, also its Argo CD applications (which list
 * every system), from which the synth makes the environment's platform layer.
 */
export function buildStacksApp(options: StacksAppOptions): App {
  const app = new App({ outdir: options.appOutdir ?? path.join(os.tmpdir(), 'cdk8s-stacks-app') });
  const all = Object.keys(options.systems);
  const systems = options.selectSystems ?? all;
  for (const envName of options.selectEnvironments ?? ENVIRONMENT_NAMES) {
    const env = options.environments[envName];
    for (const system of systems) options.systems[system](app, env);
    // The app-of-apps lists every system; it is regenerated only when the environment is complete.
    if (all.every((s) => systems.includes(s))) new ArgoCdApplications(app, { environment: env, systems: all });
  }
  return app;
}

export interface StacksCliOptions extends Omit<StacksAppOptions, 'selectEnvironments' | 'selectSystems'> {
  /** The dist folder (`--outdir` overrides it). */
  readonly outdir: string;
  /** Command-line arguments: `--env <names>`, `--system <names>`, `--outdir <dir>`, `--help`. @default process.argv.slice(2) */
  readonly argv?: readonly string[];
  /**
   * Environment variables: `CDK8S_STACKS_ENV` and `CDK8S_STACKS_SYSTEM` select like `--env`
   * and `--system` (the cdk8s CLI passes no arguments to the app); `CDK8S_OUTDIR` is where
   * the cdk8s CLI wants its copies. @default process.env
   */
  readonly variables?: Readonly<Record<string, string | undefined>>;
  /** Policy rules run over every folder. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
  /** The folder the charts are written in, named by each generated README. @default 'charts/' */
  readonly sourceFolder?: string;
  /** Where normal output goes. @default console.log */
  readonly log?: (line: string) => void;
  /** Where warnings and errors go. @default console.error */
  readonly error?: (line: string) => void;
  /**
   * The input list of the bundle this app runs from (scripts/bundle.mjs's
   * `<bundle>.inputs.json`) and the folder its paths are relative to. With it every synth
   * records what each system folder was made from (next to the list, `synth-cache.json`),
   * and `--incremental` re-renders only the systems whose inputs changed. It also lets the
   * synth render the first environment in a second thread (`CDK8S_STACKS_RENDER_THREADS=2`),
   * which runs the bundle (`<bundle>`, the list's name without `.inputs.json`) again: the
   * entry's top-level code then runs in that thread too, so it should do nothing but call
   * runStacksCli (see environment-shards.ts).
   * @default - no record; `--incremental` is refused; one render thread
   */
  readonly bundleInputs?: { readonly stampFile: string; readonly root: string };
}

const USAGE =
  'usage: synth [--env <env>[,<env>...]] [--system <system>[,<system>...]] [--outdir <dir>] [--incremental]\n' +
  '  Without --env and --system every system of every environment is synthesized and dist/ replaced;\n' +
  '  with them only the selected folders are, and the rest of dist/ is kept. CDK8S_STACKS_ENV and\n' +
  '  CDK8S_STACKS_SYSTEM select the same way (for `npx cdk8s synth`). --incremental re-renders only the\n' +
  '  systems whose source files changed since the last synth into the same dist (byte-identical output).';

/**
 * The synth command of a stacks repository (its `main.ts`), for `npm run synth` and `npx
 * cdk8s synth` alike: parses the selection, builds the app and runs `runSynthCli` (which
 * prints the summary, warnings, waivers and security exceptions, and writes dist/
 * atomically), then gives the cdk8s CLI its copies when it runs under it.
 * @returns the exit code: 0 done, 1 synthesis failed, 2 bad arguments (nothing done)
 */
export function runStacksCli(options: StacksCliOptions): number {
  // In a thread that renders some environments for the command running in the main thread.
  const assignment = shardAssignment();
  if (assignment) {
    runShard(assignment, {
      build: (environments, systems) =>
        buildStacksApp({
          systems: options.systems,
          environments: options.environments,
          selectEnvironments: environments,
          selectSystems: systems,
          appOutdir: options.appOutdir,
        }),
      rules: options.rules,
      sourceFolder: options.sourceFolder,
      incremental: options.bundleInputs
        ? incrementalRecord(options.bundleInputs, Object.keys(options.systems), options.sourceFolder, false)
        : undefined,
    });
    return 0;
  }
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  const variables = options.variables ?? process.env;
  const argv = [...selectionFrom(variables), ...(options.argv ?? process.argv.slice(2))];
  if (argv.includes('--help') || argv.includes('-h')) {
    log(USAGE);
    return 0;
  }
  const parsed = parseSelection(argv, Object.keys(options.systems ?? {}));
  if (typeof options.systems !== 'object' || options.systems === null || Object.keys(options.systems).length === 0)
    parsed.errors.push('runStacksCli: systems must be an object of system name to chart factory, with at least one system');
  if (options.sourceFolder !== undefined && (typeof options.sourceFolder !== 'string' || options.sourceFolder.trim() === ''))
    parsed.errors.push('runStacksCli: sourceFolder must be the folder the charts are in, e.g. systems/');
  for (const name of ENVIRONMENT_NAMES)
    if (!(options.environments?.[name] instanceof Environment)) parsed.errors.push(`runStacksCli: environments.${name} must be an Environment`);
  if (parsed.incremental && options.bundleInputs === undefined)
    parsed.errors.push('--incremental needs the input list of the bundle the app runs from (npm run synth gives it; ts-node and cdk8s synth do not)');
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) error(`error: ${e}`);
    error(USAGE);
    return 2;
  }
  let threads: number;
  try {
    threads = renderThreads(variables);
  } catch (e) {
    error(`error: ${(e as Error).message}`);
    return 2;
  }
  const outdir = path.resolve(parsed.outdir ?? options.outdir);
  const partial = parsed.envs.length > 0 || parsed.systems.length > 0;
  const environments = parsed.envs.length > 0 ? parsed.envs : [...ENVIRONMENT_NAMES];
  // Other threads render the first environments (see environment-shards.ts): only from a bundle
  // (they run it), not for --incremental (it carries folders over) nor under the cdk8s CLI
  // (its copies are made from every object).
  const shards =
    options.bundleInputs && !parsed.incremental && !variables.CDK8S_OUTDIR
      ? planEnvironmentShards(environments, threads)
      : { elsewhere: [], here: environments };
  const bundle = options.bundleInputs?.stampFile.replace(/\.inputs\.json$/, '');
  // Started first, so that their start-up overlaps with this thread's work.
  const elsewhere: RenderedElsewhere[] = shards.elsewhere.map((group) =>
    startShard(bundle!, { environments: group, systems: parsed.systems.length > 0 ? parsed.systems : undefined, outdir, record: true }),
  );
  return runSynthCli({
    build: () =>
      buildStacksApp({
        systems: options.systems,
        environments: options.environments,
        selectEnvironments: shards.here,
        selectSystems: parsed.systems.length > 0 ? parsed.systems : undefined,
        appOutdir: options.appOutdir,
      }),
    outdir,
    replaceAll: !partial,
    rules: options.rules,
    sourceFolder: options.sourceFolder,
    incremental: options.bundleInputs
      ? incrementalRecord(options.bundleInputs, Object.keys(options.systems), options.sourceFolder, parsed.incremental)
      : undefined,
    log,
    error,
    elsewhere,
    // Under `cdk8s synth`: copies of what dist/ received, for the CLI to list or print.
    afterWrite: elsewhere.length > 0 ? undefined : (result) => writeCdk8sCliOutput(result, outdir, variables.CDK8S_OUTDIR),
  });
}

/**
 * The incremental cache of a synth run from a bundle: next to the bundle's input list, keyed
 * by each system's inputs; undefined when the list cannot be read.
 */
function incrementalRecord(
  bundleInputs: NonNullable<StacksCliOptions['bundleInputs']>,
  systems: readonly string[],
  sourceFolder: string | undefined,
  reuse: boolean,
): IncrementalSynth | undefined {
  const digests = systemInputDigests(bundleInputs.stampFile, bundleInputs.root, systems, sourceFolder);
  if (digests === undefined) return undefined;
  return {
    cacheFile: path.join(path.dirname(bundleInputs.stampFile), 'synth-cache.json'),
    inputsOf: (chart) => digests.get(chart.system),
    reuse,
  };
}

/** The selection the cdk8s CLI passes as variables, as arguments. */
function selectionFrom(variables: Readonly<Record<string, string | undefined>>): string[] {
  const args: string[] = [];
  if (variables.CDK8S_STACKS_ENV) args.push('--env', variables.CDK8S_STACKS_ENV);
  if (variables.CDK8S_STACKS_SYSTEM) args.push('--system', variables.CDK8S_STACKS_SYSTEM);
  return args;
}

interface Selection {
  readonly incremental: boolean;
  readonly envs: EnvironmentName[];
  readonly systems: string[];
  readonly outdir?: string;
  readonly errors: string[];
}

function parseSelection(argv: readonly string[], validSystems: readonly string[]): Selection {
  const values: Record<string, string[]> = { env: [], system: [], outdir: [] };
  const errors: string[] = [];
  let incremental = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--incremental') {
      incremental = true;
      continue;
    }
    const match = /^--(env|system|outdir)(?:=(.*))?$/.exec(argv[i]);
    if (!match) {
      errors.push(`unknown argument '${argv[i]}' (allowed: --env <name>, --system <name>, --outdir <dir>, --incremental)`);
      continue;
    }
    // `--env --system x`: the next flag is not a value.
    const value = match[2] ?? (argv[i + 1]?.startsWith('--') ? undefined : argv[++i]);
    if (value === undefined || value === '') errors.push(`--${match[1]} needs a value`);
    else if (match[1] === 'outdir') values.outdir.push(value);
    else values[match[1]].push(...value.split(',').filter((v) => v.length > 0));
  }
  for (const env of values.env) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env))
      errors.push(`unknown environment '${env}'; valid environments: ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  for (const system of values.system) {
    if (!validSystems.includes(system)) errors.push(`unknown system '${system}'; valid systems: ${validSystems.join(', ')}`);
  }
  if (values.outdir.length > 1) errors.push('--outdir may be given once');
  return {
    incremental,
    envs: [...new Set(values.env)] as EnvironmentName[],
    systems: [...new Set(values.system)],
    outdir: values.outdir[0],
    errors,
  };
}
