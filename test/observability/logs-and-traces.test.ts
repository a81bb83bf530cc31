import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ArgoCdApplications, Duration, Environment, PlatformProps, Probe, SystemChart, SystemLogs, WebService, Worker } from '../../lib';
import { planPlatform } from '../../lib/gitops/platform-components';
import { alloyLogsConfig } from '../../lib/observability/log-collection';
import { podSecurityLabels } from '../../lib/gitops/platform-layer';
import { ENVIRONMENTS } from '../../charts';
import { testStrictSchemaValidation } from '../support/construct-tests';
import { errorsOf, objectsOf, render, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

const IMAGE = 'registry.stackworks.io/org/api:1.0.0';
const RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } };

function api(chart: SystemChart, id = 'api'): WebService {
  return new WebService(chart, id, { image: IMAGE, ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources: RESOURCES });
}

/** The environment's platform plan for the components a log and a trace requirement bring (as the pipeline plans it). */
function plan(
  env: Environment,
  components: readonly string[] = ['loki', 'alloy', 'tempo', 'opentelemetry-collector', 'grafana', 'prometheus-operator'],
) {
  return planPlatform(
    env.platform,
    components.map((c) => ({ component: c as never, minVersion: '0.0.0', reason: 'test', path: 'app/test' })),
    env.name,
  );
}

const valuesOf = (env: Environment, component: string): Json => plan(env).components.find((c) => c.component === component)!.values;

/** JSON with sorted keys (the rendered objects' key order is cdk8s's). */
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );

/** The env vars of a container as a map (plain values only). */
const envOf = (container: Json): Record<string, string> => Object.fromEntries((container.env ?? []).map((e: Json) => [e.name, e.value]));

