/**
 * Entry point: every system x every environment -> dist/.
 *
 *   npm run synth                                   # everything
 *   npm run synth -- --env prod --system loopi      # a subset; the rest of dist is untouched
 *
 * Also run by `npx cdk8s synth` through cdk8s.yaml.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENT_NAMES, EnvironmentName, runSynthCli } from './lib';
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
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env)) errors.push(`unknown environment '${env}'; valid environments: ${ENVIRONMENT_NAMES.join(', ')}`);
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

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const code = runSynthCli({
    build: () => buildRepositoryApp({ envs: options.envs, systems: options.systems, outdir: path.join(__dirname, 'cdk8s-app') }),
    outdir: options.outdir,
    replaceAll: !options.partial,
  });
  if (code !== 0) process.exit(code);

  // `cdk8s synth` expects its output folder to exist afterwards; dist/ is the real output.
  if (process.env.CDK8S_OUTDIR) {
    fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
    fs.writeFileSync(path.join(process.env.CDK8S_OUTDIR, 'README.txt'), `The manifests are in ${options.outdir}\n`);
  }
}

main();
