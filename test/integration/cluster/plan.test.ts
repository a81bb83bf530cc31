import * as fs from 'fs';
import * as path from 'path';
import { applyPlatformPriorityClasses, ControlPlane, REPO, startControlPlane } from './control-plane';
import { crdsFor } from './crds';
import { asTree, expectedServer, PlanChange, renderSide } from './plan-corpus/change';
import { PLAN_CORPUS } from './plan-corpus';
import { computePlan, Plan } from '../../../lib/plan/plan';
import { CurrentFolder, PlanObject } from '../../../lib/plan/model';

/**
 * The plan's "refused" class checked against real API servers, for every pinned release:
 * each change of the corpus (plan-corpus/) is applied as its baseline (server-side apply,
 * strict validation), then every object the change touches is applied again with
 * `--dry-run=server`. Every object the plan marks refused must be refused, and every
 * object the server refuses must be marked (refused, or conditional for a claim resize,
 * which depends on the claim being bound and its class allowing expansion). An object the
 * plan marks `ignored` (a Service left without clusterIP) must be accepted with its old
 * value kept.
 */
const VERSIONS = (
  process.env.K8S_VERSIONS ?? /K8S_VERSIONS="([^"]+)"/.exec(fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8'))![1]
).split(/\s+/);
const CHANGES = Object.values(PLAN_CORPUS).flat();

type Json = Record<string, any>;

/** Storage classes the corpus names; `expandable` and `fixed` are the classes of claims bound before a resize. */
const STORAGE_CLASSES = [
  { name: 'standard', allowVolumeExpansion: false },
  { name: 'fast', allowVolumeExpansion: false },
  { name: 'expandable', allowVolumeExpansion: true },
  { name: 'fixed', allowVolumeExpansion: false },
];

function applyJson(plane: ControlPlane, objects: readonly Json[], extra: string[] = []): { status: number; stdout: string; stderr: string } {
  return plane.kubectl(['apply', '--server-side', '--field-manager=cdk8s-stacks', '--validate=strict', ...extra, '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    allowFailure: true,
  });
}

/** Applies a rendered side like Argo CD: namespaces first, then every applied object in apply order. */
function applySide(plane: ControlPlane, folders: readonly CurrentFolder[]): void {
  const objects = folders.flatMap((f) => f.objects.filter((o) => !o.file.includes('/')).map((o) => o.object));
  for (const group of [objects.filter((o) => o.kind === 'Namespace'), objects.filter((o) => o.kind !== 'Namespace')]) {
    if (group.length === 0) continue;
    const result = applyJson(plane, group);
    if (result.status !== 0) throw new Error(`the baseline does not apply:\n${result.stderr}`);
  }
}

