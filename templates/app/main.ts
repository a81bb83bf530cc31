/**
 * Every system x every environment -> dist/<env>/<system>/, atomically: the new tree replaces
 * dist/ only when every check passed, and an interrupted synth is finished or discarded by
 * the next run. Prints the summary, warnings, policy waivers and security exceptions.
 *
 *   npm run synth                                        # everything
 *   npm run synth -- --env prod                          # one environment; the rest of dist/ is kept
 *   npm run synth -- --env prod --system example         # one system in one environment
 *   CDK8S_STACKS_ENV=prod npx cdk8s synth --stdout       # print one environment's manifests
 *
 * The runner is the library's (runStacksCli), the same as the cdk8s-stacks repository's own.
 * Register systems in systems/index.ts, environments in environments.ts.
 */
import * as path from 'path';
import { runStacksCli } from 'cdk8s-stacks';
import { ENVIRONMENTS } from './environments';
import { SYSTEMS } from './systems';

process.exitCode = runStacksCli({
  systems: SYSTEMS,
  environments: ENVIRONMENTS,
  outdir: path.join(__dirname, '..', 'dist'),
});
