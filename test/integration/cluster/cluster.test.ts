import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane, freePort, REPO, startControlPlane } from './control-plane';
import { crdsFor } from './crds';
import { standbyObjects } from './standby';
import { ENVIRONMENTS } from '../../../charts/environments';
import type { Environment } from '../../../lib';

/**
 * Every dist folder applied to a real kube-apiserver of the release its environment's profile
 * names (`platform.kubernetesVersion`: dev and staging 1.37, prod 1.27; one control plane per
 * pinned release):
 * server-side apply with strict field validation, every warning (Pod Security included)
 * a failure, a second apply that changes nothing, and pods of every workload admitted
 * (created by the real controllers under the namespace's Pod Security, ResourceQuota and
 * LimitRange). No kubelet runs, so pods stay Pending; admission is what is tested.
 */
const DIST = process.env.DIST_DIR ?? path.join(REPO, 'dist');
const VERSIONS = (
  process.env.K8S_VERSIONS ?? /K8S_VERSIONS="([^"]+)"/.exec(fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8'))![1]
).split(/\s+/);

type Json = Record<string, any>;

/**
 * The release (of VERSIONS) each environment runs on: the one its cluster profile names
 * (`platform.kubernetesVersion`), which is what the synth validated its objects against. A
 * profile naming a release the suite does not build fails here, loudly.
 */
function releaseOf(env: string): string {
  const minor = (ENVIRONMENTS as Record<string, Environment | undefined>)[env]?.platform.kubernetesVersion;
  if (minor === undefined) throw new Error(`dist/${env}: no environment '${env}' in charts/environments.ts`);
  const release = VERSIONS.find((v) => v === minor || v.startsWith(`${minor}.`));
  if (!release)
    throw new Error(
      `environment ${env} names Kubernetes ${minor} (platform.kubernetesVersion); the suite builds ${VERSIONS.join(', ')} (scripts/k8s/versions.env)`,
    );
  return release;
}

/** The dist folders of the environments that run on `version`. */
function folders(version: string): string[] {
  if (!fs.existsSync(DIST)) throw new Error(`${DIST} does not exist: run npm run synth`);
  const out: string[] = [];
  for (const env of fs.readdirSync(DIST).sort()) {
    if (releaseOf(env) !== version) continue;
    for (const folder of fs.readdirSync(path.join(DIST, env)).sort()) {
      if (fs.existsSync(path.join(DIST, env, folder, 'kustomization.yaml'))) out.push(path.join(env, folder));
    }
  }
  if (out.length === 0)
    throw new Error(`no dist folders under ${DIST} of an environment on Kubernetes ${version}: every built release should be some profile's`);
  // The platform layers first (the PriorityClasses every pod names), the Argo CD folders last:
  // Applications and AppProjects only need the argocd namespace and their CRDs.
  const rank = (f: string) => (f.endsWith('/platform') ? 0 : f.endsWith('/argocd') ? 2 : 1);
  return [...out].sort((a, b) => rank(a) - rank(b));
}

test('each environment names a release the suite builds, and each built release runs some environment', () => {
  const envs = fs.readdirSync(DIST).sort();
  const releases = Object.fromEntries(envs.map((env) => [env, releaseOf(env)]));
  expect(Object.keys(releases)).toEqual(['dev', 'prod', 'staging']);
  expect([...new Set(Object.values(releases))].sort()).toEqual([...VERSIONS].sort());
});

/**
 * The Argo Rollouts controller (the release the platform layer pins, built by
 * build-controllers.sh): the pods of a Rollout are made by it, through ReplicaSets, as a
 * Deployment's are by kube-controller-manager. Started only for the admission test, after the
 * idempotency check: it points the Services at a revision (rollouts-pod-template-hash in
 * their selectors), a write a second apply of the folder would meet as a conflict, which Argo
 * CD is told to leave alone (ignoreDifferences) and this suite's plain apply is not.
 */
