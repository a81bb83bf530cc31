import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { SecurityException, SystemChart, synthesize, Worker } from '../../../lib';
import { testEnv, tmpdir, UNUSED_OUTDIR } from '../../support/synth';
import { applyPlatformPriorityClasses, ControlPlane, REPO, startControlPlane } from './control-plane';

/**
 * Issue 18's security exceptions against the real Pod Security admission: a container that
 * adds NET_BIND_SERVICE is admitted by a namespace enforcing `restricted` (the one capability
 * restricted allows), and a container that starts as root is admitted by the namespace its
 * exception lowered to `baseline`, while the same pod is refused by a `restricted` namespace.
 */
const VERSIONS = (
  process.env.K8S_VERSIONS ?? /K8S_VERSIONS="([^"]+)"/.exec(fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8'))![1]
).split(/\s+/);

type Json = Record<string, any>;
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

function synthesizeSystem(system: string, exception: SecurityException): string {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system, environment: testEnv('dev') });
  new Worker(chart, 'git', {
    image: 'docker.io/library/busybox:1.36.1',
    command: ['sleep', '3600'],
    replicas: 1,
    resources,
    securityException: exception,
  });
  const out = tmpdir(`pss-${system}`);
  synthesize(app, { outdir: out });
  return path.join(out, 'dev', system);
}

describe.each(VERSIONS)('Kubernetes %s: Pod Security admission of declared exceptions', (version) => {
  let plane: ControlPlane;
  const systems: Record<string, string> = {};

  beforeAll(async () => {
    systems.ssh = synthesizeSystem('ssh', { addCapabilities: ['NET_BIND_SERVICE'], reason: 'clients use port 22' });
    systems.root = synthesizeSystem('root', {
      startAsRoot: true,
      addCapabilities: ['SETUID', 'SETGID', 'CHOWN'],
      reason: 'the entrypoint chowns its volume, then drops to uid 10001',
      lowerNamespaceTo: 'baseline',
    });
    plane = await startControlPlane(version);
    applyPlatformPriorityClasses(plane);
  }, 300_000);

  afterAll(() => plane?.stop());

  const applyFiles = (folder: string, kinds: RegExp) => {
    const out: Array<{ file: string; status: number; warnings: string[] }> = [];
    for (const file of fs.readdirSync(folder).filter((f) => kinds.test(f))) {
      const r = plane.kubectl(['apply', '--server-side', '--validate=strict', '-f', path.join(folder, file)], { allowFailure: true });
      out.push({ file, status: r.status, warnings: r.stderr.split('\n').filter((l) => /^Warning:/i.test(l.trim())) });
    }
    return out;
  };
  const podsOf = async (ns: string): Promise<Json[]> => {
    const deadline = Date.now() + 120_000;
    let pods: Json[] = [];
    while (Date.now() < deadline && pods.length === 0) {
      pods = JSON.parse(plane.kubectl(['get', 'pods', '-n', ns, '-o', 'json']).stdout).items;
      if (pods.length === 0) await new Promise((r) => setTimeout(r, 2000));
    }
    return pods;
  };

  test.each([
    ['NET_BIND_SERVICE under restricted', 'ssh', 'ssh-dev', 'restricted'],
    ['a start as root under the baseline its exception asked for', 'root', 'root-dev', 'baseline'],
  ])(
    '%s: applied without warnings, pods admitted',
    async (_name, system, ns, level) => {
      const applied = applyFiles(systems[system], /^(00|10|15|60)-.*\.yaml$/);
      expect(applied.filter((a) => a.status !== 0 || a.warnings.length > 0)).toEqual([]);
      const namespace = JSON.parse(plane.kubectl(['get', 'namespace', ns, '-o', 'json']).stdout);
      expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(level);
      const pods = await podsOf(ns);
      expect(pods).toHaveLength(1);
      const failed = JSON.parse(plane.kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'json']).stdout).items;
      expect(failed.map((e: Json) => e.message)).toEqual([]);
    },
    180_000,
  );

  test('the same start-as-root pod is refused by a namespace enforcing restricted (why the exception must lower it)', async () => {
    const [pod] = await podsOf('root-dev');
    plane.kubectl(['create', 'namespace', 'strict']);
    plane.kubectl([
      'label',
      'namespace',
      'strict',
      'pod-security.kubernetes.io/enforce=restricted',
      'pod-security.kubernetes.io/enforce-version=v1.27',
    ]);
    const copy = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root-copy', namespace: 'strict' },
      spec: { ...pod.spec, serviceAccountName: 'default' },
    };
    delete copy.spec.nodeName;
    const result = plane.kubectl(['create', '-f', '-'], { input: JSON.stringify(copy), allowFailure: true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/violates PodSecurity "restricted:v1\.27"/);
    expect(result.stderr).toMatch(/unrestricted capabilities \(container "git" must not include "CHOWN", "SETGID", "SETUID"/);
    expect(result.stderr).toMatch(/runAsNonRoot != true/);
    expect(result.stderr).toMatch(/runAsUser=0/);
  }, 180_000);
});