describe('central logs', () => {
  test('every system gets its logs collected: the synth adds SystemLogs, which brings Loki and Alloy into the platform layer', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    api(chart);
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const apps = render(app)
      .objects.filter((o) => o.object.kind === 'Application' && o.folder === 'prod/platform')
      .map((o) => o.object.metadata.name);
    expect(apps).toEqual(expect.arrayContaining(['loki-prod', 'alloy-prod']));
    // No tracing() call: no trace pipeline.
    expect(apps).not.toContain('tempo-prod');
    expect(apps).not.toContain('opentelemetry-collector-prod');
    expect(SystemLogs.of(chart)).toBeDefined();
  });

  test('a profile that turns logs off gets no log components', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('dev', { platform: { logs: { enabled: false } } }) });
    api(chart);
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const apps = render(app)
      .objects.filter((o) => o.object.kind === 'Application')
      .map((o) => o.object.metadata.name);
    expect(apps.filter((n) => /loki|alloy/.test(n))).toEqual([]);
  });

  test('retention and storage come from each environment profile (Loki and Tempo)', () => {
    const loki = (name: 'dev' | 'staging' | 'prod') => valuesOf(ENVIRONMENTS[name], 'loki');
    expect(['dev', 'staging', 'prod'].map((n) => loki(n as 'dev').loki.limits_config.retention_period)).toEqual(['72h', '168h', '720h']);
    expect(loki('prod').loki.compactor).toEqual({ retention_enabled: true, delete_request_store: 'filesystem' });
    expect(loki('prod').singleBinary.persistence).toEqual({ enabled: true, size: '100Gi', storageClass: 'ssd-retain' });
    expect(loki('dev').singleBinary.persistence).toEqual({ enabled: true, size: '5Gi' });
    const tempo = (name: 'dev' | 'staging' | 'prod') => valuesOf(ENVIRONMENTS[name], 'tempo');
    expect(['dev', 'staging', 'prod'].map((n) => tempo(n as 'dev').tempo.retention)).toEqual(['24h', '72h', '168h']);
    expect(tempo('prod').persistence).toEqual({ enabled: true, size: '50Gi', storageClassName: 'ssd-retain' });
  });

  test('object storage: Loki keeps chunks in the bucket, several replicas, identity from service account annotations', () => {
    const env = testEnv('prod', {
      platform: {
        logs: {
          retention: Duration.days(14),
          storage: {
            kind: 's3',
            bucket: 'logs-prod',
            region: 'eu-west-1',
            serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/loki' },
          },
        },
      },
    });
    const v = valuesOf(env, 'loki');
    expect(v.loki.storage).toEqual({
      type: 's3',
      bucketNames: { chunks: 'logs-prod', ruler: 'logs-prod', admin: 'logs-prod' },
      s3: { region: 'eu-west-1' },
    });
    expect(v.loki.schemaConfig.configs[0].object_store).toBe('s3');
    expect(v.singleBinary.replicas).toBe(3);
    expect(v.loki.commonConfig.replication_factor).toBe(3);
    expect(v.serviceAccount.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/loki' });
    expect(v.loki.limits_config.retention_period).toBe('336h');
  });

  test('Alloy labels every stream with system, workload and environment (the pod labels the library sets) and pushes to Loki', () => {
    for (const name of ['dev', 'prod'] as const) {
      const v = valuesOf(ENVIRONMENTS[name], 'alloy');
      const config: string = v.alloy.configMap.content;
      expect(config).toBe(alloyLogsConfig({ lokiUrl: 'http://loki.logging.svc:3100', environment: name }));
      expect(config).toContain(`external_labels = { environment = "${name}" }`);
      expect(v.alloy.mounts).toEqual({ varlog: true });
      expect(v.crds).toEqual({ create: false });
    }
    const config = alloyLogsConfig({ lokiUrl: 'http://loki.logs.svc:3100', environment: 'staging' });
    for (const [meta, target] of [
      ['__meta_kubernetes_pod_label_app_kubernetes_io_part_of', 'system'],
      ['__meta_kubernetes_pod_label_app_kubernetes_io_name', 'workload'],
      ['__meta_kubernetes_namespace', 'namespace'],
    ])
      expect(config).toMatch(new RegExp(`source_labels = \\["${meta}"\\]\\n\\s+target_label\\s+= "${target}"`));
    expect(config).toContain('url = "http://loki.logs.svc:3100/loki/api/v1/push"');
    // Only the pods of Alloy's own node (a DaemonSet: each node's files once).
    expect(config).toContain('field = "spec.nodeName=" + sys.env("NODE_NAME")');
  });

  test('the pods the library renders carry the labels Alloy turns into system and workload', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    api(chart);
    const d = objectsOf(app, 'Deployment')[0];
    expect(d.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/name': 'api' });
  });

  test('Grafana gets Loki and Tempo datasources beside Prometheus, linked by trace id both ways', () => {
    const v = valuesOf(ENVIRONMENTS.prod, 'grafana');
    const ds: Json[] = v.datasources['datasources.yaml'].datasources;
    expect(ds.map((d) => [d.uid, d.type, d.url])).toEqual([
      ['prometheus', 'prometheus', 'http://prometheus-operated.monitoring.svc:9090'],
      ['loki', 'loki', 'http://loki.logging.svc:3100'],
      ['tempo', 'tempo', 'http://tempo.tracing.svc:3200'],
    ]);
    expect(ds.filter((d) => d.isDefault)).toHaveLength(1);
    expect(ds[1].jsonData.derivedFields[0].datasourceUid).toBe('tempo');
    expect(ds[2].jsonData.tracesToLogsV2.datasourceUid).toBe('loki');
    // Without Tempo, Loki has no trace link.
    const noTraces = plan(ENVIRONMENTS.prod, ['loki', 'alloy', 'grafana']).components.find((c) => c.component === 'grafana')!.values;
    const loki = noTraces.datasources['datasources.yaml'].datasources.find((d: Json) => d.uid === 'loki');
    expect(loki.jsonData.derivedFields).toBeUndefined();
  });

  test('Loki alerts through the platform Alertmanager and loads rules from ConfigMaps labelled loki_rule', () => {
    const v = valuesOf(ENVIRONMENTS.prod, 'loki');
    expect(v.loki.rulerConfig.alertmanager_url).toBe('http://alertmanager-operated.monitoring.svc:9093');
    expect(v.loki.rulerConfig.storage).toEqual({ type: 'local', local: { directory: '/rules' } });
    expect(v.sidecar.rules).toEqual({ label: 'loki_rule', labelValue: '', folder: '/rules/fake', searchNamespace: 'ALL' });
  });

  test("the namespaces of the platform components enforce the Pod Security their charts' pods need (Alloy's hostPath: privileged)", () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    api(chart).tracing();
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const apps = render(app).objects.filter((o) => o.object.kind === 'Application' && o.folder === 'prod/platform');
    const labelsOf = (name: string) => apps.find((o) => o.object.metadata.name === name)!.object.spec.syncPolicy.managedNamespaceMetadata?.labels;
    const enforce = 'pod-security.kubernetes.io/enforce';
    expect(labelsOf('alloy-prod')[enforce]).toBe('privileged');
    // Loki shares the namespace: both Applications carry the same labels.
    expect(labelsOf('loki-prod')).toEqual(labelsOf('alloy-prod'));
    expect(labelsOf('loki-prod')['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(labelsOf('tempo-prod')[enforce]).toBe('restricted');
    expect(labelsOf('opentelemetry-collector-prod')[enforce]).toBe('restricted');
    // The Prometheus namespace is labelled by its own Namespace object, kube-system by nobody.
    const planned = plan(ENVIRONMENTS.prod, ['prometheus-operator', 'metrics-server', 'loki', 'alloy']).components;
    expect([...podSecurityLabels(planned, 'monitoring').keys()]).toEqual(['logging']);
  });

  describe('log alerts', () => {
    function rulesOf(env: Environment, props: Json): { configMap: Json; groups: Json[] } {
      const { app, chart } = testChart(env, 'shop');
      api(chart);
      new SystemLogs(chart, 'logs', props);
      const configMap = objectsOf(app, 'ConfigMap').find((o) => o.metadata.name === 'logs-alerts')!;
      return { configMap, groups: parse(configMap.data['shop-prod-logs.yaml'] ?? configMap.data['shop-dev-logs.yaml']).groups };
    }

    test('an error burst is a Loki ruler rule with the labels Alertmanager routes on', () => {
      const { configMap, groups } = rulesOf(testEnv('prod'), { errorBurst: { linesPerMinute: 20, window: Duration.minutes(10) } });
      expect(configMap.metadata.labels).toEqual(expect.objectContaining({ loki_rule: '1' }));
      const rule = groups[0].rules[0];
      expect(rule.alert).toBe('LogErrorBurst');
      expect(rule.expr).toMatch(/^sum by \(workload\) \(count_over_time\(\{namespace="shop-prod", system="shop"\} \|~ ".+" \[10m\]\)\) \/ 10 > 20$/);
      expect(rule.labels).toEqual({ severity: 'warning', system: 'shop', environment: 'prod', namespace: 'shop-prod' });
      expect(rule.for).toBe('5m');
    });

    test('dev maps the severity and timing as for the metric alerts', () => {
      const { groups } = rulesOf(testEnv('dev'), { errorBurst: { severity: 'critical' } });
      expect(groups[0].rules[0].labels.severity).toBe('warning');
      expect(groups[0].rules[0].for).toBe('15m');
      expect(groups[0].rules[0].expr).toMatch(/\[5m\]\)\) \/ 5 > 10$/);
    });

    test('no errorBurst, no rules ConfigMap', () => {
      const { app, chart } = testChart(testEnv('prod'), 'shop');
      new SystemLogs(chart, 'logs');
      expect(objectsOf(app, 'ConfigMap').filter((o) => o.metadata.labels?.loki_rule)).toEqual([]);
    });

    test('bad input is refused with the construct path and field', () => {
      const errors = (props: unknown, env = testEnv('prod')) => {
        const { app, chart } = testChart(env, 'shop');
        new SystemLogs(chart, 'logs', props as never);
        return errorsOf(app);
      };
      expect(errors({ errorBurst: { linesPerMinute: -1 } })).toEqual([
        expect.stringMatching(/^\[shop-prod\/logs\] errorBurst\.linesPerMinute: must be a number of lines greater than 0 \(is number -1\)/),
      ]);
      expect(errors({ errorBurst: { window: '5m' } })).toEqual([expect.stringMatching(/^\[shop-prod\/logs\] errorBurst\.window: '5m' is ambiguous/)]);
      expect(errors({ errorBurst: { pattern: '(unclosed' } })).toEqual([
        expect.stringMatching(/errorBurst\.pattern: '\(unclosed' is not a valid regular expression/),
      ]);
      expect(errors({ errorBurst: { severity: 'page' } })).toEqual([expect.stringMatching(/errorBurst\.severity: must be 'critical' or 'warning'/)]);
      expect(errors({ errorBurst: {} }, testEnv('prod', { platform: { logs: { enabled: false } } }))).toEqual([
        expect.stringMatching(/^\[shop-prod\/logs\] errorBurst: log alerts need central logs.*platform\.logs\.enabled: false/),
      ]);
    });
  });

  test('profile: malformed logs and tracing fields are refused, every one, naming the field', () => {
    const { app, chart } = testChart(
      testEnv('prod', {
        platform: {
          logs: { retention: '7d', storage: { kind: 'volume', size: 'ten' }, replicas: 2, colour: 'red' },
          tracing: { sampleRatio: 2, retention: Duration.minutes(30), collectorReplicas: 0 },
        } as unknown as Partial<PlatformProps>,
      }),
      'shop',
    );
    api(chart);
    const found = errorsOf(app).filter((e) => e.includes('environment.platform.'));
    const fields = found.map((e) => /environment\.platform\.([\w.]+):/.exec(e)?.[1]).sort();
    expect(fields).toEqual([
      'logs.colour',
      'logs.replicas',
      'logs.retention',
      'logs.storage.size',
      'tracing.collectorReplicas',
      'tracing.retention',
      'tracing.sampleRatio',
    ]);
    expect(found.find((e) => e.includes('logs.retention'))).toMatch(/'7d' is a string: give a Duration, Duration\.days\(7\)/);
    expect(found.find((e) => e.includes('logs.replicas'))).toMatch(/more than one Loki pod needs object storage/);
    expect(new Set(found).size).toBe(found.length);
  });
});

