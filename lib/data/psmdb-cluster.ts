/** Percona Operator for MongoDB release whose CRD (imports/crds/psmdb.percona.com_perconaservermongodbs.yaml) this output is written against. */
export const PSMDB_VERSION = '1.23.0';

/** What the operator's images, ports and users are at that release (deploy/cr.yaml, pkg/naming). */
export const PSMDB = {
  port: 27017,
  uid: 1001,
} as const;

/** The labels the operator puts on the mongod pods of one replica set. */
export function psmdbPodLabels(cluster: string, replset: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'percona-server-mongodb',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/managed-by': 'percona-server-mongodb-operator',
    'app.kubernetes.io/part-of': 'percona-server-mongodb',
    'app.kubernetes.io/replset': replset,
    'app.kubernetes.io/component': 'mongod',
  };
}
