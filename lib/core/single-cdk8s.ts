import * as fs from 'fs';
import * as path from 'path';

/**
 * Two copies of cdk8s (one for the app, one nested under cdk8s-stacks) make synthesis fail
 * far from the cause ("can't render non-simple object of type 'Lazy'"), because each copy
 * only recognises its own classes. This check runs when the library is loaded and names both
 * copies instead.
 * @internal
 */
export function duplicateCdk8sError(libraryDir: string, appDir: string): string | undefined {
  const ours = resolveCdk8s(libraryDir);
  const theirs = resolveCdk8s(appDir);
  if (ours === undefined || theirs === undefined || ours === theirs) return undefined;
  return [
    'cdk8s-stacks: two copies of cdk8s are installed, and constructs from one cannot be synthesized by the other:',
    `  ${ours} (loaded by cdk8s-stacks)`,
    `  ${theirs} (loaded by the app in ${appDir})`,
    'cdk8s, cdk8s-plus-27 and constructs are peer dependencies of cdk8s-stacks: declare them once, in the app,',
    'then remove the nested copy (npm dedupe, or reinstall cdk8s-stacks from its package rather than from a folder).',
  ].join('\n');
}

function resolveCdk8s(fromDir: string): string | undefined {
  try {
    return path.dirname(fs.realpathSync(require.resolve('cdk8s/package.json', { paths: [fromDir] })));
  } catch {
    return undefined;
  }
}

/** @internal */
export function checkSingleCdk8s(): void {
  const appDir = require.main?.filename ? path.dirname(require.main.filename) : process.cwd();
  const error = duplicateCdk8sError(__dirname, appDir);
  if (error !== undefined) throw new Error(error);
}

checkSingleCdk8s();