describe('traces', () => {
  function traced(env: Environment, options?: Json): { app: App; chart: SystemChart; objects: Json[] } {
    const { app, chart } = testChart(env, 'shop');
    const w = api(chart);
    w.tracing(options as never);
    new Worker(chart, 'jobs', { image: IMAGE, resources: RESOURCES });
    return { app, chart, objects: objectsOf(app) };
  }

  test('tracing() sets the standard OTEL_* variables: service name = workload, resource attributes = system and environment', () => {
    const { objects } = traced(testEnv('prod'));
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!;
    const vars = envOf(d.spec.template.spec.containers[0]);
    expect(vars).toMatchObject({
      OTEL_SERVICE_NAME: 'api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=shop,deployment.environment.name=prod,k8s.namespace.name=shop-prod',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.tracing.svc:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      // The repository's prod profile samples a fifth of the root traces.
      OTEL_TRACES_SAMPLER_ARG: '0.2',
    });
    // The worker did not call tracing(): no OTEL variables.
    const jobs = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'jobs')!;
    expect(Object.keys(envOf(jobs.spec.template.spec.containers[0])).filter((k) => k.startsWith('OTEL_'))).toEqual([]);
  });

  test('gRPC, own sample ratio and extra attributes', () => {
    const { objects } = traced(testEnv('dev'), { protocol: 'grpc', sampleRatio: 0.5, resourceAttributes: { 'service.version': '1.0.0' } });
    const vars = envOf(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!.spec.template.spec.containers[0]);
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.tracing.svc:4317');
    expect(vars.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('grpc');
    expect(vars.OTEL_TRACES_SAMPLER_ARG).toBe('0.5');
    expect(vars.OTEL_RESOURCE_ATTRIBUTES).toBe(
      'service.namespace=shop,deployment.environment.name=dev,k8s.namespace.name=shop-dev,service.version=1.0.0',
    );
  });

  test('NetworkPolicies let exactly the traced pods reach the collector, on the one OTLP port they use', () => {
    const collector = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tracing' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': 'otel-collector' } },
    };
    for (const [options, port] of [
      [undefined, 4318],
      [{ protocol: 'grpc' }, 4317],
    ] as const) {
      const { objects } = traced(testEnv('prod'), options);
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      const toCollector = (name: string) =>
        (policies.find((p) => p.metadata.name === name)!.spec.egress ?? []).filter((r: Json) =>
          r.to.some((t: Json) => canon(t) === canon(collector)),
        );
      expect(toCollector('api')).toEqual([{ to: [collector], ports: [{ port, protocol: 'TCP' }] }]);
      expect(toCollector('jobs')).toEqual([]);
      // No other policy of the namespace opens the collector.
      expect(policies.filter((p) => JSON.stringify(p.spec).includes('opentelemetry-collector')).map((p) => p.metadata.name)).toEqual(['api']);
    }
  });

  test('a profile with its own collector namespace moves the endpoint and the peer', () => {
    const { objects } = traced(testEnv('prod', { platform: { tracing: { namespace: 'otel' } } }));
    const vars = envOf(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!.spec.template.spec.containers[0]);
    expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.otel.svc:4318');
    expect(JSON.stringify(objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'api')!.spec.egress)).toContain(
      '"kubernetes.io/metadata.name":"otel"',
    );
  });

  test('tracing() brings the collector and Tempo into the platform layer; the collector exports to Tempo', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod') });
    api(chart).tracing();
    new ArgoCdApplications(app, { environment: chart.environment, systems: ['shop'] });
    const apps = render(app).objects.filter((o) => o.object.kind === 'Application' && o.folder === 'prod/platform');
    const collector = apps.find((o) => o.object.metadata.name === 'opentelemetry-collector-prod')!.object.spec.source;
    expect(collector.chart).toBe('opentelemetry-collector');
    expect(collector.targetRevision).toBe('0.170.0');
    const values = collector.helm.valuesObject;
    expect(values.config.exporters['otlp/tempo']).toEqual({ endpoint: 'tempo.tracing.svc:4317', tls: { insecure: true } });
    expect(values.config.service.pipelines.traces).toEqual({
      receivers: ['otlp'],
      processors: ['memory_limiter', 'batch'],
      exporters: ['otlp/tempo'],
    });
    // Images with a registry (the chart names none by default).
    expect(values.image.repository).toBe('docker.io/otel/opentelemetry-collector-k8s');
    expect(apps.map((o) => o.object.metadata.name)).toContain('tempo-prod');
  });

  test("the collector's own NetworkPolicy admits exactly the traced pods of every system, on the OTLP ports only", () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const env = testEnv('prod');
    const shop = new SystemChart(app, { system: 'shop', environment: env });
    api(shop).tracing();
    new Worker(shop, 'jobs', { image: IMAGE, resources: RESOURCES });
    const blog = new SystemChart(app, { system: 'blog', environment: env });
    api(blog, 'web').tracing({ protocol: 'grpc' });
    api(blog, 'admin');
    new ArgoCdApplications(app, { environment: env, systems: ['shop', 'blog'] });
    const rendered = render(app).objects;
    const collector = rendered.find((o) => o.object.kind === 'Application' && o.object.metadata.name === 'opentelemetry-collector-prod')!;
    const policy = collector.object.spec.source.helm.valuesObject.networkPolicy;
    const peer = (namespace: string, name: string) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': namespace, 'app.kubernetes.io/name': name } },
    });
    expect(policy.enabled).toBe(true);
    // Sorted, one entry per traced workload: not the untraced worker nor the untraced admin service.
    expect(policy.allowIngressFrom).toEqual([peer('blog-prod', 'web'), peer('shop-prod', 'api')]);
    // The chart applies the list to its enabled ports: only OTLP's are left (Jaeger and Zipkin off).
    expect(collector.object.spec.source.helm.valuesObject.ports).toEqual({
      'jaeger-compact': { enabled: false },
      'jaeger-thrift': { enabled: false },
      'jaeger-grpc': { enabled: false },
      zipkin: { enabled: false },
    });
    // Each traced pod's own labels match its peer (what the Deployment's pods carry).
    for (const [ns, name] of [
      ['shop-prod', 'api'],
      ['blog-prod', 'web'],
    ]) {
      const d = rendered.find((o) => o.object.kind === 'Deployment' && o.object.metadata.namespace === ns && o.object.metadata.name === name)!;
      expect(d.object.spec.template.metadata.labels).toMatchObject(peer(ns, name).podSelector.matchLabels);
    }
  });

  test('bad tracing options are refused with the construct path and field', () => {
    const errors = (options: unknown, env?: Json) => {
      const { app, chart } = testChart(testEnv('prod'), 'shop');
      const w = env
        ? new WebService(chart, 'api', {
            image: IMAGE,
            ports: [{ name: 'http', port: 8080 }],
            readiness: Probe.http('/ready'),
            resources: RESOURCES,
            env: env as never,
          })
        : api(chart);
      w.tracing(options as never);
      return errorsOf(app);
    };
    expect(errors({ protocol: 'udp' })).toEqual([
      expect.stringMatching(/^\[shop-prod\/api\/tracing\] protocol: must be one of 'http\/protobuf', 'grpc' \(is 'udp'\)/),
    ]);
    expect(errors({ sampleRatio: 1.5 })).toEqual([expect.stringMatching(/^\[shop-prod\/api\/tracing\] sampleRatio: must be a number from 0 to 1/)]);
    expect(errors({ resourceAttributes: { 'service.name': 'x' } })).toEqual([
      expect.stringMatching(/\] resourceAttributes\.service\.name: is set by tracing\(\)/),
    ]);
    expect(errors({ resourceAttributes: { team: 'a,b' } })).toEqual([
      expect.stringMatching(/\] resourceAttributes\.team: must be a string, and neither key nor value may contain/),
    ]);
    expect(errors(undefined, { OTEL_SERVICE_NAME: 'other' })).toEqual([
      expect.stringMatching(/^\[shop-prod\/api\/tracing\] env\.OTEL_SERVICE_NAME: is set by tracing\(\)/),
    ]);
    expect(errors({ sampler: 'always' })).toEqual([expect.stringMatching(/\] sampler: is not an option/)]);
  });

  test('calling tracing() twice is an error, not a second set of variables', () => {
    const { app, chart } = testChart(testEnv('prod'), 'shop');
    const w = api(chart);
    w.tracing();
    w.tracing({ protocol: 'grpc' });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/^\[shop-prod\/api\] tracing\(\): was called more than once/)]);
  });

  testStrictSchemaValidation(() => traced(testEnv('prod')).objects);
});

