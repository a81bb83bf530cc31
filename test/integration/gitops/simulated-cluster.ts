import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { ControlPlane, REPO, startControlPlane, tail } from '../cluster/control-plane';

/**
 * A cluster as Argo CD sees a real one, on 127.0.0.1: the project's control plane (etcd,
 * kube-apiserver, kube-controller-manager) plus kube-scheduler, and nodes from kwok. kwok
 * runs no containers: it plays the kubelet with its release's own stages, so scheduled pods
 * become Running and Ready, and pods owned by a Job complete. The nodes sit in three zones
 * (`topology.kubernetes.io/zone`), two per zone, so the scheduler honours anti-affinity and
 * topology spread constraints as on a real cluster. Storage is the path real clusters take:
 * no-provisioner StorageClasses with `WaitForFirstConsumer` and local PersistentVolumes
 * pre-created on every node, so a claim binds only once a pod using it is scheduled, to a
 * volume on that pod's node.
 */
export interface SimulatedCluster {
  readonly plane: ControlPlane;
  /** The API server's URL, as a client outside the cluster reaches it. */
  readonly server: string;
  readonly nodes: readonly string[];
  /** Tail of a process's log (kube-scheduler, kwok, ...). */
  log(name: string, lines?: number): string;
}

type Json = Record<string, any>;

export const CACHE = process.env.CDK8S_STACKS_CACHE ?? path.join(REPO, '.cache');
const VERSIONS_ENV = fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8');
export const setting = (name: string): string => new RegExp(`${name}="([^"]+)"`).exec(VERSIONS_ENV)![1];
/** The newest pinned release: the only one build.sh gives a kube-scheduler. */
export const NEWEST = setting('K8S_VERSIONS').split(/\s+/).pop()!;

export const ZONES = ['zone-a', 'zone-b', 'zone-c'] as const;
const NODES_PER_ZONE = 2;
/** What each fake node offers: enough for prod's requests with room for a rolling update. */
const NODE_CAPACITY = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '200Gi' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function poll<T>(what: string, seconds: number, attempt: () => T | undefined, logs: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${seconds} s\n${logs()}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** A binary a build script cached; a missing one fails with the command that builds it. */
export function cached(file: string, build: string): string {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run '${build}' (npm run test:gitops does it)`);
  return file;
}

export async function startSimulatedCluster(): Promise<SimulatedCluster> {
  const scheduler = cached(path.join(CACHE, 'k8s', NEWEST, 'bin', 'kube-scheduler'), `bash scripts/k8s/build.sh ${NEWEST}`);
  const kwokDir = path.join(CACHE, 'gitops', 'kwok', setting('KWOK_VERSION'));
  const kwok = cached(path.join(kwokDir, 'kwok'), 'bash scripts/k8s/build-gitops.sh kwok');
  const stages = path.join(kwokDir, 'stages');
  cached(path.join(stages, '.complete'), 'bash scripts/k8s/build-gitops.sh kwok');

  // A long node grace period: on a loaded machine kwok's lease renewals can lag past the
  // default 50 s, and the node lifecycle controller would then mark the nodes NotReady and
  // their pods not Ready for good (kwok's stages make a pod Ready once, when it starts). The
  // controller stays on: it removes the not-ready taint new nodes are admitted with.
  const plane = await startControlPlane(NEWEST, { controllerManagerArgs: ['--node-monitor-grace-period=10m'] });
  const log = (name: string, lines = 40) => `--- ${name}.log\n${tail(path.join(plane.dir, `${name}.log`), lines)}`;
  try {
    const server = /server: (\S+)/.exec(fs.readFileSync(plane.kubeconfig, 'utf8'))![1];
    const schedulerProcess = plane.run('kube-scheduler', scheduler, [
      `--kubeconfig=${plane.kubeconfig}`,
      `--authentication-kubeconfig=${plane.kubeconfig}`,
      `--authorization-kubeconfig=${plane.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      '--leader-elect=false',
    ]);

    const nodes: string[] = [];
    for (const zone of ZONES) for (let i = 1; i <= NODES_PER_ZONE; i++) nodes.push(`kwok-${zone}-${i}`);
    const nodeObjects = nodes.map((name, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        // kwok manages only the nodes carrying this annotation (see --manage-nodes-with-annotation-selector).
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': ZONES[Math.floor(i / NODES_PER_ZONE)],
          'topology.kubernetes.io/region': 'simulated',
          type: 'kwok',
        },
      },
      spec: {},
      status: { allocatable: NODE_CAPACITY, capacity: NODE_CAPACITY },
    }));
    plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodeObjects }) });

    const stageFiles = fs
      .readdirSync(stages)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    const kwokProcess = plane.run('kwok', kwok, [
      `--kubeconfig=${plane.kubeconfig}`,
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--cidr=10.244.0.1/16',
      '--node-ip=10.0.0.1',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${await freePort()}`,
      ...stageFiles.flatMap((f) => ['--config', path.join(stages, f)]),
    ]);
    await poll(
      'the kwok nodes did not become Ready',
      90,
      () => {
        for (const [name, child] of [
          ['kube-scheduler', schedulerProcess],
          ['kwok', kwokProcess],
        ] as const)
          if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}\n${log(name)}`);
        const list = JSON.parse(plane.kubectl(['get', 'nodes', '-o', 'json']).stdout).items as Json[];
        const ready = list.filter((n) => n.status?.conditions?.some((c: Json) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === nodes.length ? true : undefined;
      },
      () => log('kwok'),
    );
    return { plane, server, nodes, log };
  } catch (error) {
    plane.stop();
    throw error;
  }
}

