// Observability: ServiceMonitors, PrometheusRules and Grafana dashboards generated from the model.
export {};
