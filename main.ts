/**
 * Entry point: every system x every environment -> dist/.
 *
 *   npm run synth                                   # everything
 *   npm run synth -- --env prod                     # one environment (its platform layer and Argo CD apps included)
 *   npm run synth -- --env prod --system loopi      # a subset; the rest of dist is kept byte for byte
 *   npm run synth -- --incremental                  # only the systems whose sources changed are re-rendered
 *
 * Also run by `npx cdk8s synth` through cdk8s.yaml, which lists one file per synthesized folder;
 * `CDK8S_STACKS_ENV=prod CDK8S_STACKS_SYSTEM=loopi npx cdk8s synth --stdout` prints one system's
 * manifests. The two variables select like --env and --system (comma-separated lists). Every
 * form writes dist/ atomically; the runner is the library's, the same as a scaffolded project's.
 */
import * as path from 'path';
import { runStacksCli } from 'cdk8s-stacks';
import { ENVIRONMENTS, SYSTEMS } from './charts';

process.exitCode = runStacksCli({
  systems: SYSTEMS,
  environments: ENVIRONMENTS,
  outdir: path.join(__dirname, '..', 'dist'),
  appOutdir: path.join(__dirname, 'cdk8s-app'),
  // Bundled (npm run synth), __dirname is .build/, where scripts/bundle.mjs keeps the bundle's input list.
  bundleInputs:
    path.basename(__dirname) === '.build' ? { stampFile: path.join(__dirname, 'main.js.inputs.json'), root: path.join(__dirname, '..') } : undefined,
});
