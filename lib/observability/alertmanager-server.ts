import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AlertmanagerConfig } from '../../imports/alertmanagerconfigs-monitoring.coreos.com';
import { Alertmanager } from '../../imports/alertmanagers-monitoring.coreos.com';
import { receiverCredentials } from '../core/alerting-profile';
import { declareCheckExceptions } from '../core/check-exceptions';
import { Environment } from '../core/environment';
import { checkDnsLabel } from '../core/naming';
import { requirePlatform } from '../core/platform-requirements';
import { checkProps, objectOrUndefined } from '../core/prop-check';
import { checkQuantity } from '../core/quantity';
import { addCheck } from '../core/validation';
import { ExternalSecretSource, RemoteKey } from '../security/external-secret-source';
import { SystemSecretStore } from '../security/secret-backend';
import { platformAlertmanagerConfigSpec } from './alert-routing';

/** The Alertmanager release: prometheus-operator v0.90.1's default (pkg/operator/defaults.go of that module). */
export const ALERTMANAGER_VERSION = 'v0.31.1';
const ALERTMANAGER_IMAGE = `quay.io/prometheus/alertmanager:${ALERTMANAGER_VERSION}`;

/** The Secret the receivers' credentials are read into (by an ExternalSecret from the profile's store). */
export const RECEIVER_CREDENTIALS_SECRET = 'alertmanager-receivers';

/** The Service prometheus-operator creates for every Alertmanager of a namespace, and its port. */
export const ALERTMANAGER_SERVICE = { name: 'alertmanager-operated', port: 'web' } as const;

export interface AlertmanagerServerProps {
  /** The environment whose profile (`platform.alerting`, `platform.prometheus.pods.namespace`) it follows. */
  readonly environment: Environment;
  /** Name of the Alertmanager object (the operator names its StatefulSet `alertmanager-<name>`). @default 'alertmanager' */
  readonly name?: string;
  /** Replicas; they gossip so that a notification is sent once. @default 1 in dev, 2 in staging, 3 in prod */
  readonly replicas?: number;
  /** Size of each replica's volume (silences and the notification log). @default - an emptyDir in dev, '1Gi' in staging and prod */
  readonly storageSize?: string;
  /** Systems of the environment: routes may only name these. @default - not checked */
  readonly systems?: readonly string[];
}

/**
 * The environment's Alertmanager, run by prometheus-operator in the Prometheus namespace:
 *
 * - an `Alertmanager` whose base configuration is the AlertmanagerConfig made from the
 *   profile (`platform.alerting`: receivers, routes by severity and system, the default
 *   receiver, and the inhibition of a system's alerts while its `SystemDown` fires), and
 *   which adds every AlertmanagerConfig labelled `alerting.alertmanagerConfigLabels` in any
 *   namespace (a system's own routes), confined by the operator to that namespace's alerts;
 * - the receivers' credentials as an ExternalSecret from the profile's secret store (Vault
 *   role and entries `alertmanager/<env>/...` with the default naming), never in Git;
 * - several replicas and a PodDisruptionBudget where it must survive a node drain (prod).
 *
 * The platform Prometheus sends to it (PrometheusServer's `alerting`).
 */
