import { ApiObject } from 'cdk8s';
import { Duration, durationProblem, prometheusDuration } from '../core/duration';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Environment } from '../core/environment';
import { checkDnsLabel } from '../core/naming';
import { DEFAULT_PROMETHEUS_PROFILE } from '../core/platform';
import { requirePlatform } from '../core/platform-requirements';
import { checkProps, objectOrUndefined } from '../core/prop-check';
import { checkQuantity } from '../core/quantity';
import { addCheck } from '../core/validation';
import { ALERTMANAGER_SERVICE } from './alertmanager-server';

/**
 * The Prometheus release the server runs: the newest one prometheus-operator 0.90.1 (the
 * operator the cluster suite runs) lists as compatible.
 */
export const PROMETHEUS_VERSION = 'v3.7.3';
const PROMETHEUS_IMAGE = `quay.io/prometheus/prometheus:${PROMETHEUS_VERSION}`;

/** The Prometheus object's `monitoring.coreos.com/v1` identity. */
export const PROMETHEUS_GVK = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus' } as const;

/** Requests and limits of the Prometheus container. */
export interface PrometheusServerResources {
  /** CPU request. @default '500m' */
  readonly cpu?: string;
  /** Memory request and limit (Prometheus is killed, not throttled, past it). @default '2Gi' */
  readonly memory?: string;
}

export interface PrometheusServerProps {
  /** The environment whose cluster profile (`platform.prometheus`) the server follows. */
  readonly environment: Environment;
  /** Name of the Prometheus object (the operator names its StatefulSet `prometheus-<name>`). @default 'prometheus' */
  readonly name?: string;
  /** How long samples are kept. @default Duration.days(2) in dev, Duration.days(15) in staging and prod */
  readonly retention?: Duration;
  /** Prometheus replicas (each scrapes every target). @default 1 in dev, 2 in staging and prod */
  readonly replicas?: number;
  /** Size of each replica's volume, from the profile's default storage class. @default - an emptyDir in dev, '50Gi' in staging and prod */
  readonly storageSize?: string;
  /** Container resources. @default - 500m CPU, 2Gi memory */
  readonly resources?: PrometheusServerResources;
  /**
   * Accept samples on `/api/v1/write` (Prometheus' remote-write receiver): Tempo's span metrics
   * arrive that way. Anyone who can reach port 9090 can then write series, so the platform layer
   * turns it on only when a system asks for span metrics. @default false
   */
  readonly remoteWriteReceiver?: boolean;
}

/** Replicas of an environment's Prometheus unless its props say otherwise: one in dev, two elsewhere. */
export function defaultPrometheusReplicas(environment: string | undefined): number {
  return environment === 'dev' ? 1 : 2;
}

/**
 * The remote-write URL of each replica of a Prometheus, through the per-pod names of the
 * `prometheus-operated` Service the operator makes: every replica must receive every sample (a
 * write to the Service would reach one replica, and the replicas would disagree).
 */
export function prometheusWriteUrls(namespace: string, name: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `http://prometheus-${name}-${i}.prometheus-operated.${namespace}.svc:9090/api/v1/write`);
}

/**
 * The Prometheus that scrapes the systems and evaluates their rules, as a
 * prometheus-operator `Prometheus` object with its ServiceAccount and the cluster-wide
 * read access it needs to discover targets. Everything it must agree with comes from the
 * environment's profile (`platform.prometheus`):
 *
 * - `serviceMonitorSelector` and `podMonitorSelector` match the profile's
 *   `serviceMonitorLabels`, `ruleSelector` its `ruleLabels` (the labels the library puts on
 *   every ServiceMonitor and PrometheusRule);
 * - the namespace selectors are `{}` (every namespace): each system has a namespace of its
 *   own per environment, and a namespace label as a second gate would drop a system's
 *   monitors silently whenever its Namespace lacked it. The object labels are the one gate,
 *   derived from the same profile on both sides;
 * - the pods carry the profile's `pods.podLabels`, the labels the systems' NetworkPolicies
 *   admit to their metrics ports; the object lives in `pods.namespace`;
 * - alerts go to the Alertmanager of the same namespace (AlertmanagerServer, through the
 *   `alertmanager-operated` Service the operator makes for it).
 */
export class PrometheusServer extends Construct {
  /** The Prometheus object's name. */
  public readonly name: string;
  /** Its namespace (the profile's `prometheus.pods.namespace`). */
  public readonly namespace: string;
  /** Its replicas. */
  public readonly replicas: number;
  /** Whether it accepts remote writes. */
  public readonly remoteWriteReceiver: boolean;

  constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    checkProps(this, 'PrometheusServerProps', props);
    // An environment that is not one (reported by checkProps) renders with the default profile.
    const env: Partial<Environment> = typeof props?.environment === 'object' && props.environment !== null ? props.environment : {};
    const profile = env.platform?.prometheus ?? DEFAULT_PROMETHEUS_PROFILE;
    const storageClass = env.platform?.storage?.defaultClass;
    this.name = props?.name ?? 'prometheus';
    const p: Partial<PrometheusServerProps> = objectOrUndefined(props) ?? {};
    this.namespace = profile.pods.namespace;
    const dev = env.name === 'dev';
    const retention = p.retention === undefined ? (dev ? '2d' : '15d') : prometheusDuration(p.retention);
    const replicas = p.replicas ?? defaultPrometheusReplicas(env.name);
    this.replicas = replicas;
    this.remoteWriteReceiver = p.remoteWriteReceiver === true;
    const storageSize = p.storageSize ?? (dev ? undefined : '50Gi');
    const cpu = objectOrUndefined(p.resources)?.cpu ?? '500m';
    const memory = objectOrUndefined(p.resources)?.memory ?? '2Gi';
    // Cluster-scoped names carry the namespace: two Prometheus servers of one cluster keep their own access.
    const clusterName = `${this.namespace}-${this.name}`;
    const serviceAccountName = this.name;
    const labels = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/instance': this.name };

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name: serviceAccountName, namespace: this.namespace, labels },
      // Prometheus authenticates to the API server with this token for service discovery (the ClusterRole below).
      automountServiceAccountToken: true,
    });
    new k8s.KubeClusterRole(this, 'cluster-role', {
      metadata: { name: clusterName, labels },
      rules: [
        // Service discovery of ServiceMonitors (endpoints or endpoint slices) and PodMonitors, in every namespace.
        { apiGroups: [''], resources: ['services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace: this.namespace }],
    });

    const everyNamespace = {};
    new ApiObject(this, 'resource', {
      ...PROMETHEUS_GVK,
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        version: PROMETHEUS_VERSION,
        image: PROMETHEUS_IMAGE,
        replicas,
        retention,
        // The environment's default (monitors the library makes set their own), for rules as well.
        ...(env.monitoring ? { scrapeInterval: env.monitoring.scrapeInterval, evaluationInterval: env.monitoring.scrapeInterval } : {}),
        serviceAccountName,
        ...(this.remoteWriteReceiver ? { enableRemoteWriteReceiver: true } : {}),
        podMetadata: { labels: { ...profile.pods.podLabels } },
        serviceMonitorSelector: { matchLabels: { ...profile.serviceMonitorLabels } },
        serviceMonitorNamespaceSelector: everyNamespace,
        podMonitorSelector: { matchLabels: { ...profile.serviceMonitorLabels } },
        podMonitorNamespaceSelector: everyNamespace,
        ruleSelector: { matchLabels: { ...profile.ruleLabels } },
        ruleNamespaceSelector: everyNamespace,
        // The platform layer's Alertmanager (AlertmanagerServer), through the Service the operator makes for it.
        alerting: {
          alertmanagers: [{ namespace: this.namespace, name: ALERTMANAGER_SERVICE.name, port: ALERTMANAGER_SERVICE.port, apiVersion: 'v2' }],
        },
        resources: { requests: { cpu, memory }, limits: { memory } },
        // Pod Security `restricted`: the operator's own containers drop every capability and forbid escalation.
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 65534,
          runAsGroup: 65534,
          fsGroup: 65534,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...(storageSize === undefined
          ? {}
          : {
              storage: {
                volumeClaimTemplate: {
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    ...(storageClass ? { storageClassName: storageClass } : {}),
                    resources: { requests: { storage: storageSize } },
                  },
                },
              },
            }),
      },
    });
    requirePlatform(this, {
      component: 'prometheus-operator',
      minVersion: '0.90.1',
      reason: `monitoring.coreos.com/v1 Prometheus running Prometheus ${PROMETHEUS_VERSION} (the newest release prometheus-operator 0.90.1 supports)`,
    });

    addCheck(this, (report) => {
      const nameReason = typeof this.name === 'string' ? checkDnsLabel(this.name, 52) : 'must be a string';
      if (nameReason)
        report.error('prometheus-server.name', 'name', `'${String(this.name)}' ${nameReason} (the operator names the StatefulSet prometheus-<name>)`);
      const retentionProblem = p.retention === undefined ? undefined : durationProblem(p.retention, false, 'Duration.days(15)');
      if (retentionProblem) report.error('prometheus-server.retention', 'retention', retentionProblem);
      if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10)
        report.error('prometheus-server.replicas.whole-number', 'replicas', `${String(replicas)} must be a whole number from 1 to 10`);
      else if (env.name === 'prod' && replicas < 2)
        report.error(
          'prometheus-server.replicas.leaves-prod',
          'replicas',
          `${replicas} leaves prod without monitoring during a rollout or node loss; use at least 2`,
        );
      if (storageSize !== undefined) {
        const reason = checkQuantity(storageSize, 'bytes', '50Gi');
        if (reason) report.error('prometheus-server.storage-size', 'storageSize', reason);
      }
      const cpuReason = checkQuantity(cpu, 'cpu');
      if (cpuReason) report.error('prometheus-server.resources.cpu', 'resources.cpu', cpuReason);
      const memoryReason = checkQuantity(memory, 'bytes', '2Gi');
      if (memoryReason) report.error('prometheus-server.resources.memory', 'resources.memory', memoryReason);
      for (const [field, value] of [
        ['platform.prometheus.serviceMonitorLabels', profile.serviceMonitorLabels],
        ['platform.prometheus.ruleLabels', profile.ruleLabels],
        ['platform.prometheus.pods.podLabels', profile.pods.podLabels],
      ] as const) {
        if (typeof value !== 'object' || value === null || Object.keys(value).length === 0)
          report.error('prometheus-server.value', field, 'must name at least one label: an empty selector would select every object of the cluster');
      }
    });
  }
}
