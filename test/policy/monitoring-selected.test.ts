import { ApiObject } from 'cdk8s';
import { DEFAULT_RULES, Probe, SystemAlerts, WebService } from '../../lib';
import { errorsOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

function system(labels: { monitor?: Record<string, string>; rule?: Record<string, string> }, env = testEnv('prod')) {
  const { app, chart } = testChart(env);
  new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  }).exposeMetrics({
    port: 'http',
  });
  new SystemAlerts(chart, 'alerts');
  // Escape hatches: objects written by hand, with whatever labels the author gave them.
  new ApiObject(chart, 'extra-monitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'extra', labels: labels.monitor },
    spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, endpoints: [{ port: 'http' }] },
  });
  new ApiObject(chart, 'extra-rules', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'extra-rules', labels: labels.rule },
    spec: { groups: [{ name: 'extra', rules: [{ alert: 'Extra', expr: 'vector(1) == 0' }] }] },
  });
  return app;
}

const violations = (errors: string[]) =>
  errors.filter((e) => e.includes('monitoring-selected') || e.includes("is not selected by the cluster's Prometheus"));

test("monitors and rules with the profile's selector labels pass", () => {
  expect(violations(errorsOf(system({ monitor: { release: 'prometheus' }, rule: { release: 'prometheus' } }), DEFAULT_RULES))).toEqual([]);
});

test('an escape-hatch ServiceMonitor and PrometheusRule without the labels are synth errors naming them and the selector', () => {
  const found = violations(errorsOf(system({ monitor: { team: 'shop' }, rule: { release: 'kube-prometheus' } }), DEFAULT_RULES));
  expect(found).toHaveLength(2);
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringContaining(
        "[test-prod/extra-monitor] policy monitoring-selected: ServiceMonitor extra is not selected by the cluster's Prometheus: its serviceMonitorSelector matches release=prometheus (platform.prometheus.serviceMonitorLabels); the object has no release",
      ),
      expect.stringContaining(
        "[test-prod/extra-rules] policy monitoring-selected: PrometheusRule extra-rules is not selected by the cluster's Prometheus: its ruleSelector matches release=prometheus (platform.prometheus.ruleLabels); the object has release=kube-prometheus",
      ),
    ]),
  );
});

test("the library's own monitors follow a changed profile, and a hand-written one with the old label is then reported", () => {
  const env = testEnv('prod', {
    platform: { prometheus: { serviceMonitorLabels: { prometheus: 'platform' }, ruleLabels: { prometheus: 'platform' } } },
  });
  const found = violations(errorsOf(system({ monitor: { release: 'prometheus' }, rule: { prometheus: 'platform' } }, env), DEFAULT_RULES));
  expect(found).toEqual([expect.stringContaining('ServiceMonitor extra is not selected')]);
});