/** Binds every claim of the baseline to a volume of its own (static provisioning; the PV controller binds them). */
async function bindClaims(plane: ControlPlane, change: PlanChange, folders: readonly CurrentFolder[]): Promise<void> {
  const claims = folders.flatMap((f) => f.objects.map((o) => o.object)).filter((o) => o.kind === 'PersistentVolumeClaim');
  for (const claim of claims) {
    const volume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${change.id}-${claim.metadata.name}` },
      spec: {
        capacity: { storage: claim.spec.resources.requests.storage },
        accessModes: claim.spec.accessModes,
        storageClassName: claim.spec.storageClassName,
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: `/tmp/${change.id}-${claim.metadata.name}` },
        claimRef: { namespace: claim.metadata.namespace, name: claim.metadata.name },
      },
    };
    const result = applyJson(plane, [volume]);
    if (result.status !== 0) throw new Error(`volume for ${claim.metadata.name}: ${result.stderr}`);
  }
  const deadline = Date.now() + 60_000;
  for (const claim of claims) {
    for (;;) {
      const phase = plane.kubectl(['get', 'pvc', claim.metadata.name, '-n', claim.metadata.namespace, '-o', 'jsonpath={.status.phase}']).stdout;
      if (phase === 'Bound') break;
      if (Date.now() > deadline) throw new Error(`claim ${claim.metadata.name} not bound within 60 s (phase ${phase})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The objects a change touches on the API server: changed, renamed to, added (applied ones only). */
function touched(plan: Plan): PlanObject[] {
  return plan.folders.flatMap((f) => [...f.changed.map((c) => c.after), ...f.renamed.map((c) => c.after), ...f.added]).filter((o) => o.applied);
}

describe.each(VERSIONS)('plan against Kubernetes %s', (version) => {
  const minor = Number(version.split('.')[1]);
  let plane: ControlPlane;
  const refusedSomewhere: string[] = [];

  beforeAll(async () => {
    plane = await startControlPlane(version);
    plane.kubectl(['apply', '--server-side', '-f', crdsFor(version, plane.dir)]);
    plane.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
    applyPlatformPriorityClasses(plane);
    const classes = STORAGE_CLASSES.map((c) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: c.name },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: c.allowVolumeExpansion,
    }));
    const result = applyJson(plane, classes);
    if (result.status !== 0) throw new Error(result.stderr);
  }, 300_000);

  afterAll(() => plane?.stop());

  test.each(CHANGES.map((c) => [c.id, c] as const))(
    '%s',
    async (_id, change) => {
      const before = renderSide(change, 'before');
      const after = renderSide(change, 'after');
      const plan = computePlan(after.folders, asTree(before.folders), { kubernetesMinor: minor });
      applySide(plane, before.folders);
      if (change.boundClaims) await bindClaims(plane, change, before.folders);

      const refusedByServer = new Map<string, string>();
      const results = new Map<string, Json>();
      // The sync applies the namespace's quota and limits first (wave 10): applied for real,
      // so the dry runs of the claims and workloads after them see them as Argo CD's sync would.
      const first = touched(plan).filter((o) => o.kind === 'ResourceQuota' || o.kind === 'LimitRange');
      for (const object of first) {
        const result = applyJson(plane, [object.object]);
        if (result.status !== 0) refusedByServer.set(`${object.kind}/${object.name}`, result.stderr.trim());
      }
      for (const object of touched(plan).filter((o) => !first.includes(o))) {
        const result = applyJson(plane, [object.object], ['--dry-run=server', '-o', 'json']);
        if (result.status !== 0) refusedByServer.set(`${object.kind}/${object.name}`, result.stderr.trim());
        else results.set(`${object.kind}/${object.name}`, JSON.parse(result.stdout));
      }
      const marked = (outcome: string) => new Set(plan.findings.filter((f) => f.outcome === outcome).map((f) => f.object));
      const refused = marked('refused');
      const conditional = marked('conditional');
      // Every mark is a refusal, every refusal is marked (conditional marks may go either way).
      expect({ markedButAccepted: [...refused].filter((o) => !refusedByServer.has(o)) }).toEqual({ markedButAccepted: [] });
      expect({ refusedButNotMarked: [...refusedByServer].filter(([o]) => !refused.has(o) && !conditional.has(o)) }).toEqual({
        refusedButNotMarked: [],
      });
      // Accepted but ignored: the API server keeps the old value.
      for (const f of plan.findings.filter((x) => x.outcome === 'ignored')) {
        const live = results.get(f.object);
        expect(live).toBeDefined();
        expect(live!.spec?.[f.field.replace(/^spec\./, '')]).toEqual(f.before);
      }
      // The corpus says what the server does; the run confirms it.
      expect(refusedByServer.size > 0 ? 'refuses' : 'accepts').toBe(expectedServer(change, minor));
      if (refusedByServer.size > 0) refusedSomewhere.push(change.id);
    },
    120_000,
  );

  test('the differential test can fail: refusals happened and were compared', () => {
    expect(refusedSomewhere.length).toBeGreaterThanOrEqual(15);
  });
});
