/**
 * The cluster profile is the only place cluster facts live: one small system synthesized with
 * the repository's prod profile and with a changed one (DNS pods and NodeLocal DNSCache,
 * Prometheus namespace, pods and selector labels, Grafana labels, storage class, registry,
 * Vault naming), and every dependent field of every object follows the profile.
 */
import { App } from 'cdk8s';
import {
  ArgoCdApplications,
  BackupTarget,
  ConnectionEnv,
  DEFAULT_RULES,
  Environment,
  PersistentVolume,
  PlatformProps,
  Probe,
  SystemAlerts,
  SystemDashboard,
  SystemSecret,
  WebService,
} from '../../lib';
import { ENVIRONMENTS } from '../../charts';
import { render, testChart, UNUSED_OUTDIR } from '../support/synth';
import { samplePostgres } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

const CHANGED: PlatformProps = {
  ...ENVIRONMENTS.prod.platform.props,
  dns: { pods: { namespace: 'dns-system', podLabels: { app: 'coredns' } }, nodeLocalAddress: '169.254.20.10' },
  prometheus: {
    pods: { namespace: 'observability', podLabels: { app: 'prom' } },
    serviceMonitorLabels: { prometheus: 'platform' },
    ruleLabels: { role: 'alert-rules' },
  },
  grafana: { namespace: 'observability', dashboardLabels: { dashboards: 'platform' } },
  storage: {
    defaultClass: 'fast-nvme',
    sharedClass: 'shared-nfs',
    classes: { 'fast-nvme': { preinstalled: true }, 'shared-nfs': { preinstalled: true } },
  },
  registry: { host: 'ghcr.io/stackworks' },
  secrets: {
    kind: 'vault',
    server: 'https://vault.stackworks.io:8200',
    path: 'kv',
    authMountPath: 'k8s-prod',
    roleName: 'k8s-{env}-{system}',
    keyPath: '{env}/{system}/{secret}',
  },
};

/** The facts a profile fixes, read back from the objects of one synthesized system. */
function facts(platform: PlatformProps) {
  const { app, chart } = testChart(new Environment({ ...ENVIRONMENTS.prod, platform }), 'shop');
  const db = samplePostgres(chart, resources, { exporter: true });
  db.backup({ target: BackupTarget.volume({ size: '5Gi' }) });
  const api = new WebService(chart, 'api', {
    // The chart names its image in the profile's registry explicitly (env.image), so it follows the profile.
    image: chart.environment.image('shop/api:1.0.0'),
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(db, { env: ConnectionEnv.url('DATABASE_URL') });
  api.exposeMetrics({ port: 'http' });
  new PersistentVolume(chart, 'uploads', { size: '1Gi', accessMode: 'ReadWriteMany' }).mountOn(api, '/uploads');
  new SystemSecret(chart, 'api-keys', { keys: ['stripe'] });
  new SystemAlerts(chart, 'alerts');
  new SystemDashboard(chart, 'dashboard');
  // The policy rules run too: the changed profile's selectors are on every monitoring object.
  const objects = render(app, DEFAULT_RULES).objects.map((o) => o.object);
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const one = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
  const podSpecs = objects.flatMap((o) => [o.spec?.template?.spec, o.spec?.jobTemplate?.spec?.template?.spec].filter(Boolean));
  const fromPrometheus = all('NetworkPolicy')
    .flatMap((p) => p.spec.ingress ?? [])
    .flatMap((r: any) => r.from)
    .filter((peer: any) => peer.namespaceSelector && !peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name'].startsWith('ingress'));
  return {
    dnsEgress: one('NetworkPolicy', 'allow-dns').spec.egress[0].to,
    prometheusPeers: [...new Set(fromPrometheus.map((p: any) => JSON.stringify(p)))].map((p) => JSON.parse(p)),
    serviceMonitorLabels: all('ServiceMonitor').map((o) => o.metadata.labels),
    ruleLabels: all('PrometheusRule').map((o) => o.metadata.labels),
    dashboardLabels: one('ConfigMap', 'dashboard-grafana').metadata.labels,
    storageClasses: [
      ...all('PersistentVolumeClaim').map((o) => o.spec.storageClassName),
      ...all('StatefulSet').flatMap((o) => o.spec.volumeClaimTemplates.map((t: any) => t.spec.storageClassName)),
    ],
    apiImage: one('Deployment', 'api').spec.template.spec.containers[0].image,
    engineImages: [...new Set(podSpecs.flatMap((s: any) => [...(s.initContainers ?? []), ...s.containers]).map((c: any) => c.image))].filter(
      (i) => !i.includes('shop/api'),
    ),
    secretStore: one('SecretStore', 'secret-store').spec.provider.vault,
    remoteKey: one('ExternalSecret', 'api-keys').spec.data[0].remoteRef.key,
  };
}

const before = facts(ENVIRONMENTS.prod.platform.props);
const after = facts(CHANGED);

test('the repository profile: kube-dns, Prometheus in monitoring selecting release=prometheus, the registry and storage class of prod', () => {
  expect(before.dnsEgress).toEqual([
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
  ]);
  expect(before.apiImage).toBe('registry.stackworks.io/shop/api:1.0.0');
  expect(new Set(before.storageClasses)).toEqual(new Set(['ssd-retain', 'files-retain']));
  expect(before.remoteKey).toBe('shop/prod/api-keys');
});

test('DNS: the profile pods, and NodeLocal DNSCache by its address on 53', () => {
  expect(after.dnsEgress).toEqual([
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns-system' } }, podSelector: { matchLabels: { app: 'coredns' } } },
    { ipBlock: { cidr: '169.254.20.10/32' } },
  ]);
});

test('Prometheus: its pods reach the metrics ports, its selector labels are on every ServiceMonitor and PrometheusRule', () => {
  expect(after.prometheusPeers).toEqual([
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'prom' } } },
  ]);
  expect(after.serviceMonitorLabels.length).toBeGreaterThanOrEqual(2);
  for (const labels of after.serviceMonitorLabels) {
    expect(labels).toMatchObject({ prometheus: 'platform' });
    expect(labels).not.toHaveProperty('release');
  }
  expect(after.ruleLabels.length).toBeGreaterThanOrEqual(1);
  for (const labels of after.ruleLabels) expect(labels).toMatchObject({ role: 'alert-rules' });
});

