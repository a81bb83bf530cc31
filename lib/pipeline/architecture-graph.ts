import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { BackupSchedule } from '../backup/backup-schedule';
import { SystemChart } from '../core/system-chart';
import { PublicEndpoint } from '../edge/public-endpoint';
import { Architecture, ArchitectureNodeKind } from '../gitops/architecture';
import { MigrationJob } from '../workloads/migration-job';
import { Workload } from '../workloads/workload';

/**
 * Synth pass: the system's architecture graph (drawn in the generated README), read from the
 * finished model: every workload and endpoint is a node; the relationships are what the
 * constructs' named methods recorded (`connect`, `gate`, endpoint routes, `store.backup()`).
 * Idempotent (nodes are replaced, edges are recorded once).
 */
export function recordArchitecture(chart: SystemChart): void {
  const graph = Architecture.of(chart);
  const constructs = chart.node.findAll().filter((c: IConstruct) => Chart.of(c) === chart);
  for (const construct of constructs) {
    if (construct instanceof Workload) {
      graph.addNode(construct.name, nodeKind(construct.role), `${construct.name}<br/>${construct.container.props.image}`);
      for (const connection of construct.storeConnections) {
        graph.addEdge(construct.name, connection.store.node.id, `${connection.scheme} :${connection.port}`);
      }
    }
    if (construct instanceof MigrationJob) {
      for (const workload of construct.gatedWorkloads) graph.addEdge(construct.name, workload.name, 'migrates schema before start');
    }
    if (construct instanceof BackupSchedule) {
      const store = construct.store.store.name;
      graph.addEdge(construct.name, store, `dumps ${construct.effectiveSchedule}`);
      graph.addEdge(construct.restoreJob.name, store, 'restores on demand');
    }
    if (construct instanceof PublicEndpoint) {
      // Prefixed: an endpoint may share its name with a workload.
      const node = `endpoint-${construct.name}`;
      graph.addNode(node, 'endpoint', construct.urls.join('<br/>'));
      for (const route of construct.routing) graph.addEdge(node, route.backend.name, `${route.host}${route.path}`);
    }
  }
}

function nodeKind(role: string): ArchitectureNodeKind {
  if (role === 'web-service') return 'service';
  if (role === 'worker') return 'worker';
  if (role === 'backup' || role === 'restore') return 'backup';
  if (['migration', 'scheduled-task', 'initialization'].includes(role)) return 'job';
  return 'store';
}
