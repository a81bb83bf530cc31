import { ApiObject } from 'cdk8s';
/**
 * The order objects are applied in. File names start with this number so that
 * `kubectl apply -f dist/<env>/<system>/` creates the namespace and configuration before
 * the workloads that use them; the same number is the Argo CD sync wave, so both ways of
 * deploying agree.
 */
const ORDER: Record<string, number> = {
  Namespace: 0,
  // cluster-scoped configuration
  PriorityClass: 5,
  StorageClass: 5,
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
  // the mesh's mTLS and authorization, before the pods they protect start
  PeerAuthentication: 15,
  AuthorizationPolicy: 15,
  // traffic policy of a Service (the mesh's circuit breakers), with the Services
  DestinationRule: 30,
  // configuration and secrets
  SecretStore: 20,
  Password: 20,
  ExternalSecret: 21,
  Secret: 21,
  ConfigMap: 21,
  Issuer: 22,
  Certificate: 23,
  Middleware: 23,
  ReferenceGrant: 23,
  // the Barman Cloud plugin's bucket settings, before the CloudNativePG Cluster that archives to them
  ObjectStore: 23,
  // the image a CloudNativePG Cluster selects by major version, before the Cluster
  ImageCatalog: 23,
  // alert routes, before the Alertmanager whose base configuration one of them is
  AlertmanagerConfig: 23,
  // storage and addresses
  PersistentVolumeClaim: 30,
  Service: 30,
  // data before the applications that use it (a BackupPolicy before the cluster naming it)
  BackupPolicy: 35,
  StatefulSet: 40,
  MySQLCluster: 40,
  PerconaServerMongoDB: 40,
  // the operator makes a StatefulSet of it
  Prometheus: 40,
  Alertmanager: 40,
  Cluster: 40,
  ScheduledBackup: 45,
  Job: 50,
  Deployment: 60,
  // Argo Rollouts: the Rollout replaces a Deployment; its AnalysisTemplate is read when a release starts
  Rollout: 60,
  AnalysisTemplate: 60,
  DaemonSet: 60,
  CronJob: 60,
  // scaling and availability
  HorizontalPodAutoscaler: 70,
  VerticalPodAutoscaler: 70,
  PodDisruptionBudget: 70,
  // edge
  Ingress: 80,
  Gateway: 80,
  HTTPRoute: 80,
  GRPCRoute: 80,
  BackendTrafficPolicy: 80,
  ClientTrafficPolicy: 80,
  // observability
  ServiceMonitor: 90,
  PodMonitor: 90,
  PrometheusRule: 90,
  // GitOps: the project first, then the Applications (the root, the platform and the systems override their wave)
  AppProject: 91,
  Application: 95,
  // a platform object whose CRD a platform Application installs (Envoy Gateway's chart brings the Gateway API CRDs)
  GatewayClass: 96,
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
  'GatewayClass',
]);

/** The apply order of a kind, or undefined for a kind the layout does not know. */
export function applyOrderOf(kind: string): number | undefined {
  return ORDER[kind];
}

const ORDER_OVERRIDES = new WeakMap<ApiObject, number>();

/**
 * Places one object at `order` instead of its kind's place (file prefix and Argo CD sync
 * wave), for objects of one kind that must be ordered among themselves: the Argo CD
 * Application of the platform layer before those of the systems.
 */
export function setApplyOrder(object: ApiObject, order: number): void {
  ORDER_OVERRIDES.set(object, order);
}

/** The apply order of one object: its own if it was given one, else its kind's. */
export function applyOrderOfObject(object: ApiObject, kind: string): number | undefined {
  return ORDER_OVERRIDES.get(object) ?? ORDER[kind];
}

export function knownKinds(): string[] {
  return Object.keys(ORDER);
}
