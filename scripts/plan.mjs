// `npm run plan`: bundles plan.ts (as scripts/build.mjs bundles main.ts, with the same cache:
// rebuilt only when the content of one of its inputs changed, scripts/bundle.mjs) and runs
// it in this process.
import { join } from 'node:path';
import { bundle, ROOT, runBundle } from './bundle.mjs';

const outfile = join(ROOT, '.build', 'plan.js');
await bundle({ entry: join(ROOT, 'plan.ts'), outfile, alias: { 'cdk8s-stacks': join(ROOT, 'lib', 'index.ts') } });
runBundle(outfile);
