/**
 * The order objects are applied in. File names start with this number so that
 * `kubectl apply -f dist/<env>/<system>/` creates the namespace and configuration before
 * the workloads that use them; the same number is the Argo CD sync wave, so both ways of
 * deploying agree.
 */
const ORDER: Record<string, number> = {
  Namespace: 0,
  // cluster-scoped configuration
  ClusterIssuer: 5,
  ClusterSecretStore: 5,
  ClusterRole: 5,
  ClusterRoleBinding: 5,
  // identity, guard rails
  ServiceAccount: 10,
  Role: 10,
  RoleBinding: 10,
  ResourceQuota: 10,
  LimitRange: 10,
  NetworkPolicy: 15,
  // configuration and secrets
  SecretStore: 20,
  Password: 20,
  ExternalSecret: 21,
  Secret: 21,
  ConfigMap: 21,
  Issuer: 22,
  Certificate: 23,
  Middleware: 23,
  // the Barman Cloud plugin's bucket settings, before the CloudNativePG Cluster that archives to them
  ObjectStore: 23,
  // storage and addresses
  PersistentVolumeClaim: 30,
  Service: 30,
  // data before the applications that use it
  StatefulSet: 40,
  Cluster: 40,
  ScheduledBackup: 45,
  Job: 50,
  Deployment: 60,
  DaemonSet: 60,
  CronJob: 60,
  // scaling and availability
  HorizontalPodAutoscaler: 70,
  VerticalPodAutoscaler: 70,
  PodDisruptionBudget: 70,
  // edge
  Ingress: 80,
  // observability
  ServiceMonitor: 90,
  PodMonitor: 90,
  PrometheusRule: 90,
  // GitOps
  Application: 95,
};

/** Kinds that are not namespaced: they must not carry `metadata.namespace`. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'ClusterIssuer',
  'ClusterSecretStore',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
]);

/** The apply order of a kind, or undefined for a kind the layout does not know. */
export function applyOrderOf(kind: string): number | undefined {
  return ORDER[kind];
}

export function knownKinds(): string[] {
  return Object.keys(ORDER);
}
