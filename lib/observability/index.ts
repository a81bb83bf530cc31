// Observability: ServiceMonitors, PrometheusRules and Grafana dashboards generated from the model.
export * from './workload-metrics';
export * from './scrape-targets';
export * from './alert-rules';
export * from './system-alerts';
export * from './dashboard-model';
export * from './system-dashboard';
export * from './log-collection';
export * from './system-logs';