/** One claim the environment will make: its storage class (undefined: the cluster default), size and access modes. */
export interface Claim {
  readonly storageClass?: string;
  readonly size: string;
  readonly accessModes: readonly string[];
  readonly owner: string;
}

/**
 * Every claim the objects of a dist tree make once their controllers run: PersistentVolumeClaims,
 * StatefulSets' volumeClaimTemplates (per replica) and the Prometheus' storage template (per
 * replica and shard, what prometheus-operator turns into a StatefulSet).
 */
export function claimsOf(objects: readonly Json[]): Claim[] {
  const claims: Claim[] = [];
  const add = (template: Json, count: number, owner: string) => {
    for (let i = 0; i < count; i++)
      claims.push({
        storageClass: template.spec?.storageClassName,
        size: template.spec?.resources?.requests?.storage ?? '1Gi',
        accessModes: template.spec?.accessModes ?? ['ReadWriteOnce'],
        owner: `${owner}[${i}]`,
      });
  };
  for (const o of objects) {
    const id = `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    if (o.kind === 'PersistentVolumeClaim') add(o, 1, id);
    if (o.kind === 'StatefulSet') for (const t of o.spec?.volumeClaimTemplates ?? []) add(t, o.spec?.replicas ?? 1, id);
    if (o.kind === 'Prometheus' && o.spec?.storage?.volumeClaimTemplate)
      add(o.spec.storage.volumeClaimTemplate, (o.spec.replicas ?? 1) * (o.spec.shards ?? 1), id);
  }
  return claims;
}

/** A storage class of the simulated cluster; `shared` for the profile's file class (storage.sharedClass). */
export interface SimulatedStorageClass {
  readonly name: string;
  readonly reclaimPolicy: 'Delete' | 'Retain';
  readonly shared?: boolean;
}

/**
 * The storage classes (no provisioner, `WaitForFirstConsumer`; the first one the cluster's
 * default) and their volumes, of each claim's size and modes (the binder takes the smallest
 * fit, so none is bigger than asked):
 * - a block class gets, on every node, one local PersistentVolume per claim: whichever node the
 *   scheduler picks for a pod, a volume for each of its claims is there;
 * - the shared (file) class gets one NFS PersistentVolume per claim and no node affinity, as a
 *   real file service's volumes are: every node mounts it, so the pods of a workload that share
 *   it still spread over the nodes. (A local volume would pin them all to one node, which
 *   would hide a spread the real cluster has; kwok's nodes mount nothing, so the NFS server
 *   is never contacted.)
 */
export function createStorage(cluster: SimulatedCluster, classes: readonly SimulatedStorageClass[], claims: readonly Claim[]): number {
  const items: Json[] = classes.map((c, i) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: c.name, annotations: i === 0 ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: c.reclaimPolicy,
  }));
  const known = new Map(classes.map((c) => [c.name, c]));
  const unknown = claims.filter((c) => c.storageClass !== undefined && !known.has(c.storageClass));
  if (unknown.length > 0)
    throw new Error(
      `claims name storage classes the simulated cluster does not have: ${unknown.map((c) => `${c.owner} (${c.storageClass})`).join(', ')}`,
    );
  let n = 0;
  const volume = (name: string, claim: Claim, source: Json): Json => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: claim.size },
      accessModes: claim.accessModes,
      storageClassName: claim.storageClass ?? classes[0].name,
      persistentVolumeReclaimPolicy: 'Retain',
      ...source,
    },
  });
  const sharedClaims = claims.filter((c) => known.get(c.storageClass ?? classes[0].name)?.shared);
  for (const claim of sharedClaims) {
    const name = `files-${n++}`;
    items.push(volume(name, claim, { nfs: { server: 'files.simulated.internal', path: `/exports/${name}` } }));
  }
  for (const node of cluster.nodes) {
    for (const claim of claims.filter((c) => !sharedClaims.includes(c))) {
      const name = `local-${node}-${n++}`;
      items.push(
        volume(name, claim, {
          local: { path: `/mnt/disks/${name}` },
          nodeAffinity: {
            required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
          },
        }),
      );
    }
  }
  cluster.plane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  return items.length - classes.length;
}

/** The YAML objects of every file under `dir` (recursively), kustomizations and READMEs left out. */
export function objectsUnder(dir: string): Json[] {
  const out: Json[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Restore Jobs are run by hand, never synced by Argo CD.
      if (entry.name !== 'restore') out.push(...objectsUnder(file));
    } else if (entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml') {
      out.push(
        ...parseAllDocuments(fs.readFileSync(file, 'utf8'))
          .map((d) => d.toJS() as Json)
          .filter(Boolean),
      );
    }
  }
  return out;
}

/** CRD files rewritten as YAML 1.1 for kubectl (an unquoted `Off`, a VPA enum value, is false in 1.1). */
export function writeCrds(sources: readonly string[], to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const source of sources) {
    const docs = parseAllDocuments(fs.readFileSync(source, 'utf8'))
      .map((d) => d.toJS())
      .filter(Boolean);
    fs.writeFileSync(path.join(to, path.basename(source)), docs.map((d) => stringify(d, { version: '1.1' })).join('---\n'));
  }
}
