// Transpiles main.ts and everything it imports from the repo into one file,
// .build/main.js, leaving node_modules external. esbuild does no type checking:
// `npm test` runs `tsc --noEmit` for that. This keeps `npm run synth` fast: the bundle is
// kept while the content of its inputs is unchanged (scripts/bundle.mjs, shared with
// `npm run plan`). The library's script files stay files, read by the bundle from lib/
// (see esbuild-module-dirname.mjs).
import { join, resolve } from 'node:path';
import { bundle, ROOT } from './bundle.mjs';

// --outfile <file>: a bundle of its own, for a test that must not race `npm run synth` for .build/main.js.
const outfileAt = process.argv.indexOf('--outfile');
await bundle({
  entry: join(ROOT, 'main.ts'),
  outfile: outfileAt > 0 ? resolve(process.argv[outfileAt + 1]) : join(ROOT, '.build', 'main.js'),
  // The systems import the library by its package name, as a user would; here it is the source.
  alias: { 'cdk8s-stacks': join(ROOT, 'lib', 'index.ts') },
});
