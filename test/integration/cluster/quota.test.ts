import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { PersistentVolume, SystemChart, synthesize, Worker } from '../../../lib';
import { testEnv, tmpdir, UNUSED_OUTDIR } from '../../support/synth';
import { applyPlatformPriorityClasses, ControlPlane, REPO, startControlPlane } from './control-plane';

/**
 * Issue 18's quota acceptance, on a real kube-apiserver and kube-controller-manager: a
 * system with a typed workload volume (PersistentVolume) and a raw claim added through the
 * escape hatch is synthesized; the generated Namespace, ResourceQuota and LimitRange are
 * applied, then the claims and the workloads. Both claims fit the generated quota, the
 * pods are admitted (created by the Deployment controller under the quota and Pod Security
 * restricted; no kubelet runs, so they stay Pending), and one more claim beyond the quota
 * is refused by the API server.
 */
const VERSIONS = (
  process.env.K8S_VERSIONS ?? /K8S_VERSIONS="([^"]+)"/.exec(fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8'))![1]
).split(/\s+/);

type Json = Record<string, any>;
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** The fixture system, synthesized into its own dist folder. */
function synthesizeFixture(): { folder: string; namespace: string } {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system: 'quota', environment: testEnv('prod') });
  const git = new Worker(chart, 'git', { image: 'docker.io/library/busybox:1.36.1', command: ['sleep', '3600'], replicas: 1, resources });
  const indexer = new Worker(chart, 'indexer', { image: 'docker.io/library/busybox:1.36.1', command: ['sleep', '3600'], replicas: 1, resources });
  new PersistentVolume(chart, 'repositories', { size: '5Gi' }).mountOn(git, '/data/repositories');
  // The escape hatch: a claim the library does not model, mounted through a raw volume.
  new ApiObject(chart, 'raw-claim', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'uploads' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } } },
  });
  indexer.addVolume({ name: 'uploads', persistentVolumeClaim: { claimName: 'uploads' } });
  indexer.container.mount('/data/uploads', 'uploads');
  const out = tmpdir('quota-dist');
  synthesize(app, { outdir: out });
  return { folder: path.join(out, 'prod', 'quota'), namespace: chart.namespaceName };
}

describe.each(VERSIONS)('Kubernetes %s: a workload volume and a raw claim fit the generated quota', (version) => {
  let plane: ControlPlane;
  let fixture: { folder: string; namespace: string };
  let files: string[];

  beforeAll(async () => {
    fixture = synthesizeFixture();
    files = fs.readdirSync(fixture.folder).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    plane = await startControlPlane(version);
    applyPlatformPriorityClasses(plane);
  }, 300_000);

  afterAll(() => plane?.stop());

  const apply = (file: string) =>
    plane.kubectl(['apply', '--server-side', '--field-manager=cdk8s-stacks', '--validate=strict', '-f', path.join(fixture.folder, file)], {
      allowFailure: true,
    });
  const kindOf = (file: string) => /^\d+-([a-z]+)-/.exec(file)?.[1];

  test('the generated quota counts both claims', () => {
    const quota = fs.readFileSync(
      path.join(
        fixture.folder,
        files.find((f) => kindOf(f) === 'resourcequota')!,
      ),
      'utf8',
    );
    expect(quota).toMatch(/persistentvolumeclaims: "\d+"/);
    expect(quota).toMatch(/requests\.storage: \d+(Gi|Mi)/);
    expect(files.filter((f) => kindOf(f) === 'persistentvolumeclaim').sort()).toEqual([
      expect.stringMatching(/-persistentvolumeclaim-repositories\.yaml$/),
      expect.stringMatching(/-persistentvolumeclaim-uploads\.yaml$/),
    ]);
  });

  test('namespace, quota and limits first, then both claims: created', () => {
    for (const kind of ['namespace', 'resourcequota', 'limitrange', 'serviceaccount', 'networkpolicy']) {
      for (const file of files.filter((f) => kindOf(f) === kind)) expect({ file, ...pick(apply(file)) }).toMatchObject({ file, status: 0 });
    }
    for (const file of files.filter((f) => kindOf(f) === 'persistentvolumeclaim'))
      expect({ file, ...pick(apply(file)) }).toMatchObject({ file, status: 0 });
    const claims = JSON.parse(plane.kubectl(['get', 'pvc', '-n', fixture.namespace, '-o', 'json']).stdout).items.map((c: Json) => c.metadata.name);
    expect(claims.sort()).toEqual(['repositories', 'uploads']);
    const used = JSON.parse(plane.kubectl(['get', 'resourcequota', '-n', fixture.namespace, '-o', 'json']).stdout).items[0].status?.used ?? {};
    // The quota controller may not have counted yet; admission already did (the claims were created under it).
    if (used.persistentvolumeclaims !== undefined) expect(used.persistentvolumeclaims).toBe('2');
  });

  test('the pods mounting them are admitted (quota, limits and Pod Security restricted)', async () => {
    for (const file of files.filter((f) => kindOf(f) === 'deployment'))
      expect({ file, ...pick(apply(file)) }).toMatchObject({ file, status: 0, warnings: [] });
    const deadline = Date.now() + 120_000;
    let pods: Json[] = [];
    while (Date.now() < deadline) {
      pods = JSON.parse(plane.kubectl(['get', 'pods', '-n', fixture.namespace, '-o', 'json']).stdout).items;
      if (pods.length >= 2) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const failed = JSON.parse(
      plane.kubectl(['get', 'events', '-n', fixture.namespace, '--field-selector', 'reason=FailedCreate', '-o', 'json']).stdout,
    ).items;
    expect(failed.map((e: Json) => e.message)).toEqual([]);
    const claimsOf = (pod: Json) =>
      (pod.spec.volumes ?? []).flatMap((v: Json) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
    expect(pods.flatMap(claimsOf).sort()).toEqual(['repositories', 'uploads']);
  }, 180_000);

  test('one more claim beyond the quota is refused by the API server', () => {
    const quota = JSON.parse(plane.kubectl(['get', 'resourcequota', '-n', fixture.namespace, '-o', 'json']).stdout).items[0];
    const hard = quota.spec.hard['requests.storage'] as string;
    const extra = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'one-too-many', namespace: fixture.namespace },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: hard } } },
    };
    const result = plane.kubectl(['create', '-f', '-'], { input: JSON.stringify(extra), allowFailure: true });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/exceeded quota: .*requests\.storage/);
  });
});

function pick(result: { status: number; stderr: string }): { status: number; stderr: string; warnings: string[] } {
  return {
    status: result.status,
    stderr: result.status === 0 ? '' : result.stderr,
    warnings: result.stderr.split('\n').filter((l) => /^Warning:/i.test(l.trim())),
  };
}