describe('the repository systems (dist/)', () => {
  const objects = (env: string, system: string): Json[] =>
    fs
      .readdirSync(path.join('dist', env, system))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .map((f) => parse(fs.readFileSync(path.join('dist', env, system, f), 'utf8')));

  test.each(['dev', 'staging', 'prod'])(
    '%s: TechShop, capibara6 and Loopi trace (their seeds name Jaeger), Feature-models too (its seed asks for APM); the seeds naming ELK or central logs get log alerts',
    (env) => {
      const traced: Record<string, string[]> = {};
      const logAlerts: string[] = [];
      for (const system of ['techshop', 'capibara6', 'loopi', 'chatnomina', 'feature-models']) {
        const all = objects(env, system);
        const names = all
          .filter((o) => ['Deployment', 'Rollout', 'StatefulSet'].includes(o.kind))
          .filter((o) => (o.spec.template.spec.containers[0].env ?? []).some((e: Json) => e.name === 'OTEL_SERVICE_NAME'))
          .map((o) => o.metadata.name)
          .sort();
        if (names.length) traced[system] = names;
        if (all.some((o) => o.kind === 'ConfigMap' && o.metadata.labels?.loki_rule)) logAlerts.push(system);
      }
      expect(traced).toEqual({
        techshop: ['app'],
        capibara6: ['api', 'graphql', 'workers'],
        loopi: ['api'],
        'feature-models': ['backend', 'celery-worker'],
      });
      expect(logAlerts.sort()).toEqual(['chatnomina', 'feature-models', 'loopi', 'techshop']);
      const platform = fs.readdirSync(path.join('dist', env, 'platform'));
      for (const c of ['loki', 'alloy', 'tempo', 'opentelemetry-collector']) expect(platform).toContain(`95-application-${c}-${env}.yaml`);
    },
  );

  test('every system README says where its logs, traces and alerts go', () => {
    for (const system of ['techshop', 'capibara6', 'loopi', 'chatnomina', 'feature-models']) {
      const readme = fs.readFileSync(path.join('dist', 'prod', system, 'README.md'), 'utf8');
      expect(readme).toContain(`Loki (\`http://loki.logging.svc:3100\`, a 100Gi volume), kept 30d`);
      expect(readme).toMatch(system === 'chatnomina' ? /Traces: none/ : /Traces: .*OpenTelemetry Collector `otel-collector\.tracing\.svc`.*Tempo/);
      expect(readme).toMatch(/Alerts: evaluated by the platform Prometheus, sent to the Alertmanager `monitoring\/alertmanager`/);
    }
    expect(fs.readFileSync(path.join('dist', 'prod', 'loopi', 'README.md'), 'utf8')).toMatch(
      /\| LogErrorBurst \| warning \| platform-slack: Slack #alerts-prod \|/,
    );
    // A collector the cluster already runs (preinstalled) must admit the same pods: the README names them.
    expect(fs.readFileSync(path.join('dist', 'prod', 'loopi', 'README.md'), 'utf8')).toContain(
      '- opentelemetry-collector `networkPolicy.allowIngressFrom`: `loopi-prod: app.kubernetes.io/instance=loopi-prod,app.kubernetes.io/name=api`',
    );
  });
});
