import { SystemChart } from '../core/system-chart';
import { AlertmanagerConfigObject, platformAlertmanagerConfigSpec, receiversOf, renderAlertmanagerConfig } from '../observability/alert-routing';
import { RECEIVER_CREDENTIALS_SECRET } from '../observability/alertmanager-server';
import type { Json } from '../core/json';
import { formatSeconds } from '../core/duration';
import { parse } from 'yaml';
import { LOKI_RULE_LABEL } from '../observability/log-collection';
import { SystemLogs } from '../observability/system-logs';
import { WorkloadTracing } from '../workloads/workload-tracing';
import { Workload } from '../workloads/workload';
import { RenderedObject } from './render';

/** The name the platform layer gives its Alertmanager (AlertmanagerServer's default). */
const ALERTMANAGER = 'alertmanager';

/** What a receiver of a generated AlertmanagerConfig spec delivers to, in words. */
function describeReceiver(r: Json | undefined): string {
  if (!r) return 'unknown';
  const parts = [
    ...((r.slackConfigs ?? []) as Json[]).map((c) => `Slack ${c.channel}`),
    ...((r.emailConfigs ?? []) as Json[]).map((c) => `e-mail to ${c.to}`),
    ...((r.pagerdutyConfigs ?? []) as Json[]).map(() => 'PagerDuty'),
    ...((r.webhookConfigs ?? []) as Json[]).map((c) => (c.url ? `webhook ${c.url}` : 'webhook (URL from the secret store)')),
  ];
  return parts.length ? parts.join(', ') : 'nowhere (kept in Alertmanager)';
}

/**
 * The README section that says where a system's alerts, metrics and logs go: for every alert
 * of its PrometheusRules, the receivers the environment's routing (the profile's and the
 * system's own AlertmanagerConfigs) delivers it to.
 */
export function observabilitySection(chart: SystemChart, objects: readonly RenderedObject[]): string {
  const env = chart.environment;
  const monitoring = env.platform.prometheus.pods.namespace;
  const lines = ['## Observability', ''];
  const monitors = objects.filter((o) => o.object.kind === 'ServiceMonitor' || o.object.kind === 'PodMonitor');
  lines.push(
    monitors.length
      ? `Metrics: ${monitors.length} monitor(s), scraped by the platform Prometheus in \`${monitoring}\`.`
      : 'Metrics: none scraped (no workload exposes metrics).',
    '',
    logsLine(chart),
    '',
    tracesLine(chart),
    '',
  );
  const rules: Json[] = objects.filter((o) => o.object.kind === 'PrometheusRule').map((o) => o.object);
  // Log alerts (Loki ruler rules in ConfigMaps for Loki's sidecar: SystemLogs', a WAF's) are
  // routed by the same Alertmanager with the same labels.
  const logRules: Json[] = objects
    .filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata?.labels?.[LOKI_RULE_LABEL])
    .flatMap((o) =>
      Object.values((o.object.data ?? {}) as Record<string, string>).flatMap((file) => ((parse(file) as Json)?.groups ?? []) as Json[]),
    );
  if (logRules.length > 0) rules.push({ spec: { groups: logRules } });
  if (rules.length === 0) {
    lines.push('Alerts: none (the system defines no SystemAlerts).');
    return lines.join('\n');
  }
  const base: AlertmanagerConfigObject = {
    namespace: monitoring,
    name: ALERTMANAGER,
    spec: platformAlertmanagerConfigSpec(env.platform.alerting, RECEIVER_CREDENTIALS_SECRET),
  };
  const own: AlertmanagerConfigObject[] = objects
    .filter((o) => o.object.kind === 'AlertmanagerConfig')
    .map((o) => ({ namespace: chart.namespaceName, name: o.object.metadata.name as string, spec: o.object.spec as Json }));
  const config = renderAlertmanagerConfig(base, own, () => '');
  const specs = new Map<string, Json>();
  for (const o of [base, ...own]) for (const r of (o.spec.receivers ?? []) as Json[]) specs.set(`${o.namespace}/${o.name}/${r.name}`, r);
  lines.push(
    `Alerts: evaluated by the platform Prometheus, sent to the Alertmanager \`${monitoring}/${ALERTMANAGER}\`, routed by the profile (\`platform.alerting\`)${own.length ? " and this system's own routes" : ''}:`,
    '',
    '| alert | severity | delivered to |',
    '| --- | --- | --- |',
  );
  for (const r of rules)
    for (const group of (r.spec?.groups ?? []) as Json[])
      for (const rule of (group.rules ?? []) as Json[]) {
        if (!rule.alert) continue;
        const labels: Record<string, string> = {
          ...(rule.labels as Record<string, string>),
          alertname: rule.alert as string,
          namespace: chart.namespaceName,
        };
        const to = receiversOf(config.route, labels)
          .map((name) => ({ name, spec: specs.get(name) }))
          .filter((x, _, all) => all.length === 1 || describeReceiver(x.spec) !== 'nowhere (kept in Alertmanager)')
          .map((x) => `${x.name.split('/').pop()}: ${describeReceiver(x.spec)}`);
        lines.push(`| ${rule.alert} | ${labels.severity} | ${to.join('; ')} |`);
      }
  if (logRules.length > 0) {
    const names = [...new Set(logRules.flatMap((g) => ((g.rules ?? []) as Json[]).map((r) => `\`${r.alert}\``)))];
    lines.push(
      '',
      `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} evaluated by Loki's ruler on the logs and sent to the same Alertmanager with the same labels.`,
    );
  }
  lines.push('', `While \`SystemDown\` fires, the system's other alerts in ${env.name} are not sent.`);
  return lines.join('\n');
}

