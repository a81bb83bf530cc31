/**
 * Entry point: every system x every environment -> dist/.
 *
 *   npm run synth                                   # everything
 *   npm run synth -- --env prod --system loopi      # a subset; the rest of dist is untouched
 *
 * Also run by `npx cdk8s synth` through cdk8s.yaml, which lists one file per synthesized folder;
 * `CDK8S_STACKS_ENV=prod CDK8S_STACKS_SYSTEM=loopi npx cdk8s synth --stdout` prints one system's
 * manifests. The two variables select like --env and --system (comma-separated lists).
 */
import * as path from 'path';
import { ENVIRONMENT_NAMES, EnvironmentName, runSynthCli, writeCdk8sCliOutput } from 'cdk8s-stacks';
import { SYSTEMS } from './charts';
import { buildRepositoryApp } from './charts/app';

interface Options {
  readonly envs: EnvironmentName[];
  readonly systems: string[];
  readonly outdir: string;
  readonly partial: boolean;
}

function parseArgs(argv: string[]): Options {
  const values: Record<string, string[]> = { env: [], system: [], outdir: [] };
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(env|system|outdir)(?:=(.*))?$/.exec(argv[i]);
    if (!match) {
      errors.push(`unknown argument '${argv[i]}' (allowed: --env <name>, --system <name>, --outdir <dir>)`);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) errors.push(`--${match[1]} needs a value`);
    else values[match[1]].push(...value.split(',').filter((v) => v.length > 0));
  }
  const validSystems = Object.keys(SYSTEMS);
  for (const env of values.env) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env))
      errors.push(`unknown environment '${env}'; valid environments: ${ENVIRONMENT_NAMES.join(', ')}`);
  }
  for (const system of values.system) {
    if (!validSystems.includes(system)) errors.push(`unknown system '${system}'; valid systems: ${validSystems.join(', ')}`);
  }
  if (values.outdir.length > 1) errors.push('--outdir may be given once');
  if (errors.length > 0) {
    for (const e of errors) console.error(`error: ${e}`);
    process.exit(2);
  }
  return {
    envs: values.env.length ? (values.env as EnvironmentName[]) : [...ENVIRONMENT_NAMES],
    systems: values.system.length ? values.system : validSystems,
    outdir: path.resolve(values.outdir[0] ?? path.join(__dirname, '..', 'dist')),
    partial: values.env.length > 0 || values.system.length > 0,
  };
}

/** The CLI passes no arguments to the app; environment variables select instead. */
function selectionFromEnvironment(): string[] {
  const args: string[] = [];
  if (process.env.CDK8S_STACKS_ENV) args.push('--env', process.env.CDK8S_STACKS_ENV);
  if (process.env.CDK8S_STACKS_SYSTEM) args.push('--system', process.env.CDK8S_STACKS_SYSTEM);
  return args;
}

function main(): void {
  const options = parseArgs([...selectionFromEnvironment(), ...process.argv.slice(2)]);
  const code = runSynthCli({
    build: () => buildRepositoryApp({ envs: options.envs, systems: options.systems, outdir: path.join(__dirname, 'cdk8s-app') }),
    outdir: options.outdir,
    replaceAll: !options.partial,
    // Under `cdk8s synth`: copies of what dist/ received, for the CLI to list or print.
    afterWrite: (result) => writeCdk8sCliOutput(result, options.outdir),
  });
  if (code !== 0) process.exit(code);
}

main();
