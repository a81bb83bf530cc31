import * as crypto from 'crypto';
import * as fs from 'fs';

/**
 * A package-lock.json for a scaffolded project, made of this repository's own lockfile
 * entries, so that `npm ci --offline` installs it from the tarballs `npm ci` left in the npm
 * cache. (A plain `npm install --offline` would also need the registry's package documents,
 * which `npm ci` never downloads.) The library itself comes from the packed tarball.
 */
export function scaffoldLockfile(repoLock: string, project: Record<string, any>, tarball: { readonly file: string; readonly spec: string }): object {
  const lock = JSON.parse(fs.readFileSync(repoLock, 'utf8')) as { packages: Record<string, Record<string, any>> };
  const library = JSON.parse(fs.readFileSync(repoLock.replace(/package-lock\.json$/, 'package.json'), 'utf8')) as Record<string, any>;
  const packages: Record<string, Record<string, any>> = {};
  const pending: Array<{ readonly from: string; readonly name: string; readonly optional: boolean }> = [];
  const want = (from: string, deps: Record<string, string> | undefined, optional = false): void => {
    for (const name of Object.keys(deps ?? {})) pending.push({ from, name, optional });
  };

  const rootDeps = Object.fromEntries(Object.entries(project.dependencies as Record<string, string>).filter(([n]) => n !== 'cdk8s-stacks'));
  want('', rootDeps);
  want('', project.devDependencies);
  want('', library.dependencies);
  while (pending.length > 0) {
    const { from, name, optional } = pending.pop()!;
    const location = resolve(lock.packages, from, name);
    if (location === undefined) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the project'}) is not in ${repoLock}`);
    }
    if (packages[location]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[location];
    packages[location] = entry;
    // Bundled dependencies come inside their parent's tarball, and are listed under it.
    for (const key of Object.keys(lock.packages)) {
      if (key.startsWith(`${location}/node_modules/`) && lock.packages[key].inBundle) packages[key] = lock.packages[key];
    }
    want(location, entry.dependencies);
    want(location, entry.optionalDependencies, true);
    want(location, entry.peerDependencies, true);
  }

  const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball.file)).digest('base64')}`;
  packages['node_modules/cdk8s-stacks'] = {
    version: library.version,
    resolved: tarball.spec,
    integrity,
    license: library.license,
    dependencies: library.dependencies,
    bin: library.bin,
    engines: library.engines,
    peerDependencies: library.peerDependencies,
  };
  const { name, version, dependencies, devDependencies, engines } = project;
  const root = { name, version, dependencies, devDependencies, engines };
  return { name, version, lockfileVersion: 3, requires: true, packages: { '': root, ...sortKeys(packages) } };
}

/** Node's lookup: the nearest node_modules/<name> from `from` upwards. */
function resolve(packages: Record<string, unknown>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return undefined;
    const index = dir.lastIndexOf('/node_modules/');
    dir = index < 0 ? '' : dir.slice(0, index);
  }
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
