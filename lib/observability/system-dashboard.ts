import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { SystemChart } from '../core/system-chart';
import { addCheck } from '../core/validation';
import { dashboardUid, renderDashboard } from './dashboard-model';
import { Duration, durationProblem as checkDuration, prometheusDuration } from '../core/duration';
import { scrapeTargetsOf } from './scrape-targets';
import { SystemAlerts } from './system-alerts';
import { checkProps } from '../core/prop-check';
import type { Json } from '../core/json';
import { requirePlatform } from '../core/platform-requirements';

export interface SystemDashboardProps {
  /** Dashboard title. @default '<system> (<environment>)' */
  readonly title?: string;
  /** Label of `http_requests_total` holding the status code. @default 'status' */
  readonly statusLabel?: string;
  /** Window of the rates. @default Duration.minutes(5) */
  readonly rateWindow?: Duration;
}

/**
 * A Grafana dashboard for the system, as a ConfigMap the Grafana dashboard sidecar picks
 * up (labels from the cluster profile's `platform.grafana.dashboardLabels`, `grafana_dashboard: "1"`
 * by default; the sidecar must search the system's namespace, e.g. `searchNamespace: ALL`).
 * Built from the same model as the ServiceMonitors and alerts: a row per web service
 * that exposes metrics and per data-store exporter. The uid is derived from the
 * namespace (`<system>-<env>`), so it is stable and distinct per environment.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SystemDashboard extends Construct {
  public readonly chart: SystemChart;
  /** Grafana uid of the dashboard. */
  public readonly uid: string;
  /** Name of the ConfigMap. */
  public readonly configMapName: string;
  /** Key of the dashboard JSON in the ConfigMap. */
  public readonly fileName: string;
  private readonly props: SystemDashboardProps;

  constructor(scope: Construct, id: string, props: SystemDashboardProps = {}) {
    super(scope, id);
    checkProps(this, 'SystemDashboardProps', props);
    this.chart = SystemChart.of(this);
    this.props = props;
    this.uid = dashboardUid(this.chart.namespaceName);
    this.configMapName = `${id}-grafana`;
    this.fileName = `${this.chart.namespaceName}.json`;
    requirePlatform(this, {
      component: 'grafana',
      minVersion: '11.0.0',
      reason: 'dashboard JSON schemaVersion 39, loaded by the dashboard sidecar from a labelled ConfigMap in the system namespace',
      settings: {
        'sidecar.dashboards.label': Object.entries(this.chart.environment.platform.grafana.dashboardLabels)
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
        'sidecar.dashboards.searchNamespace': ['ALL'],
      },
    });
    new k8s.KubeConfigMap(this, 'config-map', {
      metadata: { name: this.configMapName, labels: { ...this.chart.environment.platform.grafana.dashboardLabels } },
      data: Lazy.any({ produce: () => ({ [this.fileName]: `${JSON.stringify(this.dashboard(), null, 2)}\n` }) }),
    });
    addCheck(this, (report) => {
      const problem = props.rateWindow === undefined ? undefined : checkDuration(props.rateWindow);
      if (problem) report.error('system-dashboard.rate-window', 'rateWindow', problem);
      if (scrapeTargetsOf(this.chart).length === 0)
        report.error(
          'system-dashboard.dashboard',
          'dashboard',
          'the system has nothing to show: no workload exposes metrics (exposeMetrics) and no store runs an exporter',
        );
    });
  }

  /** The dashboard JSON object. */
  public dashboard(): Json {
    const chart = this.chart;
    return renderDashboard({
      uid: this.uid,
      title: this.props.title ?? `${chart.system} (${chart.environment.name})`,
      namespace: chart.namespaceName,
      tags: ['cdk8s-stacks', chart.system, chart.environment.name],
      targets: scrapeTargetsOf(chart),
      statusLabel: this.props.statusLabel ?? 'status',
      rateWindow: this.props.rateWindow === undefined ? '5m' : prometheusDuration(this.props.rateWindow),
      traceLatency: SystemAlerts.of(chart)?.model().traceLatency,
    });
  }
}
