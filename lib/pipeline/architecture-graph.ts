import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { BackupSchedule } from '../backup/backup-schedule';
import { BucketBackup } from '../data/bucket-backup';
import { SystemChart } from '../core/system-chart';
import { MongoDbInitJob } from '../data/mongodb';
import { ObjectStoreBucketJob } from '../data/minio';
import { StatefulStore } from '../data/stateful-store';
import { RedisProxy } from '../data/redis-proxy';
import { PublicEndpoint } from '../edge/public-endpoint';
import { Architecture, ArchitectureNodeDetails, ArchitectureNodeKind, routeLabel } from '../gitops/architecture';
import { MigrationJob } from '../workloads/migration-job';
import { ReplicatedWorkload } from '../workloads/replicated-workload';
import { ScheduledTask } from '../workloads/scheduled-task';
import { Workload } from '../workloads/workload';

/**
 * Synth pass: the system's architecture graph (drawn in the generated README), read from the
 * finished model: every workload and endpoint is a node with its details (image, pod count,
 * schedule, role notes); the relationships are what the constructs expose (`connect`, `gate`,
 * endpoint routes, `store.backup()`, the setup Jobs' stores). Idempotent (nodes are replaced,
 * edges are recorded once).
 */
export function recordArchitecture(chart: SystemChart): void {
  const graph = Architecture.of(chart);
  const constructs = chart.node.findAll().filter((c: IConstruct) => Chart.of(c) === chart);
  // Notes set by the relationship that explains a node (a restore Job is made by its backup).
  const notes = new Map<string, string>();
  for (const construct of constructs) {
    if (construct instanceof MigrationJob) {
      notes.set(construct.name, 'schema migration, runs first');
      for (const workload of construct.gatedWorkloads) graph.addEdge(construct.name, workload.name, 'migrates schema before start', 'migrate');
    }
    if (construct instanceof BackupSchedule || construct instanceof BucketBackup) {
      recordBackup(graph, construct);
      notes.set(construct.restoreJob.name, 'restore, run by hand');
    }
    if (construct instanceof ObjectStoreBucketJob) graph.addEdge(construct.name, construct.store.name, 'creates buckets, users', 'setup');
    if (construct instanceof MongoDbInitJob) graph.addEdge(construct.name, construct.store.name, 'initiates replica set, users', 'setup');
    if (construct instanceof PublicEndpoint) recordEndpoint(graph, construct);
    if (construct instanceof StatefulStore) recordEngine(graph, construct);
  }
  for (const workload of constructs.filter((c): c is Workload => c instanceof Workload && !(c instanceof RedisProxy))) {
    graph.addNode(workload.name, nodeKind(workload.role), workload.name, details(workload, notes.get(workload.name)));
    for (const connection of workload.storeConnections) {
      graph.addEdge(workload.name, connection.store.node.id, `${connection.scheme} :${connection.port}`);
    }
  }
}

function details(workload: Workload, note: string | undefined): ArchitectureNodeDetails {
  let replicas: string | undefined;
  if (workload instanceof ReplicatedWorkload) {
    const { minReplicas: min, maxReplicas: max } = workload;
    replicas = min === max ? `x${min}` : `x${min}-${max} (HPA)`;
  } else if (workload instanceof StatefulStore && workload.replicas > 1) {
    replicas = `x${workload.replicas}`;
  }
  if (workload instanceof ScheduledTask) note = `${workload.schedule} ${workload.timeZone ?? 'UTC'}`;
  if (workload instanceof StatefulStore) note = workload.engine.graph().note ?? note;
  return { image: workload.container.props.image, ...(replicas ? { replicas } : {}), ...(note ? { note } : {}) };
}

/** What the store's engine adds around it: an operator's setup Job, its backups, their destination and the restore path. */
function recordEngine(graph: Architecture, store: StatefulStore): void {
  const { nodes, edges } = store.engine.graph();
  for (const node of nodes) graph.addNode(node.id, node.kind, node.label, node.details);
  for (const edge of edges) graph.addEdge(edge.from, edge.to, edge.label, edge.kind);
}

/** Prefixed node: an endpoint may share its name with a workload. With one host, the node carries it. */
function recordEndpoint(graph: Architecture, endpoint: PublicEndpoint): void {
  const node = `endpoint-${endpoint.name}`;
  graph.addNode(node, 'endpoint', endpoint.urls.join('<br/>'));
  const oneHost = endpoint.hosts.length === 1;
  for (const route of endpoint.routing) {
    graph.addEdge(node, route.backend.name, routeLabel({ ...route, host: oneHost ? undefined : route.host }), 'route');
  }
}

/** Drawn as the data moves: store => backup Job => destination, and back through the restore Job. */
function recordBackup(graph: Architecture, backup: BackupSchedule | BucketBackup): void {
  const store = { name: backup.store.name, namespaceName: backup.store.chart.namespaceName };
  const destination = recordDestination(graph, backup, store);
  graph.addEdge(store.name, backup.name, backup instanceof BucketBackup ? 'mirror' : 'dump', 'backup');
  graph.addEdge(backup.name, destination, 'copy', 'backup');
  graph.addEdge(destination, backup.restoreJob.name, 'read backup', 'restore');
  graph.addEdge(backup.restoreJob.name, store.name, 'restores on demand', 'restore');
}

/**
 * The node of where the backups go: the claim with its size, or the bucket with the store's
 * prefix and server. One node per store, also when stores share a bucket: each store's
 * backup and restore path is then a loop of its own, which the layout keeps apart.
 */
function recordDestination(graph: Architecture, backup: BackupSchedule | BucketBackup, store: { name: string; namespaceName: string }): string {
  const target = backup.target;
  if (target.kind === 'volume') {
    const claim = `${store.name}-backups`;
    graph.addNode(`claim-${claim}`, 'destination', claim, { note: `volume claim ${target.volume.size}` });
    return `claim-${claim}`;
  }
  const s3 = target.s3;
  // The endpoint is validated with the other props: no URL parsing that could throw here.
  const server = s3.endpoint ? (/^https?:\/\/([^/:.]+)/.exec(String(s3.endpoint))?.[1] ?? String(s3.endpoint)) : 'AWS S3';
  const id = `bucket-${s3.bucket}-${store.name}`;
  graph.addNode(id, 'destination', s3.bucket, { note: `${s3.prefix ?? `${store.namespaceName}/${store.name}`}/ on ${server}` });
  return id;
}

function nodeKind(role: string): ArchitectureNodeKind {
  if (role === 'web-service') return 'service';
  if (role === 'worker') return 'worker';
  if (role === 'backup' || role === 'restore') return 'backup';
  if (['migration', 'scheduled-task', 'initialization'].includes(role)) return 'job';
  return 'store';
}
