import { describe, PolicyRule, Violation } from '../rule';

/** What the profile's Prometheus selects each kind by. */
const SELECTED_BY = {
  ServiceMonitor: { field: 'serviceMonitorLabels', selector: 'serviceMonitorSelector' },
  PodMonitor: { field: 'serviceMonitorLabels', selector: 'podMonitorSelector' },
  PrometheusRule: { field: 'ruleLabels', selector: 'ruleSelector' },
} as const;

/**
 * A ServiceMonitor, PodMonitor or PrometheusRule that the cluster's Prometheus would not
 * select is never scraped or evaluated, silently: an escape-hatch object written without the
 * selector labels, or labels overridden. The selectors are the cluster profile's
 * (`platform.prometheus`), which the generated Prometheus uses too.
 */
export const monitoringSelected: PolicyRule = {
  id: 'monitoring-selected',
  description: "Every ServiceMonitor, PodMonitor and PrometheusRule carries the labels the cluster profile's Prometheus selects.",
  fix: 'Label the object with platform.prometheus.serviceMonitorLabels (monitors) or ruleLabels (rules), or change the profile to what the Prometheus selects.',
  check({ objects, environment }) {
    if (!environment) return [];
    const prometheus = environment.platform.prometheus;
    const out: Violation[] = [];
    for (const object of objects) {
      const kind = object.object.kind as keyof typeof SELECTED_BY;
      if (!Object.prototype.hasOwnProperty.call(SELECTED_BY, kind) || !String(object.object.apiVersion).startsWith('monitoring.coreos.com/'))
        continue;
      const { field, selector } = SELECTED_BY[kind];
      const wanted = prometheus[field];
      const labels: Record<string, string> = object.object.metadata?.labels ?? {};
      const missing = Object.entries(wanted).filter(([k, v]) => labels[k] !== v);
      if (missing.length === 0) continue;
      out.push({
        object,
        message: `${describe(object.object)} is not selected by the cluster's Prometheus: its ${selector} matches ${Object.entries(wanted)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')} (platform.prometheus.${field}); the object has ${missing
          .map(([k]) => (labels[k] === undefined ? `no ${k}` : `${k}=${labels[k]}`))
          .join(', ')}`,
      });
    }
    return out;
  },
};
