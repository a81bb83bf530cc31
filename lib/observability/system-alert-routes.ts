import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertmanagerConfig } from '../../imports/alertmanagerconfigs-monitoring.coreos.com';
import { AlertReceiver, checkReceivers, receiverCredentials } from '../core/alerting-profile';
import { requirePlatform } from '../core/platform-requirements';
import { checkProps } from '../core/prop-check';
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import { ExternalSecretSource, RemoteKey } from '../security/external-secret-source';
import { SystemSecretStore } from '../security/secret-backend';
import { receiverSpec } from './alert-routing';

/** A route of a system's own: which of its alerts go to one of its receivers. */
export interface SystemAlertRoute {
  /** One of the receivers of these routes. */
  readonly receiver: string;
  /** Values of the `severity` label it takes (the environment's `monitoring.severities`). @default - every severity */
  readonly severities?: readonly string[];
  /** Alert names it takes, e.g. `['BackupNotSuccessful']`. @default - every alert of the system */
  readonly alerts?: readonly string[];
}

export interface SystemAlertRoutesProps {
  /** The system's receivers (credentials from the system's secret store). */
  readonly receivers: readonly AlertReceiver[];
  /** Routes, each also matched (the platform's routes still deliver every alert). */
  readonly routes: readonly SystemAlertRoute[];
}

/** The receiver of the system's root route: it notifies nobody (only its child routes deliver). */
const NONE = 'none';

/**
 * Routes of a system's own in the environment's Alertmanager, as an AlertmanagerConfig
 * (`monitoring.coreos.com/v1alpha1`) in the system's namespace, labelled as the profile's
 * `alerting.alertmanagerConfigLabels` so that the platform Alertmanager selects it. The
 * operator confines it to the system's namespace and lets every alert go on to the platform's
 * routes: a system adds receivers (its team's channel, a pager for its backups) without taking
 * alerts from anyone. Credentials are read from the system's secret store by an ExternalSecret.
 *
 * @example
 * new SystemAlertRoutes(this, 'alert-routes', {
 *   receivers: [{ name: 'team', slack: { channel: '#shop-alerts', apiUrl: { key: 'shop/prod/slack' } } }],
 *   routes: [{ receiver: 'team' }],
 * });
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SystemAlertRoutes extends Construct {
  public readonly chart: SystemChart;

  constructor(scope: Construct, id: string, props: SystemAlertRoutesProps) {
    super(scope, id);
    checkProps(this, 'SystemAlertRoutesProps', props);
    this.chart = SystemChart.of(this);
    const env = this.chart.environment;
    const alerting = env.platform.alerting;
    const receivers = Array.isArray(props?.receivers) ? props.receivers.filter((r) => typeof r === 'object' && r !== null) : [];
    const routes = Array.isArray(props?.routes) ? props.routes.filter((r) => typeof r === 'object' && r !== null) : [];
    const secretName = `${id}-receivers`;

    const credentials = receivers.flatMap((r) => receiverCredentials(r));
    const store = SystemSecretStore.of(this.chart);
    if (credentials.length > 0 && store) {
      const data: Record<string, RemoteKey> = {};
      for (const c of credentials) data[c.secretKey] = { key: c.credential?.key, property: c.credential?.property };
      new ExternalSecretSource(this, 'receivers', { store, data, secretName });
    }
    new ApiObject(this, 'resource', {
      ...AlertmanagerConfig.GVK,
      metadata: { name: id, labels: { ...alerting.alertmanagerConfigLabels } },
      spec: {
        route: {
          receiver: NONE,
          routes: routes.map((r) => ({
            receiver: r.receiver,
            matchers: [
              ...(r.severities?.length ? [matcher('severity', r.severities)] : []),
              ...(r.alerts?.length ? [matcher('alertname', r.alerts)] : []),
            ],
          })),
        },
        receivers: [{ name: NONE }, ...receivers.map((r) => receiverSpec(r, secretName))],
      },
    });
    requirePlatform(this, {
      component: 'prometheus-operator',
      minVersion: '0.66.0',
      reason: 'monitoring.coreos.com/v1alpha1 AlertmanagerConfig selected by the platform Alertmanager (matcher strategy OnNamespace)',
      settings: {
        alertmanagerConfigSelector: Object.entries(alerting.alertmanagerConfigLabels)
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
        alertmanagerConfigNamespaceSelector: [this.chart.namespaceName],
      },
    });

    addCheck(this, (report) => {
      const names = checkReceivers(props?.receivers, env.name, env.platform.secrets.kind, report, 'receivers');
      if (names.has(NONE))
        report.error('system-alert-routes.receivers', 'receivers', `'${NONE}' is the name of the routes' own silent receiver; choose another`);
      if (!Array.isArray(props?.routes) || props.routes.length === 0)
        report.error('system-alert-routes.routes', 'routes', 'must name at least one route (a receiver nothing routes to is never used)');
      const severities = new Set(Object.values(env.monitoring.severities));
      routes.forEach((r, i) => {
        if (!names.has(r.receiver))
          report.error(
            'system-alert-routes.routes.receiver',
            `routes[${i}].receiver`,
            `'${String(r.receiver)}' is not one of the receivers (${[...names].join(', ') || 'none'})`,
          );
        for (const s of Array.isArray(r.severities) ? r.severities : [])
          if (!severities.has(s))
            report.error(
              'system-alert-routes.routes.severities',
              `routes[${i}].severities`,
              `'${s}' matches no alert: in ${env.name} alerts carry severity ${[...severities].join(' or ')}`,
            );
        for (const a of Array.isArray(r.alerts) ? r.alerts : [])
          if (typeof a !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a))
            report.error('system-alert-routes.routes.alerts', `routes[${i}].alerts`, `${JSON.stringify(a)} is not an alert name`);
      });
    });
  }
}

function matcher(name: string, values: readonly string[]): { name: string; value: string; matchType: '=' | '=~' } {
  return values.length === 1 ? { name, value: values[0], matchType: '=' } : { name, value: values.join('|'), matchType: '=~' };
}
