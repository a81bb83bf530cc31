import { Chart } from 'cdk8s';
import { folderOf, interceptSynthesis } from '../pipeline/synth';
import { PlanArgs, runPlanCli } from './cli';

/**
 * Loaded with `node --require` by `cdk8s-stacks plan` (bin/cdk8s-stacks.js) into the user's
 * own synth command: when CDK8S_STACKS_PLAN holds the plan's options (JSON), the app's
 * `synthesize()` call is planned instead of written, and the process exits with the plan's
 * code. Without the variable it does nothing, so other node processes of the command
 * (a `tsc` before the app) are unaffected.
 */
const options = process.env.CDK8S_STACKS_PLAN;
if (options !== undefined) {
  const args = JSON.parse(options) as PlanArgs;
  interceptSynthesis((app, synthOptions) => {
    // A partial synth (replaceAll: false) compares only the folders it renders.
    const rendered = new Set(app.node.children.filter((c): c is Chart => c instanceof Chart).map((c) => folderOf(c)));
    const code = runPlanCli({
      ...args,
      build: () => app,
      distDir: synthOptions.outdir,
      rules: synthOptions.rules,
      selected: synthOptions.replaceAll === false ? (folder) => rendered.has(folder) : undefined,
    });
    process.exit(code);
  });
}