async function startRollouts(plane: ControlPlane): Promise<void> {
  const version = /ARGO_ROLLOUTS_VERSION="([^"]+)"/.exec(fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8'))![1];
  const dir = path.join(process.env.CDK8S_STACKS_CACHE ?? path.join(REPO, '.cache'), 'controllers', 'argo-rollouts', version);
  if (!fs.existsSync(path.join(dir, '.complete')))
    throw new Error(
      `argo-rollouts ${version} is not built in ${dir}: run 'bash scripts/k8s/build-controllers.sh argo-rollouts' (npm run test:cluster does it)`,
    );
  plane.run('argo-rollouts', path.join(dir, 'argo-rollouts'), [
    `--kubeconfig=${plane.kubeconfig}`,
    '--leader-elect=false',
    `--metricsPort=${await freePort()}`,
    `--healthzPort=${await freePort()}`,
    // Without it the controller picks the Ingress API from /version's major and minor, which
    // this suite's 1.27 build leaves empty (the controller then exits: strconv.Atoi of ""); every
    // release the library supports serves networking.k8s.io/v1, what the flag names.
    '--ingress-api-version=networking/v1',
  ]);
}

function failedCreates(plane: ControlPlane, namespaces: string[]): Json[] {
  const events = JSON.parse(plane.kubectl(['get', 'events', '-A', '--field-selector', 'reason=FailedCreate', '-o', 'json']).stdout).items as Json[];
  return events.filter((e) => namespaces.includes(e.involvedObject.namespace));
}

function warningsOf(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^Warning:/i.test(l.trim()));
}

function applyFolder(plane: ControlPlane, folder: string): { stdout: string; warnings: string[] } {
  const result = plane.kubectl(['apply', '--server-side', '--field-manager=cdk8s-stacks', '--validate=strict', '-k', path.join(DIST, folder)], {
    allowFailure: true,
  });
  if (result.status !== 0) throw new Error(`apply of ${folder} failed:\n${result.stderr}`);
  return { stdout: result.stdout, warnings: warningsOf(result.stderr) };
}

function applyFiles(plane: ControlPlane, dir: string): string[] {
  const warnings: string[] = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const result = plane.kubectl(['apply', '--server-side', '--field-manager=cdk8s-stacks', '--validate=strict', '-f', path.join(dir, file)], {
      allowFailure: true,
    });
    if (result.status !== 0) throw new Error(`apply of ${path.relative(DIST, path.join(dir, file))} failed:\n${result.stderr}`);
    warnings.push(...warningsOf(result.stderr).map((w) => `${path.relative(DIST, path.join(dir, file))}: ${w}`));
  }
  return warnings;
}

/**
 * What an apply can change: `metadata.generation` where the kind has one (controllers
 * bump resourceVersion when they write status, which is not a change by the apply), else
 * the resourceVersion.
 */
function versions(plane: ControlPlane, folder: string): Record<string, string> {
  const list = JSON.parse(plane.kubectl(['get', '-k', path.join(DIST, folder), '-o', 'json']).stdout) as Json;
  const items: Json[] = list.items ?? [list];
  // What our apply owns: its managedFields entry (time and field set) changes only when an
  // apply changes the object. resourceVersion alone would also count controllers' writes
  // (the PV controller annotates claims, the HPA controller writes status).
  const ours = (o: Json) =>
    JSON.stringify((o.metadata.managedFields ?? []).filter((f: Json) => f.manager === 'cdk8s-stacks' && f.operation === 'Apply'));
  return Object.fromEntries(items.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, ours(o)]));
}

