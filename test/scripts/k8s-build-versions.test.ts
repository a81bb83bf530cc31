/** scripts/k8s/build.sh builds the releases in K8S_VERSIONS when the environment sets it, else the pinned ones. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpdir } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');

/** A cache where `versions` are already built (so build.sh only says so), and a `go` that must not be run. */
function run(env: Record<string, string>): string {
  const cache = tmpdir('k8s-cache');
  for (const v of ['1.30.1', '1.27.16', '1.37.2'])
    for (const b of ['kube-apiserver', 'kube-controller-manager', 'kubectl', 'kube-scheduler']) {
      fs.mkdirSync(path.join(cache, 'k8s', v, 'bin'), { recursive: true });
      fs.writeFileSync(path.join(cache, 'k8s', v, 'bin', b), '#!/bin/sh\n', { mode: 0o755 });
    }
  const bin = tmpdir('fake-go');
  fs.writeFileSync(path.join(bin, 'go'), '#!/bin/sh\necho "go must not run" >&2; exit 1\n', { mode: 0o755 });
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'k8s', 'build.sh')], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, CDK8S_STACKS_CACHE: cache, ...env },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

test('K8S_VERSIONS from the environment is honoured', () => {
  const out = run({ K8S_VERSIONS: '1.30.1' });
  expect(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(':')[0]),
  ).toEqual(['k8s 1.30.1']);
});

test('without it, the pinned releases of versions.env', () => {
  const pinned = /^K8S_VERSIONS="([^"]+)"/m.exec(fs.readFileSync(path.join(ROOT, 'scripts', 'k8s', 'versions.env'), 'utf8'))![1].split(' ');
  const out = run({});
  expect(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(':')[0]),
  ).toEqual(pinned.map((v) => `k8s ${v}`));
});
