// Transpiles main.ts and everything it imports from the repo into one file,
// .build/main.js, leaving node_modules external. esbuild does no type checking:
// `npm test` runs `tsc --noEmit` for that. This keeps `npm run synth` fast.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'main.ts')],
  outfile: join(root, '.build', 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  // The systems import the library by its package name, as a user would; here it is the source.
  alias: { 'cdk8s-stacks': join(root, 'lib', 'index.ts') },
  logLevel: 'warning',
});
