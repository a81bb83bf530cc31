// Transpiles main.ts and everything it imports from the repo into one file,
// .build/main.js, leaving node_modules external. esbuild does no type checking:
// `npm test` runs `tsc --noEmit` for that. This keeps `npm run synth` fast. The library's
// script files stay files, read by the bundle from lib/ (see esbuild-module-dirname.mjs).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { moduleDirname } from './esbuild-module-dirname.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'main.ts')],
  outfile: join(root, '.build', 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
  plugins: [moduleDirname(root)],
});
