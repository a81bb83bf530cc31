import { App, ApiObject, Chart } from 'cdk8s';
import { DEFAULT_RULES, PolicyRule, Probe, SystemSecret, WebService } from '../../lib';
import { renderChart } from '../../lib/gitops/render';
import { evaluatePolicies } from '../../lib/policy/evaluate';
import { multiReplicaHasPdb } from '../../lib/policy/rules/availability';
import { pinnedImages, readinessProbes, resourcesRequired } from '../../lib/policy/rules/containers';
import { podsHaveNetworkPolicy } from '../../lib/policy/rules/network';
import { noHostAccess, podSecurityRestricted } from '../../lib/policy/rules/pod-security';
import { noSecretData, referencesResolve } from '../../lib/policy/rules/secrets';
import { ingressBackendsExist, servicesSelectOneWorkload } from '../../lib/policy/rules/services';
import { errorsOf, testChart, testEnv } from '../support/synth';

/** A minimal, valid set of objects for one namespace: what the rules must stay quiet on. */
function goodObjects(): Array<Record<string, any>> {
  const labels = { app: 'web' };
  const container = {
    name: 'web',
    image: 'registry.stackworks.io/org/web:1.0.0',
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/', port: 'http' } },
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    env: [{ name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
    envFrom: [{ configMapRef: { name: 'cfg' } }],
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
    },
  };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [container], volumes: [{ name: 'tmp', emptyDir: {} }] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { A: '1' } },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'creds' },
      spec: { target: { name: 'creds' }, data: [{ secretKey: 'password', remoteRef: { key: 'x' } }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web' },
      spec: {
        rules: [
          {
            host: 'a.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] },
          },
        ],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web' },
      spec: { parentRefs: [{ name: 'gateway' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    },
  ];
}

function run(rule: PolicyRule, mutate: (objects: Array<Record<string, any>>) => void = () => undefined): string[] {
  const app = new App();
  const chart = new Chart(app, 'c', { namespace: 'ns' });
  const objects = goodObjects();
  mutate(objects);
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
  const unit = renderChart(chart, { partOf: 'x', instance: 'x', version: '1' });
  return evaluatePolicies('f', unit.objects, [rule], 'ns').failures.map((f) => f.message);
}

const deployment = (o: Array<Record<string, any>>) => o[0].spec.template.spec;
const container = (o: Array<Record<string, any>>) => deployment(o).containers[0];

describe.each<[string, PolicyRule, (o: Array<Record<string, any>>) => void, RegExp]>([
  [
    'pod security',
    podSecurityRestricted,
    (o) => delete container(o).securityContext.seccompProfile,
    /container 'web' has no RuntimeDefault or Localhost seccomp profile/,
  ],
  ['pod security: root', podSecurityRestricted, (o) => (container(o).securityContext.runAsUser = 0), /container 'web' runs as uid 0/],
  [
    'pod security: capabilities',
    podSecurityRestricted,
    (o) => (container(o).securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] }),
    /adds capabilities SYS_ADMIN/,
  ],
  ['host access', noHostAccess, (o) => (deployment(o).hostNetwork = true), /hostNetwork is true/],
  ['host path', noHostAccess, (o) => deployment(o).volumes.push({ name: 'h', hostPath: { path: '/' } }), /volume 'h' is a hostPath/],
  ['resources', resourcesRequired, (o) => delete container(o).resources.limits.memory, /container 'web' has no limits\.memory/],
  ['readiness', readinessProbes, (o) => delete container(o).readinessProbe, /serves ports but has no readiness probe/],
  ['pinned images', pinnedImages, (o) => (container(o).image = 'org/web:latest'), /image 'org\/web:latest' is not pinned/],
  [
    'secret data',
    noSecretData,
    (o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'cGFzcw==' } }),
    /Secret s carries data/,
  ],
  [
    'secret reference',
    referencesResolve,
    (o) => (container(o).env[0].valueFrom.secretKeyRef.name = 'nope'),
    /refers to Secret 'nope', which nothing in this namespace produces/,
  ],
  ['secret key', referencesResolve, (o) => (container(o).env[0].valueFrom.secretKeyRef.key = 'nokey'), /refers to key 'nokey' of Secret 'creds'/],
  ['config map reference', referencesResolve, (o) => (container(o).envFrom[0].configMapRef.name = 'gone'), /refers to ConfigMap 'gone'/],
  [
    'network policy',
    podsHaveNetworkPolicy,
    (o) => (o[2].spec.policyTypes = ['Ingress']),
    /not covered by NetworkPolicies for both ingress and egress/,
  ],
  ['service selector', servicesSelectOneWorkload, (o) => (o[1].spec.selector = { app: 'other' }), /Service web selects 0 workloads/],
  [
    'service port',
    servicesSelectOneWorkload,
    (o) => (o[1].spec.ports[0].targetPort = 'admin'),
    /targets admin, which Deployment web does not expose/,
  ],
  [
    'ingress backend',
    ingressBackendsExist,
    (o) => (o[6].spec.rules[0].http.paths[0].backend.service.name = 'ghost'),
    /routes to Service 'ghost', which does not exist/,
  ],
  [
    'ingress port',
    ingressBackendsExist,
    (o) => (o[6].spec.rules[0].http.paths[0].backend.service.port = { number: 9999 }),
    /routes to port 9999 of Service 'web', which has no such port/,
  ],
  [
    'HTTPRoute backend',
    ingressBackendsExist,
    (o) => (o[7].spec.rules[0].backendRefs[0].name = 'ghost'),
    /HTTPRoute web routes to Service 'ghost', which does not exist/,
  ],
  [
    'HTTPRoute port',
    ingressBackendsExist,
    (o) => (o[7].spec.rules[0].backendRefs[0].port = 8080),
    /routes to port 8080 of Service 'web', which has no such port/,
  ],
  ['pdb', multiReplicaHasPdb, (o) => o.splice(3, 1), /Deployment web can run several pods but no PodDisruptionBudget selects them/],
])('rule %s', (_name, rule, mutate, expected) => {
  test('stays quiet on the good objects', () => {
    expect(run(rule)).toEqual([]);
  });
  test('fires on the bad one', () => {
    expect(run(rule, mutate)).toEqual([expect.stringMatching(expected)]);
  });
});

