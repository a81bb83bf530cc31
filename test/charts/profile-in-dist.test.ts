/**
 * The committed dist/ against the cluster profiles it was synthesized from (requires a prior
 * `npm run synth`): no placeholder reaches staging or prod, and what the cluster's components
 * must agree on is derived from the profile (Prometheus selector labels on every monitor and
 * rule, the DNS and Prometheus NetworkPolicy peers).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENT_NAMES, EnvironmentName } from '../../lib';
import { clusterDnsPeers } from '../../lib/security/network';
import { ENVIRONMENTS } from '../../charts';
import { REPO_ROOT } from '../support/schema/k8s-definitions';
import { loadManifestDir } from '../support/schema/manifests';

const DIST = path.join(REPO_ROOT, 'dist');

/** Every file under `dir` (YAML, READMEs, scripts), relative to dist/. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('no placeholder in staging or prod', () => {
  const PLACEHOLDER = /example\.(com|org|net)|\.invalid\b/i;

  test.each(['staging', 'prod'])('dist/%s: no example.com, example.org, example.net or .invalid in any file', (env) => {
    const files = filesUnder(path.join(DIST, env));
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => [line, i] as const)
        .filter(([line]) => PLACEHOLDER.test(line))
        .map(([line, i]) => `${path.relative(DIST, file)}:${i + 1}: ${line.trim()}`),
    );
    expect(found).toEqual([]);
  });

  test('the grep does find a placeholder where there is one (dev may use the demo profile)', () => {
    expect(/example\.(com|org|net)|\.invalid\b/i.test('repoURL: https://git.example.com/demo/cdk8s-stacks.git')).toBe(true);
  });
});

describe.each(ENVIRONMENT_NAMES.map((name) => [name]))('dist/%s follows its cluster profile', (name: EnvironmentName) => {
  const profile = ENVIRONMENTS[name].platform;
  const objects = loadManifestDir(path.join(DIST, name)).documents.map((d) => ({ file: d.file, object: d.object as Record<string, any> }));
  const ofKind = (...kinds: string[]) => objects.filter((o) => kinds.includes(o.object?.kind));

  test("every ServiceMonitor and PodMonitor carries the labels the profile's Prometheus selects", () => {
    const monitors = ofKind('ServiceMonitor', 'PodMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const m of monitors)
      expect({ file: m.file, labels: m.object.metadata.labels }).toEqual({
        file: m.file,
        labels: expect.objectContaining(profile.prometheus.serviceMonitorLabels),
      });
  });

  test("every PrometheusRule carries the labels the profile's Prometheus selects", () => {
    const rules = ofKind('PrometheusRule');
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules)
      expect({ file: r.file, labels: r.object.metadata.labels }).toEqual({
        file: r.file,
        labels: expect.objectContaining(profile.prometheus.ruleLabels),
      });
  });

  test("every system's allow-dns policy reaches exactly the profile's DNS", () => {
    const policies = ofKind('NetworkPolicy').filter((p) => p.object.metadata.name === 'allow-dns');
    expect(policies.length).toBe(fs.readdirSync(path.join(DIST, name)).filter((d) => !['argocd', 'platform'].includes(d)).length);
    const expected = clusterDnsPeers(profile.dns).map((peer) => peer.toJson());
    for (const p of policies) expect({ file: p.file, to: p.object.spec.egress[0].to }).toEqual({ file: p.file, to: expected });
  });

  test("every peer in the Prometheus namespace is the profile's Prometheus pods, and every metrics port admits them", () => {
    const nsOf = (peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
    const peers = ofKind('NetworkPolicy').flatMap((p) => (p.object.spec.ingress ?? []).flatMap((r: any) => r.from ?? []));
    const prometheusPeers = peers.filter((peer: any) => nsOf(peer) === profile.prometheus.pods.namespace);
    expect(prometheusPeers.length).toBeGreaterThan(0);
    for (const peer of prometheusPeers) {
      expect(peer).toEqual({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': profile.prometheus.pods.namespace } },
        podSelector: { matchLabels: profile.prometheus.pods.podLabels },
      });
    }
    // Each metrics Service's pods accept the profile's Prometheus on the metrics ports.
    const metricsServices = ofKind('Service').filter((s) => s.object.metadata.labels?.['cdk8s-stacks.io/metrics'] === 'true');
    expect(metricsServices.length).toBe(ofKind('ServiceMonitor').length);
    for (const service of metricsServices) {
      const namespace = service.object.metadata.namespace;
      const selector = service.object.spec.selector;
      const policy = ofKind('NetworkPolicy').find(
        (p) =>
          p.object.metadata.namespace === namespace &&
          Object.entries(p.object.spec.podSelector.matchLabels ?? {}).length > 0 &&
          Object.entries(p.object.spec.podSelector.matchLabels).every(([k, v]) => selector[k] === v),
      );
      const admitted = (policy?.object.spec.ingress ?? [])
        .filter((r: any) => r.from.some((peer: any) => nsOf(peer) === profile.prometheus.pods.namespace))
        .flatMap((r: any) => r.ports.map((port: any) => port.port));
      const metricsPorts = service.object.spec.ports.map((p: any) => p.port);
      expect({ service: service.file, admitted: metricsPorts.filter((p: number) => admitted.includes(p)) }).toEqual({
        service: service.file,
        admitted: metricsPorts,
      });
    }
  });

  test("Grafana dashboards carry the sidecar's labels", () => {
    const dashboards = ofKind('ConfigMap').filter((c) => Object.keys(c.object.data ?? {}).some((k) => k.endsWith('.json')));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const d of dashboards)
      expect({ file: d.file, labels: d.object.metadata.labels }).toEqual({
        file: d.file,
        labels: expect.objectContaining(profile.grafana.dashboardLabels),
      });
  });
});