test("Grafana: the dashboard carries the sidecar's labels", () => {
  expect(after.dashboardLabels).toMatchObject({ dashboards: 'platform' });
  expect(after.dashboardLabels).not.toHaveProperty('grafana_dashboard');
});

test('storage: every claim (store volumes, the backup volume, a standalone volume) uses the profile class', () => {
  expect(after.storageClasses.length).toBeGreaterThanOrEqual(3);
  expect(new Set(after.storageClasses)).toEqual(new Set(['fast-nvme', 'shared-nfs']));
});

test("registry: an application image named with env.image() follows the profile's registry; the library's own images keep theirs", () => {
  expect(after.apiImage).toBe('ghcr.io/stackworks/shop/api:1.0.0');
  expect(after.engineImages).toEqual(before.engineImages);
  for (const image of after.engineImages) expect(image).toMatch(/^(docker\.io|quay\.io)\//);
});

test('secrets: the SecretStore and ExternalSecrets use the profile mount, role and key layout', () => {
  expect(after.secretStore).toMatchObject({
    server: 'https://vault.stackworks.io:8200',
    path: 'kv',
    auth: { kubernetes: { mountPath: 'k8s-prod', role: 'k8s-prod-shop' } },
  });
  expect(after.remoteKey).toBe('prod/shop/api-keys');
});

test('Argo CD: the Applications live in the profile namespace and sync from the profile repository', () => {
  const env = new Environment({
    ...ENVIRONMENTS.prod,
    platform: {
      ...CHANGED,
      gitops: { repoURL: 'git@git.stackworks.io:platform/stacks.git', targetRevision: 'v2.3.0', distPath: 'deploy' },
      argocd: { namespace: 'gitops' },
    },
  });
  const app = new App({ outdir: UNUSED_OUTDIR });
  new ArgoCdApplications(app, { environment: env, systems: ['shop'] });
  const application = app.charts.flatMap((c) => c.toJson()).find((o) => o.kind === 'Application' && o.metadata.name === 'shop-prod');
  expect(application.metadata).toMatchObject({ name: 'shop-prod', namespace: 'gitops' });
  expect(application.spec.source).toEqual({
    repoURL: 'git@git.stackworks.io:platform/stacks.git',
    targetRevision: 'v2.3.0',
    path: 'deploy/prod/shop',
  });
});
