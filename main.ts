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
import { ENVIRONMENT_NAMES, EnvironmentName, formatIssue, SynthesisError, synthesize, ValidationIssue } from './lib';
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
  try {
    const app = buildRepositoryApp({ envs: options.envs, systems: options.systems, outdir: path.join(__dirname, 'cdk8s-app') });
    const result = synthesize(app, { outdir: options.outdir, replaceAll: !options.partial });
    printWarnings(result.warnings);
    const total = result.folders.reduce((n, f) => n + f.objects, 0);
    console.log(`Synthesized ${total} objects into ${path.relative(process.cwd(), options.outdir) || '.'}/`);
    for (const folder of result.folders) console.log(`  ${folder.folder.padEnd(28)} ${String(folder.objects).padStart(4)} objects  ${String(folder.files).padStart(4)} files`);
    console.log(`Policy waivers: ${result.waivers.length}`);
    for (const w of result.waivers) console.log(`  ${w.folder} ${w.object} [${w.rule}]: ${w.reason}`);
  } catch (error) {
    if (error instanceof SynthesisError) {
      printWarnings(error.warnings);
      console.error(`Synthesis failed; dist/ was not changed.\n${error.message}`);
    } else {
      // Thrown while the charts were being built (before any check could collect it): the
      // message, never a stack trace; dist/ is untouched because nothing was written yet.
      console.error(`Synthesis failed; dist/ was not changed.\n1 error while building the charts:\n  ${describeBuildError(error)}`);
    }
    process.exit(1);
  }

  // `cdk8s synth` expects its output folder to exist afterwards; dist/ is the real output.
  if (process.env.CDK8S_OUTDIR) {
    fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
    fs.writeFileSync(path.join(process.env.CDK8S_OUTDIR, 'README.txt'), `The manifests are in ${options.outdir}\n`);
  }
}

function printWarnings(warnings: readonly ValidationIssue[]): void {
  if (warnings.length === 0) return;
  console.error(`${warnings.length} warning${warnings.length === 1 ? '' : 's'} (not errors):\n${warnings.map(formatIssue).join('\n')}`);
}

/** A build-time exception as one line; the constructs library's duplicate-id message made readable. */
function describeBuildError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const duplicate = /^There is already a Construct with name '([^']*)' in \S+(?: \[([^\]]*)\])?/.exec(message);
  if (duplicate) return `[${duplicate[2] ?? 'app'}] id: '${duplicate[1]}' is used by two constructs in the same scope; ids must be unique`;
  return message.split('\n')[0];
}

main();