describe('waivers', () => {
  test('a waiver with a reason suppresses the violation and is reported', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'ns' });
    const objects = goodObjects();
    delete objects[0].spec.template.spec.containers[0].readinessProbe;
    objects[0].metadata.annotations = { 'cdk8s-stacks.io/waive.readiness-probe': 'the port serves only health checks' };
    objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
    const outcome = evaluatePolicies('f', renderChart(chart, { partOf: 'x', instance: 'x', version: '1' }).objects, DEFAULT_RULES, 'ns');
    expect(outcome.failures).toEqual([]);
    expect(outcome.waivers).toEqual([
      { folder: 'f', object: 'Deployment web', rule: 'readiness-probe', reason: 'the port serves only health checks' },
    ]);
  });

  test('a waiver without a reason, or for an unknown rule, is a failure', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'ns' });
    const objects = goodObjects();
    objects[0].metadata.annotations = { 'cdk8s-stacks.io/waive.readiness-probe': ' ', 'cdk8s-stacks.io/waive.no-such-rule': 'because' };
    objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o as any));
    const messages = evaluatePolicies(
      'f',
      renderChart(chart, { partOf: 'x', instance: 'x', version: '1' }).objects,
      DEFAULT_RULES,
      'ns',
    ).failures.map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/waiver of 'readiness-probe' must give a reason/),
        expect.stringMatching(/'no-such-rule' is not a policy rule/),
      ]),
    );
  });

  test('Workload.waive() puts the waiver on the Deployment, with the construct path in failures otherwise', () => {
    const { app, chart } = testChart(testEnv('prod'));
    const secret = new SystemSecret(chart, 'creds', { keys: ['a'] });
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/'),
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
      envFromSecrets: [secret, { secretName: 'managed-elsewhere', describe: 'x' }],
    });
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([
      expect.stringMatching(/^\[test-prod\/api\/deployment\] policy references-resolve: .*'managed-elsewhere'/),
    ]);
    api.waive('references-resolve', 'created by the platform team');
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });
});
