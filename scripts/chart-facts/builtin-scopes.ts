/**
 * The scope (cluster or namespaced) of every built-in Kubernetes kind, read from the API's
 * Go sources (k8s.io/api, k8s.io/apiextensions-apiserver, k8s.io/kube-aggregator) in the Go
 * module cache: a type marked `+genclient` is a served resource, `+genclient:nonNamespaced`
 * a cluster-scoped one; the group is the package's `+groupName`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Scope = 'Cluster' | 'Namespaced';

/** The module folders for the Kubernetes release the platform targets. */
export function apiSourceDirs(k8sModuleVersion: string): string[] {
  const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dirs = [
    join(cache, `k8s.io/api@${k8sModuleVersion}`),
    join(cache, `k8s.io/apiextensions-apiserver@${k8sModuleVersion}/pkg/apis`),
    join(cache, `k8s.io/kube-aggregator@${k8sModuleVersion}/pkg/apis`),
  ];
  const missing = dirs.filter((d) => !existsSync(d));
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes API sources not in the Go module cache: ${missing.join(', ')}. ` +
        `They come with the Helm build (see scripts/chart-facts/README.md), or: ` +
        `go mod download k8s.io/api@${k8sModuleVersion} k8s.io/apiextensions-apiserver@${k8sModuleVersion} k8s.io/kube-aggregator@${k8sModuleVersion}`,
    );
  }
  return dirs;
}

/** `group/Kind` -> scope of every built-in kind under `dirs`. */
export function builtinScopes(dirs: readonly string[]): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  for (const dir of dirs) walk(dir, scopes);
  return scopes;
}

function walk(dir: string, scopes: Map<string, Scope>): void {
  const entries = readdirSync(dir);
  const goFiles = entries.filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.startsWith('zz_generated') && !f.startsWith('generated'));
  const doc = entries.includes('doc.go') ? readFileSync(join(dir, 'doc.go'), 'utf8') : '';
  const register = entries.includes('register.go') ? readFileSync(join(dir, 'register.go'), 'utf8') : '';
  // The group: the package's `+groupName` marker, else its `GroupName` constant.
  const group = (/^\/\/ \+groupName=(.*)$/m.exec(doc)?.[1] ?? /^const GroupName = "(.*)"$/m.exec(register)?.[1])?.trim();
  if (group !== undefined) {
    for (const f of goFiles) {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n');
      let block: string[] = [];
      for (const line of lines) {
        const m = /^type (\w+) struct/.exec(line);
        if (m) {
          const markers = block.filter((l) => /^\/\/\s*\+genclient(:nonNamespaced)?\s*$/.test(l.trim()));
          if (markers.length > 0) {
            const cluster = markers.some((l) => l.includes('nonNamespaced'));
            scopes.set(`${group}/${m[1]}`, cluster ? 'Cluster' : 'Namespaced');
          }
        }
        // The markers sit in the comment lines above the type, possibly separated from its doc by a blank line.
        block = line.startsWith('//') || line.trim() === '' ? [...block, line] : [];
      }
    }
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (!e.startsWith('.') && e !== 'testdata' && statSync(p).isDirectory()) walk(p, scopes);
  }
}