export class AlertmanagerServer extends Construct {
  public readonly name: string;
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: AlertmanagerServerProps) {
    super(scope, id);
    checkProps(this, 'AlertmanagerServerProps', props);
    const p: Partial<AlertmanagerServerProps> = objectOrUndefined(props) ?? {};
    const env = p.environment;
    const platform = env?.platform;
    this.name = p.name ?? 'alertmanager';
    this.namespace = platform?.prometheus.pods.namespace ?? 'monitoring';
    const envName = env?.name ?? 'dev';
    const replicas = p.replicas ?? (envName === 'prod' ? 3 : envName === 'staging' ? 2 : 1);
    const storageSize = p.storageSize ?? (envName === 'dev' ? undefined : '1Gi');
    const alerting = platform?.alerting;
    const labels = { 'app.kubernetes.io/name': 'alertmanager', 'app.kubernetes.io/instance': this.name };

    // Credentials: one ExternalSecret for every receiver's, from a store of its own (role alertmanager-<env>).
    // Malformed receivers and credentials are reported with the profile (checkAlerting), not a second time by the ExternalSecret.
    const credentials = (alerting?.receivers ?? [])
      .filter((r) => typeof r === 'object' && r !== null && typeof r.name === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.name))
      .flatMap((r) => receiverCredentials(r))
      .filter((c) => typeof c.credential?.key === 'string' && c.credential.key.trim() !== '');
    const backend = platform?.secrets;
    if (credentials.length > 0 && backend && backend.kind !== 'generated') {
      const store = new SystemSecretStore(this, 'secret-store', backend, { system: 'alertmanager', environment: envName });
      const data: Record<string, RemoteKey> = {};
      for (const c of credentials) data[c.secretKey] = { key: c.credential?.key, property: c.credential?.property };
      new ExternalSecretSource(this, 'receivers', { store, data, secretName: RECEIVER_CREDENTIALS_SECRET });
    }

    // The base configuration; it carries no selector label, so it is not also added as a system's.
    if (alerting) {
      new ApiObject(this, 'config', {
        ...AlertmanagerConfig.GVK,
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: platformAlertmanagerConfigSpec(alerting, RECEIVER_CREDENTIALS_SECRET),
      });
    }

    new ApiObject(this, 'resource', {
      ...Alertmanager.GVK,
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        version: ALERTMANAGER_VERSION,
        image: ALERTMANAGER_IMAGE,
        replicas,
        podMetadata: { labels },
        alertmanagerConfiguration: { name: this.name },
        alertmanagerConfigSelector: { matchLabels: { ...(alerting?.alertmanagerConfigLabels ?? {}) } },
        alertmanagerConfigNamespaceSelector: {},
        // A system's routes and inhibitions only ever see its own namespace's alerts.
        alertmanagerConfigMatcherStrategy: { type: 'OnNamespace' },
        retention: '120h',
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        ...(storageSize === undefined
          ? {}
          : {
              storage: {
                volumeClaimTemplate: {
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    ...(platform?.storage.defaultClass ? { storageClassName: platform.storage.defaultClass } : {}),
                    resources: { requests: { storage: storageSize } },
                  },
                },
              },
            }),
      },
    });
    if (Number.isInteger(replicas) && replicas > 1) {
      const pdb = new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: { name: `alertmanager-${this.name}`, namespace: this.namespace, labels },
        // The operator's selector labels of the Alertmanager's pods.
        spec: {
          maxUnavailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: this.name } },
        },
      });
      declareCheckExceptions(pdb, { selectsOperatorPods: 'the Alertmanager pods are made by prometheus-operator from the Alertmanager object' });
    }
    requirePlatform(this, {
      component: 'prometheus-operator',
      minVersion: '0.66.0',
      reason: `monitoring.coreos.com/v1 Alertmanager with alertmanagerConfiguration and alertmanagerConfigMatcherStrategy, running Alertmanager ${ALERTMANAGER_VERSION}`,
    });

    addCheck(this, (report) => {
      const nameReason = typeof this.name === 'string' ? checkDnsLabel(this.name, 50) : 'must be a string';
      if (nameReason)
        report.error(
          'alertmanager-server.name',
          'name',
          `'${String(this.name)}' ${nameReason} (the operator names the StatefulSet alertmanager-<name>)`,
        );
      if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
        report.error('alertmanager-server.replicas.whole-number', 'replicas', `${String(replicas)} must be a whole number from 1 to 5`);
      else if (envName === 'prod' && replicas < 2)
        report.error(
          'alertmanager-server.replicas.leaves-prod',
          'replicas',
          `${replicas} leaves prod without alert delivery during a rollout or node loss; use at least 2 (3 by default)`,
        );
      if (storageSize !== undefined) {
        const reason = checkQuantity(storageSize, 'bytes', '1Gi');
        if (reason) report.error('alertmanager-server.storage-size', 'storageSize', reason);
      }
      if (!alerting || !env) return;
      const severities = new Set(Object.values(env.monitoring.severities));
      for (const [i, r] of alerting.routes.entries()) {
        if (typeof r !== 'object' || r === null) continue;
        const field = `environment.platform.alerting.routes[${i}]`;
        for (const s of Array.isArray(r.severities) ? r.severities : [])
          if (!severities.has(s))
            report.error(
              'alertmanager-server.severities',
              `${field}.severities`,
              `'${s}' matches no alert: in ${envName} alerts carry severity ${[...severities].join(' or ')} (monitoring.severities)`,
            );
        if (p.systems)
          for (const s of Array.isArray(r.systems) ? r.systems : [])
            if (!p.systems.includes(s))
              report.error(
                'alertmanager-server.systems',
                `${field}.systems`,
                `'${s}' is not a system of ${envName} (systems: ${p.systems.join(', ')})`,
              );
      }
    });
  }
}
