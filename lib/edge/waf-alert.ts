/**
 * The alert on requests the WAF refuses: a Loki ruler rule over the ingress-nginx controller's
 * error log, labelled and routed like the system's other alerts (see SystemLogs).
 *
 * Why the logs and not a metric: ModSecurity-nginx logs each refusal at nginx level `error`
 * as `ModSecurity: Access denied with code 403 (phase N). ...` (src/ngx_http_modsecurity_module.c
 * and libmodsecurity src/rule_message.cc), and nginx ends the line with `server: <server_name>`,
 * which names the endpoint's host; the controller's 403 counter
 * (`nginx_ingress_controller_requests`) also counts the application's own 403s and is not
 * scraped by the platform layer today. The controller's stderr reaches Loki through Alloy like
 * every pod's.
 */
import { ApiObject } from 'cdk8s';
import { DEFAULT_INGRESS_NGINX } from '../core/platform';
import { toYamlDocument } from '../core/yaml';
import { LOKI_RULE_LABEL } from '../observability/log-collection';
import { DEFAULT_WAF_ALERT_PER_MINUTE } from './waf-policy';
import type { EdgeEndpoint } from './edge-renderer';

/** The line ModSecurity-nginx logs for every refused request. */
export const MODSECURITY_REFUSAL = 'ModSecurity: Access denied';

/** The window the refusals are counted over. */
const WINDOW_MINUTES = 5;

/**
 * Renders the endpoint's alert on WAF refusals when one of its routes blocks, the profile
 * collects logs and the route's policy does not turn the alert off. One rule per endpoint,
 * over the hosts of its blocking routes, at the lowest threshold they ask for.
 */
export function wafRefusalAlert(endpoint: EdgeEndpoint): ApiObject | undefined {
  const env = endpoint.chart.environment;
  if (!env.platform.logs.enabled) return undefined;
  const blocking = endpoint.resolved.routes.filter((r) => r.policy.waf?.mode === 'block' && r.policy.waf.alertRefusalsPerMinute !== false);
  if (blocking.length === 0) return undefined;
  const hosts = [...new Set(blocking.map((r) => r.host))].sort();
  const perMinute = Math.min(...blocking.map((r) => (r.policy.waf?.alertRefusalsPerMinute as number | undefined) ?? DEFAULT_WAF_ALERT_PER_MINUTE));
  const ns = endpoint.chart.namespaceName;
  const controllerNamespace = (env.platform.edge.ingressNginx ?? DEFAULT_INGRESS_NGINX).pods.namespace;
  const selector = `{namespace=${JSON.stringify(controllerNamespace)}}`;
  // nginx ends the line with ", server: <server_name>, request: ..."; a host is letters, digits, dots and dashes.
  const server = `server: (${hosts.map((h) => h.replace(/\./g, '\\.')).join('|')}),`;
  const refusals = `sum(count_over_time(${selector} |= ${JSON.stringify(MODSECURITY_REFUSAL)} |~ ${JSON.stringify(server)} [${WINDOW_MINUTES}m]))`;
  const group = {
    name: `${ns}.${endpoint.name}.waf`,
    rules: [
      {
        alert: 'WafRefusalsHigh',
        expr: `${refusals} / ${WINDOW_MINUTES} > ${perMinute}`,
        for: env.monitoring.alertFor,
        labels: { severity: env.monitoring.severities.warning, system: endpoint.chart.system, environment: env.name, namespace: ns },
        annotations: {
          summary: `The WAF refuses more than ${perMinute} requests a minute to ${hosts.join(', ')}`,
          description: `ModSecurity refusals (403) per minute over ${WINDOW_MINUTES}m: {{ $value | humanize }}. An attack, or a rule refusing legitimate traffic after a release: in Grafana, Explore, Loki, ${selector} |= "${MODSECURITY_REFUSAL}" names the rule ids and URIs; the audit log (JSON lines on the controller's stdout) has the findings.`,
        },
      },
    ],
  };
  return new ApiObject(endpoint.scope, 'waf-alerts', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    // The sidecar writes every ConfigMap's keys into one folder: the key names the namespace.
    metadata: { name: `${endpoint.name}-waf-alerts`, labels: { [LOKI_RULE_LABEL]: '1' } },
    data: { [`${ns}-${endpoint.name}-waf.yaml`]: toYamlDocument({ groups: [group] }) },
  });
}