describe.each(VERSIONS)('Kubernetes %s', (version) => {
  let plane: ControlPlane;
  const applied: string[] = [];

  beforeAll(async () => {
    plane = await startControlPlane(version);
    plane.kubectl(['apply', '--server-side', '-f', crdsFor(version, plane.dir)]);
    plane.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
    // Argo CD's own install owns its namespace; the app-of-apps only adds Applications to it.
    plane.kubectl(['create', 'namespace', 'argocd']);
  }, 300_000);

  afterAll(() => plane?.stop());

  test('the harness can fail: the server rejects a selector mismatch, a root pod under restricted, and an unknown field', () => {
    plane.kubectl(['create', 'namespace', 'harness-check']);
    plane.kubectl(['label', 'namespace', 'harness-check', 'pod-security.kubernetes.io/enforce=restricted']);
    const apply = (manifest: Json) =>
      plane.kubectl(['apply', '--server-side', '--validate=strict', '-f', '-'], { input: JSON.stringify(manifest), allowFailure: true });
    const container = {
      name: 'c',
      image: 'busybox:1.36',
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    };
    const mismatch = apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mismatch', namespace: 'harness-check' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [container] } } },
    });
    expect(mismatch.status).not.toBe(0);
    expect(mismatch.stderr).toMatch(/selector`? does not match template `?labels/);

    const root = apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: 'harness-check' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { runAsUser: 0 } }] },
    });
    expect(root.status).not.toBe(0);
    expect(root.stderr).toMatch(/violates PodSecurity "restricted/);

    const unknown = apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'harness-check' },
      data: { a: 'b' },
      dataa: { a: 'b' },
    });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown field "dataa"|field not declared in schema/);

    // A Deployment whose pods violate restricted is accepted with a warning: the suite counts warnings as failures.
    const warned = apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'warned', namespace: 'harness-check' },
      spec: {
        selector: { matchLabels: { app: 'w' } },
        template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      },
    });
    expect(warningsOf(warned.stderr)).toEqual([expect.stringMatching(/would violate PodSecurity "restricted/)]);
  });

  test('the harness can fail: pods that admission refuses show up as FailedCreate events', async () => {
    const deadline = Date.now() + 60_000;
    let events: Json[] = [];
    while (Date.now() < deadline && events.length === 0) {
      events = failedCreates(plane, ['harness-check']);
      if (events.length === 0) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(events.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/violates PodSecurity "restricted/)]));
    plane.kubectl(['delete', 'namespace', 'harness-check', '--wait=false']);
  });

  test('server-side apply of every dist folder with strict validation: no error, no warning', () => {
    const warnings: string[] = [];
    for (const folder of folders(version)) {
      warnings.push(...applyFolder(plane, folder).warnings.map((w) => `${folder}: ${w}`));
      const restore = path.join(DIST, folder, 'restore');
      if (fs.existsSync(restore)) warnings.push(...applyFiles(plane, restore));
      applied.push(folder);
    }
    expect(warnings).toEqual([]);
  });

  test("a backup site's replica Cluster (engine.replicaOf) and the origin's ObjectStore are admitted, with no warning", () => {
    const env = fs
      .readdirSync(DIST)
      .sort()
      .find((e) => releaseOf(e) === version)!;
    const objects = standbyObjects(env as 'dev' | 'staging' | 'prod');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Cluster/db', 'ObjectStore/db-backups', 'ObjectStore/db-origin']);
    const namespace = objects[0].metadata.namespace;
    plane.kubectl(['create', 'namespace', namespace]);
    const result = plane.kubectl(['apply', '--server-side', '--field-manager=cdk8s-stacks', '--validate=strict', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      allowFailure: true,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const cluster = JSON.parse(plane.kubectl(['-n', namespace, 'get', 'cluster', 'db', '-o', 'json']).stdout) as Json;
    expect(cluster.spec.replica).toEqual({ enabled: true, source: 'origin' });
    expect(cluster.spec.bootstrap.recovery.source).toBe('origin');
    plane.kubectl(['delete', 'namespace', namespace, '--wait=false']);
  });

  test('a second apply changes nothing', () => {
    expect(applied.length).toBeGreaterThan(0);
    const changed: string[] = [];
    for (const folder of applied) {
      const before = versions(plane, folder);
      applyFolder(plane, folder);
      const after = versions(plane, folder);
      for (const [key, rv] of Object.entries(before)) if (after[key] !== rv) changed.push(`${folder}: ${key}`);
    }
    expect(changed).toEqual([]);
  });

  test('the pods of every workload are admitted (Pod Security restricted, quota, limits, service accounts)', async () => {
    expect(applied.length).toBeGreaterThan(0);
    const workloads: Array<{ ns: string; kind: string; name: string; selector: string }> = [];
    let rollouts = false;
    for (const folder of applied.filter((f) => !f.endsWith('/argocd') && !f.endsWith('/platform'))) {
      const list = JSON.parse(plane.kubectl(['get', '-k', path.join(DIST, folder), '-o', 'json']).stdout) as Json;
      for (const o of list.items as Json[]) {
        const ns = o.metadata.namespace;
        if (o.kind === 'CronJob') {
          const job = `${o.metadata.name}-admission`.slice(0, 52);
          plane.kubectl(['create', 'job', job, `--from=cronjob/${o.metadata.name}`, '-n', ns]);
          workloads.push({ ns, kind: 'Job', name: job, selector: `job-name=${job}` });
        } else if (o.kind === 'Job') {
          workloads.push({ ns, kind: 'Job', name: o.metadata.name, selector: `job-name=${o.metadata.name}` });
        } else if (['Deployment', 'StatefulSet', 'Rollout'].includes(o.kind)) {
          rollouts ||= o.kind === 'Rollout';
          const labels = o.spec.selector.matchLabels as Record<string, string>;
          workloads.push({
            ns,
            kind: o.kind,
            name: o.metadata.name,
            selector: Object.entries(labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(','),
          });
        }
      }
      const restore = path.join(DIST, folder, 'restore');
      if (fs.existsSync(restore)) {
        for (const file of fs.readdirSync(restore).filter((f) => f.endsWith('.yaml'))) {
          const o = JSON.parse(plane.kubectl(['get', '-f', path.join(restore, file), '-o', 'json']).stdout) as Json;
          if (o.kind === 'Job')
            workloads.push({ ns: o.metadata.namespace, kind: 'Job', name: o.metadata.name, selector: `job-name=${o.metadata.name}` });
        }
      }
    }
    expect(workloads.length).toBeGreaterThan(0);
    if (rollouts) await startRollouts(plane);
    const namespaces = [...new Set(workloads.map((w) => w.ns))];

    const deadline = Date.now() + 180_000;
    let missing = workloads;
    while (Date.now() < deadline) {
      missing = missing.filter(
        (w) => JSON.parse(plane.kubectl(['get', 'pods', '-n', w.ns, '-l', w.selector, '-o', 'json']).stdout).items.length === 0,
      );
      if (missing.length === 0) break;
      if (failedCreates(plane, namespaces).length > 0) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const failed = failedCreates(plane, namespaces).map(
      (e) => `${e.involvedObject.namespace}/${e.involvedObject.kind} ${e.involvedObject.name}: ${e.message}`,
    );
    expect(failed).toEqual([]);
    expect(missing.map((w) => `${w.ns}/${w.kind} ${w.name}`)).toEqual([]);
    // The Priority admission plugin resolved every pod's class (a missing class is refused above).
    const unprioritized = namespaces.flatMap((ns) =>
      (JSON.parse(plane.kubectl(['get', 'pods', '-n', ns, '-o', 'json']).stdout).items as Json[])
        .filter((p) => !/^stacks-(data|app|batch)$/.test(p.spec.priorityClassName ?? '') || !(p.spec.priority > 0))
        .map((p) => `${ns}/${p.metadata.name}: priorityClassName ${p.spec.priorityClassName}, priority ${p.spec.priority}`),
    );
    expect(unprioritized).toEqual([]);
  }, 300_000);
});

describe('stopping the control plane', () => {
  test('leaves no process running', async () => {
    const plane = await startControlPlane(VERSIONS[0]);
    const pids = [...plane.pids];
    expect(pids).toHaveLength(3);
    plane.stop();
    await new Promise((r) => setTimeout(r, 1000));
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(fs.existsSync(plane.dir)).toBe(false);
  }, 300_000);
});
