// An esbuild plugin for bundles of lib/ (scripts/build.mjs, the benchmark worker).
//
// The library reads its script files (lib/<concern>/scripts/*.sh, *.sql, *.js) relative to
// the module that renders them, through `__dirname` (lib/core/script-file.ts says why). In
// one bundled file every module's `__dirname` would be the bundle's folder, so each lib
// module that uses `__dirname` gets its own source folder declared at its top instead. The
// bundle then reads the files from the checkout it was built from, which is where
// `npm run synth` runs it.
import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

/** @param {string} root the repository root (lib/ is under it) */
export function moduleDirname(root) {
  const lib = join(root, 'lib') + sep;
  return {
    name: 'module-dirname',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(lib)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!/\b__dirname\b/.test(source)) return undefined;
        // One line, so that positions in esbuild's messages stay one line off at most.
        return { contents: `const __dirname = ${JSON.stringify(dirname(args.path))};${source}`, loader: 'ts' };
      });
    },
  };
}
