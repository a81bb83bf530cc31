// `npm run synth`: bundles main.ts (scripts/build.mjs's bundle, kept while the content of
// its inputs is unchanged: scripts/bundle.mjs) and runs it in this process, so that a synth
// of an unchanged tree starts one node process, not two. Arguments go to main.ts as they are
// (`npm run synth -- --env prod`).
import { join } from 'node:path';
import { bundle, ROOT, runBundle } from './bundle.mjs';

const outfile = join(ROOT, '.build', 'main.js');
await bundle({ entry: join(ROOT, 'main.ts'), outfile, alias: { 'cdk8s-stacks': join(ROOT, 'lib', 'index.ts') } });
runBundle(outfile);