/** Where the system's logs go, from the profile's `platform.logs`. */
function logsLine(chart: SystemChart): string {
  const logs = chart.environment.platform.logs;
  const local = `each container's stdout and stderr, kept by the kubelet of its node (\`kubectl logs -n ${chart.namespaceName} <pod>\`)`;
  if (!logs.enabled || !SystemLogs.of(chart)) return `Logs: ${local}; the profile collects no central logs (\`platform.logs.enabled: false\`).`;
  const storage = logs.storage.kind === 's3' ? `S3 bucket \`${logs.storage.bucket}\`` : `a ${logs.storage.size ?? '10Gi'} volume`;
  return (
    `Logs: ${local}, collected by Grafana Alloy on every node into Loki (\`${logs.url}\`, ${storage}), kept ${formatSeconds(logs.retentionSeconds)}. ` +
    `Labels: \`system\`, \`workload\`, \`environment\`, \`namespace\`, \`pod\`, \`container\`; in Grafana (Explore, Loki): \`{system="${chart.system}", environment="${chart.environment.name}"}\`.`
  );
}

/** Which workloads send traces, and where. */
function tracesLine(chart: SystemChart): string {
  const traced = chart.node
    .findAll()
    .filter((c): c is WorkloadTracing => c instanceof WorkloadTracing)
    .map((t) => ({ workload: t.node.scope as Workload, protocol: t.protocol, port: t.port }));
  if (traced.length === 0) return 'Traces: none (no workload calls `tracing()`).';
  const t = chart.environment.platform.tracing;
  const names = traced.map((x) => `\`${x.workload.name}\` (OTLP ${x.protocol}, port ${x.port})`).join(', ');
  return (
    `Traces: ${names} ${traced.length === 1 ? 'sends' : 'send'} to the OpenTelemetry Collector \`${t.collectorHost}\`, which stores them in Tempo (\`${t.tempoHost}\`), kept ${formatSeconds(t.retentionSeconds)}, ` +
    `${t.sampleRatio === 1 ? 'every trace sampled' : `${t.sampleRatio * 100} % of root traces sampled`}. In Grafana (Explore, Tempo): \`{resource.service.namespace="${chart.system}"}\`; a span links to its logs in Loki.`
  );
}
